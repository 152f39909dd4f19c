"""Names follow the reader's script: Cyrillic readers read names entered in Latin in Cyrillic, and everyone else
reads names entered in Cyrillic in Latin, on pages, in messages and in mail (learnhub.i18n.to_reader_script)."""

import re

import pytest
from flask_babel import force_locale
from markupsafe import Markup

from learnhub.extensions import db
from learnhub.i18n import cyrillic_to_latin, to_reader_script
from learnhub.people.models import MembershipRole, Role
from tests.factories import (
    CohortFactory,
    CohortSessionFactory,
    EnrolmentFactory,
    OrganisationFactory,
    UserFactory,
    member_of,
)


@pytest.mark.parametrize("locale, latin, cyrillic, expected", [
    ("sr_Cyrl", "Dnevni boravak Ruma", "Дневни боравак Рума", "Дневни боравак Рума"),
    ("sr_Latn", "Dnevni boravak Ruma", "Дневни боравак Рума", "Dnevni boravak Ruma"),
    ("bs", "Dnevni boravak Ruma", "Дневни боравак Рума", "Dnevni boravak Ruma"),
    ("en", "Dnevni boravak Ruma", "Дневни боравак Рума", "Dnevni boravak Ruma"),
])
def test_a_name_reads_in_the_readers_script_whichever_it_was_entered_in(app, locale, latin, cyrillic, expected):
    with app.test_request_context(), force_locale(locale):
        assert to_reader_script(latin) == expected and to_reader_script(cyrillic) == expected


def test_latin_keeps_capital_digraphs_addresses_and_markup(app):
    assert cyrillic_to_latin("ЉУБЉАНА и Џеп, Његош") == "LJUBLJANA i Džep, Njegoš"
    with app.test_request_context(), force_locale("bs"):
        assert to_reader_script("Пишите на info@ian.rs") == "Pišite na info@ian.rs"
        assert to_reader_script(Markup("<strong>Рума</strong>")) == Markup("<strong>Ruma</strong>")


def test_pages_and_messages_name_an_organisation_in_the_readers_script(client, auth):
    organisation = OrganisationFactory(name="Дневни боравак Рума")
    member_of(organisation, MembershipRole.ORG_ADMIN, email="boss@example.org", preferred_language="sr_Latn",
              display_name="Јована Петровић")
    auth.login("boss@example.org")
    for page in ("/dashboard", f"/organisations/{organisation.id}/members", f"/organisations/{organisation.id}/staff"):
        text = client.get(page).get_data(as_text=True)
        assert "Dnevni boravak Ruma" in text and "Дневни" not in text, page
        assert "Jovana Petrović" in text and "Јована" not in text, page


def test_a_cyrillic_reader_sees_names_entered_in_latin_in_cyrillic_in_titles_and_messages(client, auth):
    UserFactory(email="admin@example.org", roles=[Role.INSTITUTE_ADMIN], preferred_language="sr_Cyrl")
    person = UserFactory(display_name="Milica Nikolić")
    auth.login("admin@example.org")
    page = client.get(f"/admin/users/{person.id}").get_data(as_text=True)
    assert re.search(r"<title>Милица Николић", page)
    response = client.post(f"/admin/users/{person.id}", data={"roles": ["professional", "mentor"]},
                           follow_redirects=True)
    assert "Милица Николић" in response.get_data(as_text=True) and "Milica" not in response.get_data(as_text=True)


def test_mail_names_an_organisation_and_people_in_the_recipients_script(client, auth, smtp_sink):
    organisation = OrganisationFactory(name="Дневни боравак Рума")
    member_of(organisation, MembershipRole.ORG_ADMIN, email="boss@example.org", preferred_language="sr_Cyrl",
              display_name="Jovana Petrović")
    UserFactory(email="known@example.org", preferred_language="bs")  # reads Latin
    auth.login("boss@example.org")
    for address in ("known@example.org", "new@example.org"):  # a new address gets the inviter's language
        client.post(f"/organisations/{organisation.id}/invitations", data={"email": address, "role": "member"})
    [latin] = smtp_sink.to("known@example.org")
    assert "Jovana Petrović" in smtp_sink.text_of(latin) and "Dnevni boravak Ruma" in smtp_sink.text_of(latin)
    [cyrillic] = smtp_sink.to("new@example.org")
    assert "Јована Петровић" in smtp_sink.text_of(cyrillic) and "Дневни боравак Рума" in smtp_sink.text_of(cyrillic)


def test_a_cohorts_roster_and_attendance_downloads_name_people_in_the_trainers_script(client, auth):
    trainer = UserFactory(email="milan@example.org", roles=[Role.TRAINER], preferred_language="sr_Cyrl")
    organisation = OrganisationFactory(name="Dnevni boravak Ruma")
    enrolment = EnrolmentFactory(user=member_of(organisation, display_name="Ana Anić"), organisation_id=organisation.id,
                                 cohort=CohortFactory(trainer=trainer))
    CohortSessionFactory(cohort=enrolment.cohort)
    auth.login("milan@example.org")
    for download in ("roster", "attendance"):
        text = client.get(f"/trainer/cohorts/{enrolment.cohort_id}/{download}.csv").get_data().decode()
        assert "Ана Анић" in text and "Дневни боравак Рума" in text and "Ana" not in text, download


def test_a_mentoring_invitation_names_mentor_and_programme_in_the_recipients_script(app, smtp_sink):
    from icalendar import Calendar

    from learnhub.mail.services import send_pending
    from learnhub.mentoring import availability, booking
    from learnhub.timeutil import utcnow
    from tests.factories import ProgrammeFactory

    organisation = OrganisationFactory()
    mentor = UserFactory(email="mira@example.org", display_name="Mira Đukić", roles=[Role.MENTOR])
    programme = ProgrammeFactory(mentor=mentor, organisation=organisation, name="Podrška roditeljima")
    mentee = member_of(organisation, email="nikola@example.org", preferred_language="sr_Cyrl")
    _mentor, slots = availability.programme_mentor_slots(programme, mentor.id, utcnow())
    booking.book_slot(mentee, programme.id, mentor.id, slots[0].starts_at)
    db.session.commit()
    send_pending()
    [message] = smtp_sink.to("nikola@example.org")
    assert "Подршка родитељима" in message["Subject"] and "Мира Ђукић" in smtp_sink.text_of(message)
    [invitation] = [p for p in message.walk() if p.get_content_type() == "text/calendar" and not p.get_filename()]
    event = Calendar.from_ical(invitation.get_content()).walk("VEVENT")[0]
    assert "Подршка родитељима" in event["SUMMARY"] and event["ORGANIZER"].params["CN"] == "Мира Ђукић"
