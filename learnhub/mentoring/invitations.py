"""Invitations by e-mail with iCalendar (iTIP REQUEST/CANCEL, one UID per session) and reminders."""

from datetime import datetime, timedelta
from email.utils import parseaddr

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select

from learnhub import ical
from learnhub.extensions import db
from learnhub.i18n import _, _l, to_reader_script
from learnhub.mail.services import external_url, queue_email, queue_reminder, site_host
from learnhub.mentoring import actions
from learnhub.mentoring.models import MentoringSession, PartStat, ReminderSent, SessionParticipant, SessionStatus
from learnhub.people.models import User
from learnhub.timeutil import nearest_due_lead, utcnow


def session_uid(session: MentoringSession) -> str:
    return f"session-{session.id}@{site_host()}"


def calendar_event(session: MentoringSession, attendees: list[SessionParticipant],
                   is_removal: bool = False, with_link: bool = True) -> ical.CalendarEvent:
    """The session as an iCalendar event, worded in the current (recipient's) language; for someone
    removed from it, without why it was moved. The online link is for the mentor and participants only:
    `with_link=False` leaves it out (an institute admin's download)."""
    kind = _("Group mentoring") if session.is_group else _("Individual mentoring")
    summary = to_reader_script(f"{kind}: {session.programme.name}")
    online_url = session.online_url if with_link and not is_removal and not session.is_cancelled else ""
    description = to_reader_script(session.agenda or "")
    if session.is_cancelled and session.cancel_reason:
        description = to_reader_script(_("Cancelled: %(reason)s", reason=session.cancel_reason))
    elif session.reschedule_reason and not is_removal:
        moved = _("Why the time changed: %(reason)s", reason=session.reschedule_reason)
        description = to_reader_script(f"{session.agenda}\n\n{moved}" if session.agenda else moved)
    mentor = to_reader_script(session.mentor.display_name)
    if online_url:
        # Most calendar apps ignore CONFERENCE (RFC 7986): the description carries the link too.
        description = "\n\n".join(filter(None, [_("Join online: %(url)s", url=online_url), description]))
    organizer, sent_by = ical.Person(mentor, session.mentor.email), _platform_address()
    if session.is_group and len(attendees) == 1 and (answer_to := _reply_address(session, attendees[0].user)):
        # Calendar apps mail their Accept/Decline to the ORGANIZER: LearnHub's address for this person and
        # session (mentoring/replies.py), under the mentor's name.
        organizer, sent_by = ical.Person(mentor, answer_to), ""
    return ical.CalendarEvent(
        uid=session_uid(session), sequence=session.sequence, starts_at=session.starts_at, ends_at=session.ends_at,
        summary=summary, description=description, location=session.place or online_url,
        url=external_url("mentoring.session", session_id=session.id),
        conference_url=online_url, conference_label=_("Online meeting") if online_url else "",
        organizer=organizer, sent_by=sent_by,
        attendees=tuple(ical.Attendee(ical.Person(to_reader_script(p.user.display_name), p.user.email),
                                      partstat=p.partstat, rsvp=session.is_group) for p in attendees),
        cancelled=session.is_cancelled, time_zone=session.mentor.time_zone,
    )


def _reply_address(session: MentoringSession, user: User) -> str | None:
    from learnhub.mentoring.replies import reply_address  # replies answer through this module's respond

    return reply_address(session, user)


def _platform_address() -> str:
    return parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])[1]


SUBJECTS = {
    "REQUEST": lambda name: _l("Mentoring session: %(programme)s", programme=name),
    "UPDATE": lambda name: _l("Changed: mentoring session %(programme)s", programme=name),
    "CANCEL": lambda name: _l("Cancelled: mentoring session %(programme)s", programme=name),
}


def send_invitations(session: MentoringSession, participants: list[SessionParticipant], cancel: bool = False) -> None:
    """One mail per person (and the mentor), each invitation naming only the organiser and its recipient.

    The mentor organises the session, so their copy is no iTIP request to themselves (RFC 5546 wants
    attendees in those): it is PUBLISHed, cancelled sessions with STATUS:CANCELLED, and replaces the
    stored event by its UID and higher SEQUENCE."""
    method = "CANCEL" if cancel or session.is_cancelled else "REQUEST"
    subject_key = method if method == "CANCEL" or session.sequence == 0 else "UPDATE"
    recipients = [(p.user, [p], method) for p in participants]
    if not cancel:  # the mentor keeps their own calendar in step too
        recipients.append((session.mentor, [], "PUBLISH"))
    for person, attendees, calendar_method in recipients:
        with force_locale(person.preferred_language):
            event = calendar_event(session, attendees, is_removal=cancel)
        # Someone who declined hears of a change without a new request: it would put the session back
        # into their calendar as an invitation to answer again.
        has_declined = calendar_method == "REQUEST" and attendees[0].partstat == PartStat.DECLINED
        queue_email(person.email, person.preferred_language, "mentoring_invitation",
                    SUBJECTS[subject_key](session.programme.name),
                    calendar=None if has_declined else (event, calendar_method), time_zone=person.time_zone,
                    session=session_facts(session, person, with_link=not cancel), method=method,
                    name=person.display_name)


def session_facts(session: MentoringSession, reader: User, with_link: bool = True) -> dict:
    """What invitations and reminders tell `reader` about a session, as it is now: the mentee's note only
    to the mentor, the online link only while the reader takes part."""
    facts = {"id": session.id, "programme": session.programme.name, "mentor": session.mentor.display_name,
             "starts_at": session.starts_at, "ends_at": session.ends_at, "place": session.place,
             "online_url": session.online_url if with_link and not session.is_cancelled else "",
             "sequence": session.sequence,
             "is_cancelled": session.is_cancelled, "cancel_reason": session.cancel_reason,
             "reschedule_reason": session.reschedule_reason}
    if reader.id == session.mentor_id and session.note_for_mentor:
        facts["note_for_mentor"] = session.note_for_mentor
    return facts


def session_ics(session: MentoringSession, viewer: User) -> bytes:
    """'Add to calendar' download: the viewer's own copy, listing nobody else."""
    actions.check_can_download_invitation(session)
    mine = [p for p in session.active_participants if p.user_id == viewer.id]
    takes_part = bool(mine) or viewer.id == session.mentor_id
    calendar = ical.invitation(calendar_event(session, mine, with_link=takes_part), "PUBLISH", utcnow())
    return ical.to_bytes(calendar)



def send_reminders(now: datetime, leads_minutes: tuple[int, ...]) -> int:
    """Mail each participant (and the mentor) once per lead time before a session; returns how many.

    Only the nearest lead time that is due counts: a session less than an hour ahead gets the
    hour-before reminder alone, never the day-before one with it.
    """
    queued = 0
    horizon = now + timedelta(minutes=max(leads_minutes))
    sessions = db.session.scalars(select(MentoringSession).where(
        MentoringSession.status == SessionStatus.SCHEDULED, MentoringSession.starts_at > now,
        MentoringSession.starts_at <= horizon).order_by(MentoringSession.id))  # the same order in every worker
    for session in sessions:
        lead = nearest_due_lead(session.starts_at, now, leads_minutes)
        if lead is None:
            continue
        people = [p.user for p in session.active_participants if p.partstat != PartStat.DECLINED] + [session.mentor]
        subject = _l("Reminder: mentoring session %(programme)s", programme=session.programme.name)
        # Each person's own facts: the mentee's note is for the mentor alone.
        queued += sum(queue_reminder(ReminderSent(session_id=session.id, user_id=person.id, lead_minutes=lead),
                                     person, "mentoring_reminder", subject, session_facts(session, person))
                      for person in people)
    return queued
