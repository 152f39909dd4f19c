"""Cohort sessions: enrolled people are reminded before each, like mentoring sessions."""

from datetime import timedelta

from flask_babel import force_locale

from learnhub.cli import run_mail_round
from learnhub.courses.models import EnrolmentStatus
from learnhub.courses.reminders import send_session_reminders
from learnhub.dates import format_datetime
from learnhub.extensions import db
from learnhub.i18n import force_timezone
from learnhub.timeutil import utcnow
from tests.factories import CohortFactory, CohortSessionFactory, EnrolmentFactory, UserFactory
from tests.i18n import translated

LEARNERS = {"ana@example.org": "en", "bojan@example.org": "sr_Latn", "cvijeta@example.org": "bs",
            "dragan@example.org": "sr_Cyrl"}


def _session_three_hours_ahead():
    cohort = CohortFactory(name="Oporavak, Novi Sad")
    starts_at = (utcnow() + timedelta(hours=3)).replace(second=0, microsecond=0)
    session = CohortSessionFactory(cohort=cohort, starts_at=starts_at, ends_at=starts_at + timedelta(hours=4),
                                   place="Sala opštine")
    for email, language in LEARNERS.items():
        EnrolmentFactory(cohort=cohort, user=UserFactory(email=email, preferred_language=language,
                                                         time_zone="Europe/London"))
    for status in (EnrolmentStatus.WITHDRAWN, EnrolmentStatus.WAITLISTED, EnrolmentStatus.PENDING):
        EnrolmentFactory(cohort=cohort, status=status, user=UserFactory(email=f"{status}@example.org"))
    db.session.commit()
    return cohort, session


def test_enrolled_people_are_reminded_of_a_cohort_session_in_their_language_and_zone(app, smtp_sink):
    cohort, session = _session_three_hours_ahead()
    report = run_mail_round(app)
    assert (report.reminders, report.sent) == (4, 4)
    assert sorted(message["To"] for message in smtp_sink.messages) == sorted(LEARNERS)  # nobody else

    [english] = smtp_sink.to("ana@example.org")
    text = smtp_sink.text_of(english)
    with app.test_request_context(), force_locale("en"), force_timezone("Europe/London"):
        london = format_datetime(session.starts_at, with_zone=True)  # "Mon, Mar 1, 2027, 9:00 AM GMT"
    assert london in text and "Sala opštine" in text and f"/cohorts/{cohort.id}" in text
    assert "Oporavak, Novi Sad" in english["Subject"]
    [serbian] = smtp_sink.to("bojan@example.org")
    assert serbian["Subject"] == translated("sr_Latn", "Reminder: session of %(cohort)s", cohort="Oporavak, Novi Sad")
    assert "Sala opštine" in smtp_sink.text_of(serbian)


def test_each_enrolled_person_is_reminded_once_per_lead_time(app, smtp_sink):
    _cohort, session = _session_three_hours_ahead()
    assert run_mail_round(app).reminders == 4
    assert run_mail_round(app).is_idle
    db.session.expire_all()
    assert send_session_reminders(session.starts_at - timedelta(minutes=30), (1440, 60)) == 4  # the hour before
    assert send_session_reminders(session.starts_at - timedelta(minutes=20), (1440, 60)) == 0
