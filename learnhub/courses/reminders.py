"""Reminders of cohort sessions, mailed to the people enrolled, as mentoring sessions remind theirs."""

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload

from learnhub.courses.models import Cohort, CohortSession, CohortSessionReminder, Enrolment, EnrolmentStatus
from learnhub.extensions import db
from learnhub.i18n import _l
from learnhub.mail.services import queue_reminder
from learnhub.people.models import User
from learnhub.timeutil import nearest_due_lead


def send_session_reminders(now: datetime, leads_minutes: tuple[int, ...]) -> int:
    """Mail each enrolled participant once per lead time before a cohort session (only the nearest lead
    that is due); returns how many. Withdrawn, waitlisted and pending people are not reminded."""
    queued = 0
    horizon = now + timedelta(minutes=max(leads_minutes))
    sessions = db.session.scalars(
        select(CohortSession).where(CohortSession.starts_at > now, CohortSession.starts_at <= horizon)
        .options(joinedload(CohortSession.cohort).options(lazyload(Cohort.trainers), lazyload(Cohort.municipality)))
        .order_by(CohortSession.id))  # the same order in every worker
    for session in sessions:
        lead = nearest_due_lead(session.starts_at, now, leads_minutes)
        if lead is None:
            continue
        people = db.session.scalars(
            select(User).join(Enrolment, Enrolment.user_id == User.id)
            .where(Enrolment.cohort_id == session.cohort_id, Enrolment.status == EnrolmentStatus.ENROLLED)
            .options(lazyload(User.roles)).order_by(User.id)).all()
        facts = _session_facts(session)
        subject = _l("Reminder: session of %(cohort)s", cohort=session.cohort.name)
        queued += sum(queue_reminder(CohortSessionReminder(session_id=session.id, user_id=person.id, lead_minutes=lead),
                                     person, "cohort_session_reminder", subject, facts) for person in people)
    return queued


def _session_facts(session: CohortSession) -> dict:
    """What a reminder says about a cohort session, as it is now."""
    cohort = session.cohort
    return {"cohort_id": cohort.id, "cohort": cohort.name, "title": cohort.version.title,
            "starts_at": session.starts_at, "ends_at": session.ends_at, "place": session.place,
            "online_url": session.online_url}
