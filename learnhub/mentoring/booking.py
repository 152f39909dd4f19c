"""Booking and changing sessions: 1:1 bookings without double-booking, group sessions, moves,
cancellations, answers, attendance and evaluations."""

import calendar as month_calendar
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from learnhub.audit import services as audit
from learnhub.audit.models import AuditAction
from learnhub.errors import Conflict, InvalidInput, NotFound
from learnhub.evaluations.services import EvaluationSummary, save_evaluation, summarise_evaluations
from learnhub.extensions import db
from learnhub.i18n import _
from learnhub.locking import locked
from learnhub.mentoring import actions
from learnhub.mentoring.access import PROGRAMME_OF_MENTEE, member_parameters, mentee_ids
from learnhub.mentoring.availability import is_free, lock_mentor, mentor_busy, mentor_profile
from learnhub.mentoring.invitations import send_invitations
from learnhub.mentoring.meeting import NoMeetingPlace, check_online_url, meeting_default, new_video_room
from learnhub.mentoring.models import (
    MentoringEvaluation,
    MentoringProgramme,
    MentoringSession,
    MentorProfile,
    PartStat,
    SessionKind,
    SessionParticipant,
    SessionStatus,
)
from learnhub.people.models import User
from learnhub.timeutil import utcnow


def month_bounds(moment: datetime) -> tuple[datetime, datetime]:
    """The (UTC) month the monthly limit counts `moment` in: its first moment and the next month's."""
    first = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    days = month_calendar.monthrange(moment.year, moment.month)[1]
    return first, first + timedelta(days=days)


def booked_per_month(mentor_id: int, mentee_id: int, since: datetime, until: datetime,
                     ignore_session_id: int | None = None) -> Counter[tuple[int, int]]:
    """How many individual sessions the mentee has with the mentor in each (year, month) of the period."""
    starts = db.session.scalars(
        select(MentoringSession.starts_at).join(SessionParticipant).where(
            MentoringSession.mentor_id == mentor_id, MentoringSession.kind == SessionKind.INDIVIDUAL,
            MentoringSession.status == SessionStatus.SCHEDULED, SessionParticipant.user_id == mentee_id,
            MentoringSession.starts_at >= since, MentoringSession.starts_at < until,
            MentoringSession.id != ignore_session_id))
    return Counter((starts_at.year, starts_at.month) for starts_at in starts)


def _check_monthly_limit(profile: MentorProfile, mentee_id: int, starts_at: datetime,
                         ignore_session_id: int | None = None) -> None:
    """A mentee has at most the mentor's number of individual sessions with them in a month."""
    booked = booked_per_month(profile.user_id, mentee_id, *month_bounds(starts_at), ignore_session_id)
    if booked[(starts_at.year, starts_at.month)] >= profile.max_sessions_per_mentee_per_month:
        raise Conflict(_("You have already booked the most individual sessions this mentor offers in that month."))


_OWN_BOOKING = select(MentoringSession).join(SessionParticipant).where(
    MentoringSession.mentor_id == bindparam("mentor_id"), MentoringSession.starts_at == bindparam("starts_at"),
    MentoringSession.kind == SessionKind.INDIVIDUAL, MentoringSession.status == SessionStatus.SCHEDULED,
    SessionParticipant.user_id == bindparam("mentee_id"), SessionParticipant.removed_at.is_(None))


NOTE_FOR_MENTOR_LENGTH = 1000


def mentee_programme(mentee: User, programme_id: int) -> MentoringProgramme:
    """A programme the user is a mentee of (and so may book in); any other is 404, whoever else they are in it."""
    programme = db.session.scalar(PROGRAMME_OF_MENTEE, {"programme_id": programme_id} | member_parameters(mentee))
    if programme is None:
        raise NotFound(_("We could not find that mentoring programme."))
    return programme


def book_slot(mentee: User, programme_id: int, mentor_id: int, starts_at: datetime | None,
              now: datetime | None = None, note: str = "") -> MentoringSession:
    """A mentee books one free 1:1 slot, with a note for the mentor if they like; the session meets where
    the mentor's sessions meet (a new video room, their link or their place). Taken, past, too-soon or
    unavailable slots are refused. `starts_at` is None when the form held no time at all: bad input, said
    only to someone who may book in the programme."""
    now = now or utcnow()
    programme = mentee_programme(mentee, programme_id)
    if starts_at is None:
        raise InvalidInput(_("Please choose one of the offered times."))
    note = note.strip()
    if len(note) > NOTE_FOR_MENTOR_LENGTH:
        raise InvalidInput(_("Please keep the note to %(num)d characters.", num=NOTE_FOR_MENTOR_LENGTH))
    profile = lock_mentor(mentor_id, programme)
    if not is_free(profile, starts_at, now):
        # A double tap: the first tap booked it, so the second shows that booking (and mails nothing again)
        # rather than telling the mentee, who has it, that it is taken.
        own = db.session.scalar(_OWN_BOOKING, {"mentor_id": mentor_id, "starts_at": starts_at,
                                               "mentee_id": mentee.id})
        if own is not None:
            return own
        raise Conflict(_("This time is no longer free. Please choose another slot."))
    meeting = meeting_default(profile)
    if meeting is None:
        raise NoMeetingPlace()
    _check_monthly_limit(profile, mentee.id, starts_at)
    place, online_url = meeting.for_new_session()
    session = MentoringSession(
        programme_id=programme.id, mentor_id=mentor_id, kind=SessionKind.INDIVIDUAL, starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=profile.slot_minutes), place=place, online_url=online_url,
        note_for_mentor=note, participants=[SessionParticipant(user_id=mentee.id, partstat=PartStat.ACCEPTED)],
    )
    db.session.add(session)
    try:
        # No savepoint: a refusal undoes the whole request (the error handler rolls back), and the
        # booking is all it wrote.
        db.session.flush()
    except IntegrityError as error:  # the database's own guard against a second booking of one start
        raise Conflict(_("This time is no longer free. Please choose another slot.")) from error
    send_invitations(session, session.active_participants)
    return session


@dataclass(frozen=True)
class GroupSessionInput:
    starts_at: datetime
    duration_minutes: int
    place: str
    online_url: str
    agenda: str
    capacity: int
    new_video_room: bool = False  # online in a video room made for the session (then no online_url)


# Further ahead than this is surely a typing mistake (and calendars break at year 9999).
MAX_PLANNING_AHEAD = timedelta(days=2 * 366)


def _check_start(starts_at: datetime, now: datetime) -> None:
    if starts_at <= now:
        raise InvalidInput(_("A session must start in the future."))
    if starts_at > now + MAX_PLANNING_AHEAD:
        raise InvalidInput(_("A session can be planned at most two years ahead."))


def _check_group_input(details: GroupSessionInput, now: datetime) -> None:
    _check_start(details.starts_at, now)
    if not 15 <= details.duration_minutes <= 480:
        raise InvalidInput(_("A session lasts between 15 minutes and 8 hours."))
    if not 1 <= details.capacity <= 500:
        raise InvalidInput(_("Capacity must be between 1 and 500 places."))
    check_online_url(details.online_url)
    if details.new_video_room and details.online_url:
        raise InvalidInput(_("Please give either your own online link or a new video room, not both."))
    if not details.place.strip() and not details.online_url and not details.new_video_room:
        raise InvalidInput(_("Please give a place or an online link."))


def _ensure_mentor_free(mentor_id: int, starts_at: datetime, ends_at: datetime, ignore_session_id: int | None) -> None:
    if mentor_busy(mentor_id, starts_at, ends_at, ignore_session_id):
        raise Conflict(_("The mentor already has a session at that time."))


def schedule_group_session(mentor: User, programme: MentoringProgramme, details: GroupSessionInput,
                           now: datetime | None = None) -> MentoringSession:
    """A mentor schedules a group meeting and every mentee of the programme is invited."""
    now = now or utcnow()
    if not programme.has_mentor(mentor):
        raise NotFound(_("We could not find that mentoring programme."))
    _check_group_input(details, now)
    ends_at = details.starts_at + timedelta(minutes=details.duration_minutes)
    mentor_profile(mentor)
    lock_mentor(mentor.id)
    _ensure_mentor_free(mentor.id, details.starts_at, ends_at, None)
    session = MentoringSession(
        programme_id=programme.id, mentor_id=mentor.id, kind=SessionKind.GROUP, starts_at=details.starts_at,
        ends_at=ends_at, place=details.place.strip()[:300],
        online_url=new_video_room() if details.new_video_room else details.online_url.strip()[:500],
        agenda=details.agenda.strip()[:5000], capacity=details.capacity,
        participants=[SessionParticipant(user_id=i) for i in sorted(mentee_ids(programme) - {mentor.id})],
    )
    db.session.add(session)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        raise Conflict(_("The mentor already has a session at that time.")) from error
    send_invitations(session, session.active_participants)
    return session


def reschedule(actor: User, session: MentoringSession, starts_at: datetime | None, reason: str,
               now: datetime | None = None) -> None:
    """Move a session; every participant gets an updated invitation with a higher SEQUENCE."""
    now = now or utcnow()
    session = locked(MentoringSession, session.id)
    actions.check_can_change(actor, session, now)
    if starts_at is None:
        raise InvalidInput(_("Please choose one of the offered times."))
    if starts_at == session.starts_at:
        raise InvalidInput(_("The session already starts at that time. Please choose another time."))
    profile = lock_mentor(session.mentor_id)
    duration = session.ends_at - session.starts_at
    if session.kind == SessionKind.INDIVIDUAL:
        # The start must be a free slot, and the session keeps its length: booked in longer slots than
        # the mentor offers now, it must still be clear, with the buffer, of the mentor's other sessions
        # and calendars, which a free slot of today's length only promises for that length.
        buffer = timedelta(minutes=profile.buffer_minutes)
        if not is_free(profile, starts_at, now, ignore_session_id=session.id) or mentor_busy(
                session.mentor_id, starts_at - buffer, starts_at + duration + buffer, session.id,
                with_calendars=True):
            raise Conflict(_("This time is no longer free. Please choose another slot."))
        # The mentee moving their booking keeps to the monthly limit; the mentor (or an institute admin)
        # may give more of the mentor's time.
        if any(p.user_id == actor.id for p in session.active_participants):
            _check_monthly_limit(profile, actor.id, starts_at, ignore_session_id=session.id)
    else:
        _check_start(starts_at, now)
        _ensure_mentor_free(session.mentor_id, starts_at, starts_at + duration, session.id)
    session.starts_at, session.ends_at = starts_at, starts_at + duration
    session.sequence += 1
    session.reschedule_reason = reason.strip()[:1000]
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        raise Conflict(_("This time is no longer free. Please choose another slot.")) from error
    send_invitations(session, session.active_participants)


def cancel_session(actor: User, session: MentoringSession, reason: str, now: datetime | None = None) -> None:
    now = now or utcnow()
    session = locked(MentoringSession, session.id)
    actions.check_can_change(actor, session, now)
    session.status = SessionStatus.CANCELLED
    session.sequence += 1
    session.cancel_reason = reason.strip()[:1000]
    db.session.flush()
    send_invitations(session, session.active_participants)


def remove_participant(actor: User, session: MentoringSession, user_id: int, now: datetime | None = None) -> None:
    """The removed person gets a CANCEL; the others an updated invitation."""
    session = locked(MentoringSession, session.id)
    actions.check_can_remove_participant(actor, session, now or utcnow())
    participant = next((p for p in session.active_participants if p.user_id == user_id), None)
    if participant is None:
        raise NotFound(_("We could not find that participant."))
    participant.removed_at = utcnow()
    session.sequence += 1
    db.session.flush()
    send_invitations(session, [participant], cancel=True)
    send_invitations(session, session.active_participants)


def respond(user: User, session: MentoringSession, partstat: str, now: datetime | None = None) -> None:
    """A mentee's RSVP to a group session; accepting respects the capacity. The session is read under its
    row lock (access.locked_with_answers), so two answers for the last place are taken one after the other."""
    if partstat not in (PartStat.ACCEPTED, PartStat.DECLINED, PartStat.TENTATIVE):
        raise InvalidInput(_("Please choose one of the answers."))
    actions.check_can_respond(user, session, now or utcnow())
    participant = next(p for p in session.active_participants if p.user_id == user.id)
    if partstat == PartStat.ACCEPTED and participant.partstat != PartStat.ACCEPTED and session.capacity:
        accepted = sum(1 for p in session.active_participants if p.partstat == PartStat.ACCEPTED)
        if accepted >= session.capacity:
            raise Conflict(_("All places in this session are taken."))
    participant.partstat = PartStat(partstat)
    db.session.flush()


def record_attendance(actor: User, session: MentoringSession, present_user_ids: set[int],
                      now: datetime | None = None) -> None:
    actions.check_can_record_attendance(actor, session, now or utcnow())
    for participant in session.active_participants:
        before = participant.attended
        participant.attended = participant.user_id in present_user_ids
        if before != participant.attended:
            audit.record(AuditAction.MENTORING_ATTENDANCE_CHANGED, actor, subject_user_id=participant.user_id,
                         record_type="mentoring_session", record_id=session.id,
                         before={"attended": before}, after={"attended": participant.attended})
    db.session.flush()



def evaluate_session(user: User, session: MentoringSession, ratings: dict[str, int], comment: str,
                     now: datetime | None = None) -> MentoringEvaluation:
    """Participants rate a session once it has ended."""
    now = now or utcnow()
    if not any(p.user_id == user.id for p in session.active_participants):
        raise NotFound(_("We could not find that mentoring session."))
    if session.is_cancelled or session.ends_at > now:
        raise Conflict(_("The evaluation opens when the session has ended."))
    return save_evaluation(MentoringEvaluation(session_id=session.id, user_id=user.id), ratings, comment)


def session_evaluation_summary(session: MentoringSession) -> EvaluationSummary:
    return summarise_evaluations(MentoringEvaluation, "session_id", session.id)
