"""Mentoring rules: programmes, availability, booking without double-booking, group sessions,
invitations by e-mail with iCalendar, calendar feeds, reminders, notes and implementation plans.

A mentor's bookings and group sessions are serialised by locking their MentorProfile row; a
partial unique index on (mentor, start) backs this up inside the database.
"""

import base64
import calendar as month_calendar
import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.utils import parseaddr

from flask import current_app
from flask_babel import force_locale
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import (
    BindParameter,
    ColumnElement,
    CompoundSelect,
    Select,
    bindparam,
    exists,
    func,
    or_,
    select,
    union_all,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, lazyload

from learnhub import ical
from learnhub.audit import services as audit
from learnhub.audit.models import AuditAction
from learnhub.caching import Topic
from learnhub.courses.models import Cohort, CohortSession, Enrolment
from learnhub.curriculum.models import LearningSet, LearningSetVersion
from learnhub.errors import Conflict, InvalidInput, NotFound
from learnhub.evaluations.services import EvaluationSummary, save_evaluation, summarise_evaluations
from learnhub.extensions import db
from learnhub.i18n import _, _l, to_reader_script
from learnhub.locking import added_once, locked
from learnhub.mail.services import external_url, queue_email, site_host
from learnhub.mentoring import actions
from learnhub.mentoring.busy import BUSY_ELSEWHERE
from learnhub.mentoring.models import (
    AvailabilityWindow,
    CalendarFeed,
    ImplementationPlan,
    MentorDayOff,
    MentoringEvaluation,
    MentoringProgramme,
    MentoringSession,
    MentorProfile,
    PartStat,
    PlanAction,
    PlanRevision,
    PlanStatus,
    ProgrammeMentee,
    ProgrammeMentor,
    ProgrammeOrganisation,
    ReminderSent,
    SessionKind,
    SessionNote,
    SessionParticipant,
    SessionStatus,
)
from learnhub.mentoring.slots import BookingRules, DayOff, Slot, WeeklyWindow, check_windows, free_slots, is_bookable
from learnhub.navigation import optional_whole_number
from learnhub.people.models import Membership, Organisation, Role, User
from learnhub.timeutil import nearest_due_lead, utcnow

# --- who takes part -------------------------------------------------------------------------------


def mentee_ids(programme: MentoringProgramme) -> set[int]:
    """Individual mentees plus every member of the programme's organisations."""
    organisation_ids = [o.organisation_id for o in programme.organisations]
    members = set(db.session.scalars(select(Membership.user_id).where(
        Membership.organisation_id.in_(organisation_ids)))) if organisation_ids else set()
    return members | {m.user_id for m in programme.mentees}


def _is_mentee_of_programme(user_id: int | BindParameter, organisation_ids):
    """A condition on MentoringProgramme: the user (an id, or a parameter for one) is one of its mentees
    or works for one of its organisations (`organisation_ids`: the user's, as a list, subquery or parameter)."""
    return or_(
        exists().where(ProgrammeMentee.programme_id == MentoringProgramme.id, ProgrammeMentee.user_id == user_id),
        exists().where(ProgrammeOrganisation.programme_id == MentoringProgramme.id,
                       ProgrammeOrganisation.organisation_id.in_(organisation_ids)))


def _takes_part_in_programme(user_id: int | BindParameter, organisation_ids):
    return or_(exists().where(ProgrammeMentor.programme_id == MentoringProgramme.id, ProgrammeMentor.user_id == user_id),
               _is_mentee_of_programme(user_id, organisation_ids))


def _member_organisation_ids(user: User) -> list[int]:
    # The signed-in user comes with their memberships (auth.services): no query. Elsewhere,
    # Elsewhere a subquery of Membership puts them in the query instead.
    return [m.organisation_id for m in user.memberships]


# Programmes the user takes part in, for statements built once: the parameters come from _member(user).
_TAKES_PART = _takes_part_in_programme(bindparam("user_id"), bindparam("organisation_ids", expanding=True))


def _member(user: User) -> dict:
    return {"user_id": user.id, "organisation_ids": _member_organisation_ids(user)}


# The list shows names and dates only: none of the programmes' mentors, organisations or mentees.
_ALL_PROGRAMMES = select(MentoringProgramme).order_by(MentoringProgramme.starts_on.desc()).options(lazyload("*"))
_MEMBER_PROGRAMMES = _ALL_PROGRAMMES.where(_TAKES_PART)


def programmes_for(user: User) -> list[MentoringProgramme]:
    """Programmes the user mentors or takes part in (all of them for institute admins)."""
    if user.has_role(Role.INSTITUTE_ADMIN):
        return list(db.session.scalars(_ALL_PROGRAMMES))
    return list(db.session.scalars(_MEMBER_PROGRAMMES, _member(user)))


# One mentor of a programme, asked for directly: not all the programme's mentors to pick one from. The
# mentor's profile, weekly windows and days off come in the same query, for the free slots.
_PROGRAMME_MENTOR = (select(User, MentorProfile).join(ProgrammeMentor, ProgrammeMentor.user_id == User.id)
                     .outerjoin(MentorProfile, MentorProfile.user_id == User.id)
                     .where(ProgrammeMentor.programme_id == bindparam("programme_id"),
                            User.id == bindparam("mentor_id"))
                     .options(lazyload(User.roles), lazyload(MentorProfile.user),
                              joinedload(MentorProfile.windows), joinedload(MentorProfile.days_off)))


def programme_mentor_slots(programme: MentoringProgramme, mentor_id: int, now: datetime) -> tuple[User, list[Slot]]:
    """A mentor of the programme and the times a mentee can book with them."""
    found = db.session.execute(_PROGRAMME_MENTOR, {"programme_id": programme.id, "mentor_id": mentor_id}
                               ).unique().first()
    if found is None:
        raise NotFound(_("This mentor does not offer individual sessions."))
    return found.User, _free_slots_of(found.MentorProfile, now)


def programme_sessions(viewer: User, programme: MentoringProgramme, page: int, per_page: int) -> Pagination:
    """The programme's sessions the viewer may open, latest first, a page at a time (a programme gathers
    thousands): every one for institute admins; for anyone else those they run or were invited to, as
    other people's sessions would only lead to "not found"."""
    in_programme = MentoringSession.programme_id == programme.id
    statement = select(MentoringSession).where(in_programme)
    if not viewer.has_role(Role.INSTITUTE_ADMIN):
        statement = statement.where(MentoringSession.id.in_(_own_session_ids(viewer.id, in_programme)))
    statement = statement.order_by(MentoringSession.starts_at.desc(), MentoringSession.id.desc()).options(*_SHOWN)
    return db.paginate(statement, page=page, per_page=per_page, error_out=False)


def editable_plans(user: User, programme: MentoringProgramme) -> list[ProgrammeOrganisation]:
    """The organisations whose plan this user may open: all for mentors and admins, own for org admins."""
    if programme.has_mentor(user) or user.has_role(Role.INSTITUTE_ADMIN):
        return list(programme.organisations)
    administered = {m.organisation_id for m in user.memberships if m.is_org_admin}
    return [o for o in programme.organisations if o.organisation_id in administered]


# Every mentoring page starts with this query: built once, with the programme, the user and their
# organisations as parameters. Mentors and organisations are shown and checked by name and id: not their
# roles or services; mentors, organisations and mentees load only on pages that show them.
_PROGRAMME = select(MentoringProgramme).where(MentoringProgramme.id == bindparam("programme_id")).options(
    lazyload(MentoringProgramme.mentors).joinedload(ProgrammeMentor.user).lazyload(User.roles),
    lazyload(MentoringProgramme.organisations).joinedload(ProgrammeOrganisation.organisation)
    .lazyload(Organisation.services),
    lazyload(MentoringProgramme.mentees))
_PROGRAMME_OF_MEMBER = _PROGRAMME.where(_TAKES_PART)
_PROGRAMME_OF_MENTEE = _PROGRAMME.where(
    _is_mentee_of_programme(bindparam("user_id"), bindparam("organisation_ids", expanding=True)))


def programme_for(user: User, programme_id: int) -> MentoringProgramme:
    """A programme the user belongs to; a foreign programme is 404. Found and checked in one query."""
    if user.has_role(Role.INSTITUTE_ADMIN):
        programme = db.session.scalar(_PROGRAMME, {"programme_id": programme_id})
    else:
        programme = db.session.scalar(_PROGRAMME_OF_MEMBER, {"programme_id": programme_id} | _member(user))
    if programme is None:
        raise NotFound(_("We could not find that mentoring programme."))
    return programme


def programme_for_mentor(user: User, programme_id: int) -> MentoringProgramme:
    programme = programme_for(user, programme_id)
    if not programme.has_mentor(user):
        raise NotFound(_("We could not find that mentoring programme."))
    return programme


def session_for(user: User, session_id: int) -> MentoringSession:
    """A session the user runs or was invited to (and not removed from); others get 404."""
    session = db.session.get(MentoringSession, session_id)
    if session is not None and (
        session.mentor_id == user.id
        or user.has_role(Role.INSTITUTE_ADMIN)
        or any(p.user_id == user.id for p in session.active_participants)
    ):
        return session
    raise NotFound(_("We could not find that mentoring session."))


def create_programme(name: str, service_type: str | None, starts_on: date, ends_on: date, mentor_ids: list[int],
                     organisation_ids: list[int], mentee_emails: list[str],
                     learning_set_id: int | None = None) -> MentoringProgramme:
    if not name.strip() or len(name) > 200:
        raise InvalidInput(_("Please give the programme a name (up to 200 characters)."))
    if ends_on < starts_on:
        raise InvalidInput(_("The programme cannot end before it starts."))
    mentors = list(db.session.scalars(select(User).where(User.id.in_(mentor_ids))))
    if not mentors or any(not m.has_role(Role.MENTOR) for m in mentors):
        raise InvalidInput(_("Please choose at least one mentor."))
    # Ids that name nothing come from a stale form or a hand-made request: refused, not half-saved.
    found_organisations = db.session.scalar(select(func.count()).select_from(Organisation).where(
        Organisation.id.in_(set(organisation_ids))))
    if len(mentors) < len(set(mentor_ids)) or found_organisations < len(set(organisation_ids)) or (
            learning_set_id is not None and db.session.get(LearningSet, learning_set_id) is None):
        raise InvalidInput(_("Please choose from the lists."))
    emails = {e.strip().lower() for e in mentee_emails if e.strip()}
    mentee_user_ids = list(db.session.scalars(select(User.id).where(User.email.in_(emails))))
    if len(mentee_user_ids) != len(emails):
        raise InvalidInput(_("Some of the e-mail addresses do not belong to a LearnHub account."))
    programme = MentoringProgramme(
        name=name.strip(), service_type=service_type or None, starts_on=starts_on, ends_on=ends_on,
        learning_set_id=learning_set_id,
        mentors=[ProgrammeMentor(user_id=m.id) for m in mentors],
        organisations=[ProgrammeOrganisation(organisation_id=i) for i in sorted(set(organisation_ids))],
        mentees=[ProgrammeMentee(user_id=i) for i in sorted(set(mentee_user_ids))],
    )
    db.session.add(programme)
    db.session.flush()
    return programme


# --- availability -----------------------------------------------------------------------------------

def mentor_profile(mentor: User) -> MentorProfile:
    profile = db.session.get(MentorProfile, mentor.id)
    if profile is None:
        profile = MentorProfile(user_id=mentor.id)
        db.session.add(profile)
        db.session.flush()
    return profile


def _lock_mentor(mentor_id: int, programme: MentoringProgramme | None = None) -> MentorProfile:
    """Serialise everything that books this mentor's time (a row lock on PostgreSQL); with `programme`,
    only a mentor of that programme is found."""
    statement = select(MentorProfile).where(MentorProfile.user_id == mentor_id)
    if programme is not None:
        statement = statement.where(exists().where(ProgrammeMentor.programme_id == programme.id,
                                                   ProgrammeMentor.user_id == mentor_id))
    # The windows and days off come in the same query (only the profile's row is locked); the mentor's
    # roles are never needed.
    statement = statement.options(joinedload(MentorProfile.windows), joinedload(MentorProfile.days_off),
                                  joinedload(MentorProfile.user).lazyload(User.roles))
    profile = db.session.scalars(statement.with_for_update(of=MentorProfile)
                                 .execution_options(populate_existing=True)).unique().one_or_none()
    if profile is None:
        raise NotFound(_("This mentor does not offer individual sessions."))
    return profile


@dataclass(frozen=True)
class WindowInput:
    weekday: int
    start: str  # "HH:MM"
    end: str


def set_availability(mentor: User, windows: list[WindowInput], days_off: list[tuple[date, date, str]],
                     rules: dict[str, int]) -> MentorProfile:
    try:
        parsed = [WeeklyWindow(w.weekday, datetime.strptime(w.start, "%H:%M").time(),
                               datetime.strptime(w.end, "%H:%M").time()) for w in windows]
    except ValueError as error:
        raise InvalidInput(_("Please enter times as hours and minutes, for example 09:30.")) from error
    if check_windows(parsed):
        raise InvalidInput(_("Availability windows must end after they start and must not overlap on the same day."))
    if any(first > last for first, last, _note in days_off):
        raise InvalidInput(_("A day off cannot end before it starts."))
    limits = {"slot_minutes": (15, 480), "buffer_minutes": (0, 240), "min_notice_hours": (0, 24 * 30),
              "max_days_ahead": (1, 365), "max_sessions_per_mentee_per_month": (1, 31)}
    if any(not low <= rules.get(key, -1) <= high for key, (low, high) in limits.items()):
        raise InvalidInput(_("Please check the booking rules: one of the numbers is outside the allowed range."))
    profile = _lock_mentor(mentor_profile(mentor).user_id)
    for key in limits:
        setattr(profile, key, rules[key])
    profile.windows = [AvailabilityWindow(weekday=w.weekday, start=w.start, end=w.end) for w in parsed]
    profile.days_off = [MentorDayOff(first_day=first, last_day=last, note=note[:200]) for first, last, note in days_off]
    db.session.flush()
    return profile


def _rules(profile: MentorProfile) -> BookingRules:
    return BookingRules(slot_minutes=profile.slot_minutes, buffer_minutes=profile.buffer_minutes,
                        min_notice=timedelta(hours=profile.min_notice_hours), max_days_ahead=profile.max_days_ahead)


# A mentor's scheduled time in a period (built once; a session being moved can be left out of it).
_BUSY = select(MentoringSession.starts_at, MentoringSession.ends_at).where(
    MentoringSession.mentor_id == bindparam("mentor_id"), MentoringSession.status == SessionStatus.SCHEDULED,
    MentoringSession.ends_at > bindparam("since"), MentoringSession.starts_at < bindparam("until"))
_BUSY_BUT_ONE = _BUSY.where(MentoringSession.id != bindparam("ignored"))


# The same with the busy times of the mentor's own calendars, for free slots (still one query).
_BUSY_OR_ELSEWHERE = union_all(_BUSY, BUSY_ELSEWHERE)
_BUSY_BUT_ONE_OR_ELSEWHERE = union_all(_BUSY_BUT_ONE, BUSY_ELSEWHERE)


def _busy(mentor_id: int, since: datetime, until: datetime, ignore_session_id: int | None = None,
          with_calendars: bool = False):
    period = {"mentor_id": mentor_id, "since": since, "until": until}
    if ignore_session_id is None:
        return [tuple(row) for row in db.session.execute(_BUSY_OR_ELSEWHERE if with_calendars else _BUSY, period)]
    statement = _BUSY_BUT_ONE_OR_ELSEWHERE if with_calendars else _BUSY_BUT_ONE
    return [tuple(row) for row in db.session.execute(statement, period | {"ignored": ignore_session_id})]


def _availability(profile: MentorProfile):
    windows = [WeeklyWindow(w.weekday, w.start, w.end) for w in profile.windows]
    days_off = [DayOff(d.first_day, d.last_day) for d in profile.days_off]
    return windows, days_off, profile.user.time_zone, _rules(profile)


def _free_slots_of(profile: MentorProfile | None, now: datetime) -> list[Slot]:
    if profile is None:  # a mentor who never set their availability
        return []
    windows, days_off, zone, rules = _availability(profile)
    busy = _busy(profile.user_id, now - timedelta(days=1), now + timedelta(days=profile.max_days_ahead + 2),
                 with_calendars=True)
    return free_slots(windows, days_off, busy, zone, rules, now)


def _is_free(profile: MentorProfile, starts_at: datetime, now: datetime, ignore_session_id: int | None = None) -> bool:
    """Whether `starts_at` is one of the mentor's free slots. Only that day's slots are laid out, and only
    sessions near that day can be in their way: a slot lasts at most 8 hours and its buffers 4 on either side."""
    if not now <= starts_at <= now + timedelta(days=profile.max_days_ahead + 2):
        return False  # never offered, however free; and days either side of year 1 or 9999 are no dates
    windows, days_off, zone, rules = _availability(profile)
    busy = _busy(profile.user_id, starts_at - timedelta(days=2), starts_at + timedelta(days=2), ignore_session_id,
                 with_calendars=True)
    return is_bookable(starts_at, windows, days_off, busy, zone, rules, now)


# --- booking and changing sessions -------------------------------------------------------------------

def _month_bounds(moment: datetime) -> tuple[datetime, datetime]:
    first = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    days = month_calendar.monthrange(moment.year, moment.month)[1]
    return first, first + timedelta(days=days)


def _check_monthly_limit(profile: MentorProfile, mentee_id: int, starts_at: datetime,
                         ignore_session_id: int | None = None) -> None:
    """A mentee has at most the mentor's number of individual sessions with them in a month."""
    month_start, month_end = _month_bounds(starts_at)
    booked_this_month = db.session.scalar(
        select(func.count()).select_from(MentoringSession).join(SessionParticipant).where(
            MentoringSession.mentor_id == profile.user_id, MentoringSession.kind == SessionKind.INDIVIDUAL,
            MentoringSession.status == SessionStatus.SCHEDULED, SessionParticipant.user_id == mentee_id,
            MentoringSession.starts_at >= month_start, MentoringSession.starts_at < month_end,
            MentoringSession.id != ignore_session_id))
    if booked_this_month >= profile.max_sessions_per_mentee_per_month:
        raise Conflict(_("You have already booked the most individual sessions this mentor offers in that month."))


_OWN_BOOKING = select(MentoringSession).join(SessionParticipant).where(
    MentoringSession.mentor_id == bindparam("mentor_id"), MentoringSession.starts_at == bindparam("starts_at"),
    MentoringSession.kind == SessionKind.INDIVIDUAL, MentoringSession.status == SessionStatus.SCHEDULED,
    SessionParticipant.user_id == bindparam("mentee_id"), SessionParticipant.removed_at.is_(None))


def book_slot(mentee: User, programme_id: int, mentor_id: int, starts_at: datetime | None,
              now: datetime | None = None) -> MentoringSession:
    """A mentee books one free 1:1 slot. Taken, past, too-soon or unavailable slots are refused; a
    programme the user is not a mentee of is 404, whoever else they are in it. `starts_at` is None when
    the form held no time at all: bad input, said only to someone who may book in the programme."""
    now = now or utcnow()
    programme = db.session.scalar(_PROGRAMME_OF_MENTEE, {"programme_id": programme_id} | _member(mentee))
    if programme is None:
        raise NotFound(_("We could not find that mentoring programme."))
    if starts_at is None:
        raise InvalidInput(_("Please choose one of the offered times."))
    profile = _lock_mentor(mentor_id, programme)
    if not _is_free(profile, starts_at, now):
        # A double tap: the first tap booked it, so the second shows that booking (and mails nothing again)
        # rather than telling the mentee, who has it, that it is taken.
        own = db.session.scalar(_OWN_BOOKING, {"mentor_id": mentor_id, "starts_at": starts_at,
                                               "mentee_id": mentee.id})
        if own is not None:
            return own
        raise Conflict(_("This time is no longer free. Please choose another slot."))
    _check_monthly_limit(profile, mentee.id, starts_at)
    session = MentoringSession(
        programme_id=programme.id, mentor_id=mentor_id, kind=SessionKind.INDIVIDUAL, starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=profile.slot_minutes),
        participants=[SessionParticipant(user_id=mentee.id, partstat=PartStat.ACCEPTED)],
    )
    db.session.add(session)
    try:
        # No savepoint: a refusal undoes the whole request (the error handler rolls back), and the
        # booking is all it wrote.
        db.session.flush()
    except IntegrityError as error:  # the database's own guard against a second booking of one start
        raise Conflict(_("This time is no longer free. Please choose another slot.")) from error
    _send_invitations(session, session.active_participants)
    return session


@dataclass(frozen=True)
class GroupSessionInput:
    starts_at: datetime
    duration_minutes: int
    place: str
    online_url: str
    agenda: str
    capacity: int


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
    if details.online_url and not details.online_url.startswith(("https://", "http://")):
        raise InvalidInput(_("The online link must start with https://"))
    if not details.place.strip() and not details.online_url:
        raise InvalidInput(_("Please give a place or an online link."))


def _ensure_mentor_free(mentor_id: int, starts_at: datetime, ends_at: datetime, ignore_session_id: int | None) -> None:
    if _busy(mentor_id, starts_at, ends_at, ignore_session_id):
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
    _lock_mentor(mentor.id)
    _ensure_mentor_free(mentor.id, details.starts_at, ends_at, None)
    session = MentoringSession(
        programme_id=programme.id, mentor_id=mentor.id, kind=SessionKind.GROUP, starts_at=details.starts_at,
        ends_at=ends_at, place=details.place.strip()[:300], online_url=details.online_url.strip()[:500],
        agenda=details.agenda.strip()[:5000], capacity=details.capacity,
        participants=[SessionParticipant(user_id=i) for i in sorted(mentee_ids(programme) - {mentor.id})],
    )
    db.session.add(session)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        raise Conflict(_("The mentor already has a session at that time.")) from error
    _send_invitations(session, session.active_participants)
    return session


def reschedule(actor: User, session: MentoringSession, starts_at: datetime, reason: str,
               now: datetime | None = None) -> None:
    """Move a session; every participant gets an updated invitation with a higher SEQUENCE."""
    now = now or utcnow()
    session = locked(MentoringSession, session.id)
    actions.check_can_change(actor, session, now)
    profile = _lock_mentor(session.mentor_id)
    duration = session.ends_at - session.starts_at
    if session.kind == SessionKind.INDIVIDUAL:
        # The start must be a free slot, and the session keeps its length: booked in longer slots than
        # the mentor offers now, it must still be clear, with the buffer, of the mentor's other sessions
        # and calendars, which a free slot of today's length only promises for that length.
        buffer = timedelta(minutes=profile.buffer_minutes)
        if not _is_free(profile, starts_at, now, ignore_session_id=session.id) or _busy(
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
    _send_invitations(session, session.active_participants)


def cancel_session(actor: User, session: MentoringSession, reason: str, now: datetime | None = None) -> None:
    now = now or utcnow()
    session = locked(MentoringSession, session.id)
    actions.check_can_change(actor, session, now)
    session.status = SessionStatus.CANCELLED
    session.sequence += 1
    session.cancel_reason = reason.strip()[:1000]
    db.session.flush()
    _send_invitations(session, session.active_participants)


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
    _send_invitations(session, [participant], cancel=True)
    _send_invitations(session, session.active_participants)


def respond(user: User, session: MentoringSession, partstat: str, now: datetime | None = None) -> None:
    """A mentee's RSVP to a group session; accepting respects the capacity."""
    if partstat not in (PartStat.ACCEPTED, PartStat.DECLINED, PartStat.TENTATIVE):
        raise InvalidInput(_("Please choose one of the answers."))
    session = locked(MentoringSession, session.id)
    actions.check_can_respond(user, session, now or utcnow())
    participant = next(p for p in session.active_participants if p.user_id == user.id)
    if partstat == PartStat.ACCEPTED and participant.partstat != PartStat.ACCEPTED and session.capacity:
        accepted = sum(1 for p in session.active_participants if p.partstat == PartStat.ACCEPTED)
        if accepted >= session.capacity:
            raise Conflict(_("All places in this session are taken."))
    participant.partstat = partstat
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


# --- invitations and calendars ------------------------------------------------------------------------

def session_uid(session: MentoringSession) -> str:
    return f"session-{session.id}@{site_host()}"


def calendar_event(session: MentoringSession, attendees: list[SessionParticipant],
                   is_removal: bool = False) -> ical.CalendarEvent:
    """The session as an iCalendar event, worded in the current (recipient's) language; for someone
    removed from it, without why it was moved."""
    kind = _("Group mentoring") if session.is_group else _("Individual mentoring")
    summary = to_reader_script(f"{kind}: {session.programme.name}")
    description = to_reader_script(session.agenda or "")
    if session.is_cancelled and session.cancel_reason:
        description = to_reader_script(_("Cancelled: %(reason)s", reason=session.cancel_reason))
    elif session.reschedule_reason and not is_removal:
        moved = _("Why the time changed: %(reason)s", reason=session.reschedule_reason)
        description = to_reader_script(f"{session.agenda}\n\n{moved}" if session.agenda else moved)
    organizer, sent_by = ical.Person(session.mentor.display_name, session.mentor.email), _platform_address()
    if session.is_group and len(attendees) == 1 and (answer_to := _reply_address(session, attendees[0].user)):
        # Calendar apps mail their Accept/Decline to the ORGANIZER: LearnHub's address for this person and
        # session (mentoring/replies.py), under the mentor's name.
        organizer, sent_by = ical.Person(session.mentor.display_name, answer_to), ""
    return ical.CalendarEvent(
        uid=session_uid(session), sequence=session.sequence, starts_at=session.starts_at, ends_at=session.ends_at,
        summary=summary, description=description, location=session.place or session.online_url,
        url=external_url("mentoring.session", session_id=session.id),
        organizer=organizer, sent_by=sent_by,
        attendees=tuple(ical.Attendee(ical.Person(p.user.display_name, p.user.email),
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


def _send_invitations(session: MentoringSession, participants: list[SessionParticipant], cancel: bool = False) -> None:
    """One mail per person (and the mentor), each invitation naming only the organiser and its recipient.

    The mentor organises the session, so their copy is no iTIP request to themselves (RFC 5546 wants
    attendees in those): it is PUBLISHed, cancelled sessions with STATUS:CANCELLED, and replaces the
    stored event by its UID and higher SEQUENCE."""
    method = "CANCEL" if cancel or session.is_cancelled else "REQUEST"
    subject_key = method if method == "CANCEL" or session.sequence == 0 else "UPDATE"
    recipients = [(p.user, [p], method) for p in participants]
    if not cancel:  # the mentor keeps their own calendar in step too
        recipients.append((session.mentor, [], "PUBLISH"))
    facts = _session_facts(session)
    for person, attendees, calendar_method in recipients:
        with force_locale(person.preferred_language):
            event = calendar_event(session, attendees, is_removal=cancel)
        # Someone who declined hears of a change without a new request: it would put the session back
        # into their calendar as an invitation to answer again.
        has_declined = calendar_method == "REQUEST" and attendees[0].partstat == PartStat.DECLINED
        queue_email(person.email, person.preferred_language, "mentoring_invitation",
                    SUBJECTS[subject_key](session.programme.name),
                    calendar=None if has_declined else (event, calendar_method),
                    time_zone=person.time_zone, session=facts, method=method, name=person.display_name)


def _session_facts(session: MentoringSession) -> dict:
    """What invitations and reminders say about a session, as it is now."""
    return {"id": session.id, "programme": session.programme.name, "mentor": session.mentor.display_name,
            "starts_at": session.starts_at, "ends_at": session.ends_at, "place": session.place,
            "online_url": session.online_url, "sequence": session.sequence, "is_cancelled": session.is_cancelled,
            "cancel_reason": session.cancel_reason, "reschedule_reason": session.reschedule_reason}


def session_ics(session: MentoringSession, viewer: User) -> bytes:
    """'Add to calendar' download: the viewer's own copy, listing nobody else."""
    actions.check_can_download_invitation(session)
    mine = [p for p in session.active_participants if p.user_id == viewer.id]
    calendar = ical.invitation(calendar_event(session, mine), "PUBLISH", utcnow())
    return ical.to_bytes(calendar)


def _feed_signature(user_id: int, version: int) -> str:
    digest = hmac.new(current_app.config["SECRET_KEY"].encode(), f"calendar-feed:{user_id}:{version}".encode(),
                      hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")  # 256 bits


def _feed_version(user_id: int) -> int:
    feed = db.session.get(CalendarFeed, user_id)
    return feed.version if feed else 1  # no row until the first rotation: reading never writes


def feed_token(user: User) -> str:
    """The user's current private feed token."""
    return f"{user.id}-{_feed_signature(user.id, _feed_version(user.id))}"


def rotate_feed_token(user: User) -> str:
    """A new private feed address; the old one stops working at once."""
    feed = db.session.get(CalendarFeed, user.id)
    if feed is None:
        feed = CalendarFeed(user_id=user.id, version=1)
        db.session.add(feed)
    feed.version += 1
    feed.rotated_at = utcnow()
    db.session.flush()
    return feed_token(user)


def feed_owner(token: str) -> User:
    number, _sep, signature = token.partition("-")
    user_id = optional_whole_number(number)
    # A feed is read without anyone signed in: the owner's roles play no part.
    user = db.session.get(User, user_id, options=[lazyload(User.roles)]) if user_id is not None else None
    if user is None or not hmac.compare_digest(signature, _feed_signature(user.id, _feed_version(user.id))):
        raise NotFound(_("This calendar address is not valid (any more)."))
    return user


# Everything a calendar feed shows: feeds are kept until a row in one of these tables changes.
CALENDAR_FEEDS = Topic("calendar-feeds", MentoringSession, SessionParticipant, MentoringProgramme, User, CalendarFeed,
                       CohortSession, Enrolment, Cohort, LearningSetVersion, PlanAction, ImplementationPlan, Membership)


def _own_session_ids(user_id: int | BindParameter, *conditions: ColumnElement[bool]) -> CompoundSelect:
    """Sessions the user (an id, or a parameter for one) runs or takes part in that meet `conditions`: two
    indexed lookups (an OR across a join scans them all). The conditions apply inside each lookup, so
    a mentor's week reads that week's sessions, not every session they have ever run."""
    return select(MentoringSession.id).where(MentoringSession.mentor_id == user_id, *conditions).union(
        select(SessionParticipant.session_id).join(MentoringSession)
        .where(SessionParticipant.user_id == user_id, SessionParticipant.removed_at.is_(None), *conditions))


# --- reminders ------------------------------------------------------------------------------------------

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
        facts = _session_facts(session)
        for person in people:
            if not added_once(ReminderSent(session_id=session.id, user_id=person.id, lead_minutes=lead)):
                continue  # already reminded, by this worker or another
            queue_email(person.email, person.preferred_language, "mentoring_reminder",
                        _l("Reminder: mentoring session %(programme)s", programme=session.programme.name),
                        time_zone=person.time_zone, session=facts, name=person.display_name)
            queued += 1
    return queued


# --- evaluations -------------------------------------------------------------------------------------

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


# --- notes and implementation plans ---------------------------------------------------------------------

def add_note(mentor: User, session: MentoringSession, body: str, is_shared: bool) -> SessionNote:
    if mentor.id != session.mentor_id:
        raise NotFound(_("We could not find that mentoring session."))
    if not body.strip():
        raise InvalidInput(_("The note is empty."))
    note = SessionNote(session_id=session.id, author_id=mentor.id, body=body.strip()[:20_000], is_shared=is_shared)
    db.session.add(note)
    db.session.flush()
    return note


def notes_for(viewer: User, session: MentoringSession) -> list[SessionNote]:
    statement = select(SessionNote).where(SessionNote.session_id == session.id).order_by(SessionNote.created_at)
    if viewer.id != session.mentor_id:
        statement = statement.where(SessionNote.is_shared.is_(True))  # private notes stay with the mentor
    return list(db.session.scalars(statement))


def plan_for(user: User, programme: MentoringProgramme, organisation_id: int) -> ImplementationPlan:
    """The organisation's plan, or a new unsaved one. Mentors and the organisation's admins may edit it."""
    if not (programme.has_mentor(user) or user.has_role(Role.INSTITUTE_ADMIN) or any(
            m.organisation_id == organisation_id and m.is_org_admin for m in user.memberships)):
        raise NotFound(_("We could not find that implementation plan."))
    if organisation_id not in {o.organisation_id for o in programme.organisations}:
        raise NotFound(_("We could not find that implementation plan."))
    plan = db.session.scalar(select(ImplementationPlan).where(
        ImplementationPlan.programme_id == programme.id, ImplementationPlan.organisation_id == organisation_id))
    if plan is None:  # not added to the session: only saving it writes a row
        plan = ImplementationPlan(programme_id=programme.id, organisation_id=organisation_id, goals="", challenges="",
                                  involvement_strategies="", status=PlanStatus.DRAFT, is_good_practice=False)
        plan.organisation = db.session.get(Organisation, organisation_id)
    return plan


@dataclass(frozen=True)
class ActionInput:
    description: str
    owner: str
    due_on: date
    is_done: bool = False


def plan_version(plan: ImplementationPlan) -> str:
    """Names the saved version of a plan."""
    return plan.updated_at.isoformat() if plan.id is not None else "new"


def update_plan(actor: User, plan: ImplementationPlan, goals: str, challenges: str, strategies: str, status: str,
                actions: list[ActionInput], is_good_practice: bool, based_on: str | None = None) -> None:
    """Save the plan as edited from its version `based_on`: if someone saved another version meanwhile,
    the save is refused rather than overwriting theirs. Without `based_on` the plan is saved as it is."""
    if status not in PlanStatus._value2member_map_:
        raise InvalidInput(_("Please choose a status from the list."))
    if any(not a.description.strip() or not a.owner.strip() for a in actions):
        raise InvalidInput(_("Every action needs a description and an owner."))
    if plan.id is not None:
        plan = locked(ImplementationPlan, plan.id)
    if based_on is not None and plan_version(plan) != based_on:
        raise Conflict(_("Someone else saved this plan while you were editing it. Your changes are not saved yet "
                         "and are still in the form: open the plan in a new tab to see the other changes, then "
                         "save again to keep yours."))
    before = _snapshot(plan) if plan.id is not None else None
    plan.goals, plan.challenges = goals.strip()[:10_000], challenges.strip()[:10_000]
    plan.involvement_strategies, plan.status = strategies.strip()[:10_000], status
    plan.is_good_practice = is_good_practice
    plan.actions = [PlanAction(description=a.description.strip()[:500], owner=a.owner.strip()[:120],
                               due_on=a.due_on, is_done=a.is_done) for a in actions]
    plan.updated_at, plan.updated_by_id = utcnow(), actor.id
    db.session.add(plan)
    db.session.flush()
    after = _snapshot(plan)
    db.session.add(PlanRevision(plan_id=plan.id, changed_by_id=actor.id, snapshot=after))
    audit.record(AuditAction.PLAN_CHANGED, actor, record_type="implementation_plan", record_id=plan.id,
                 before=before, after=after)
    db.session.flush()


def _snapshot(plan: ImplementationPlan) -> dict:
    return {
        "goals": plan.goals, "challenges": plan.challenges, "involvement_strategies": plan.involvement_strategies,
        "status": plan.status, "is_good_practice": plan.is_good_practice,
        "actions": [{"description": a.description, "owner": a.owner, "due_on": a.due_on.isoformat(),
                     "is_done": a.is_done} for a in plan.actions],
    }


def plan_history(plan: ImplementationPlan) -> list[PlanRevision]:
    if plan.id is None:
        return []
    return list(db.session.scalars(select(PlanRevision).where(PlanRevision.plan_id == plan.id)
                                   .order_by(PlanRevision.changed_at.desc(), PlanRevision.id.desc())))


def good_practice(programme: MentoringProgramme) -> list[ImplementationPlan]:
    return list(db.session.scalars(select(ImplementationPlan).where(
        ImplementationPlan.programme_id == programme.id, ImplementationPlan.is_good_practice.is_(True))))


# --- dashboards -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MentoringOverview:
    next_session: MentoringSession | None
    upcoming: list[MentoringSession]
    awaiting_answer: list[MentoringSession]
    plans_needing_attention: list[ImplementationPlan]
    actions_due: list[PlanAction]


# The overview's session lists, built once with the user and times as parameters: building them took
# about as long as running them. Shown: times, kinds and programme names; not the mentor, who else
# takes part, nor the programmes' members.
_SHOWN = (joinedload(MentoringSession.programme).lazyload("*"), lazyload(MentoringSession.mentor),
          lazyload(MentoringSession.participants))
_VIEWER = bindparam("user_id")


def _coming(*conditions: ColumnElement[bool], limit: int) -> Select:
    """The viewer's scheduled sessions from `now` on that meet `conditions`, soonest first."""
    return (select(MentoringSession)
            .where(MentoringSession.id.in_(_own_session_ids(
                _VIEWER, MentoringSession.status == SessionStatus.SCHEDULED,
                MentoringSession.starts_at >= bindparam("now"), *conditions)))
            .order_by(MentoringSession.starts_at).limit(limit).options(*_SHOWN))


_THIS_WEEK = _coming(MentoringSession.starts_at < bindparam("week_end"), limit=50)
_NEXT = _coming(limit=1)
_AWAITING_ANSWER = (
    select(MentoringSession).join(SessionParticipant)
    .where(SessionParticipant.user_id == _VIEWER, SessionParticipant.partstat == PartStat.NEEDS_ACTION,
           SessionParticipant.removed_at.is_(None), MentoringSession.kind == SessionKind.GROUP,
           MentoringSession.status == SessionStatus.SCHEDULED, MentoringSession.starts_at >= bindparam("now"))
    .order_by(MentoringSession.starts_at).limit(50).options(*_SHOWN))

# Plans of the programmes the user mentors that need them; the list names each plan's organisation: not
# the programme, its members or the plan's actions.
_PLANS_TO_WATCH = (select(ImplementationPlan).where(
    ImplementationPlan.programme_id.in_(select(ProgrammeMentor.programme_id).where(ProgrammeMentor.user_id == _VIEWER)),
    ImplementationPlan.status.in_([PlanStatus.NEEDS_ATTENTION, PlanStatus.DRAFT]))
    .options(lazyload("*"), joinedload(ImplementationPlan.organisation).lazyload("*")))
_ACTIONS_DUE = (select(PlanAction).join(ImplementationPlan).where(
    ImplementationPlan.organisation_id.in_(bindparam("organisation_ids", expanding=True)),
    PlanAction.is_done.is_(False), PlanAction.due_on <= bindparam("due_by")).order_by(PlanAction.due_on))


def next_session(user: User, now: datetime) -> MentoringSession | None:
    """The viewer's next scheduled session, as mentor or participant: one query."""
    return db.session.scalars(_NEXT, {"user_id": user.id, "now": now}).first()


def overview(user: User, now: datetime) -> MentoringOverview:
    """The next session and this week's (as mentor or participant), plans needing attention, actions due soon."""
    when = {"user_id": user.id, "now": now}
    upcoming = db.session.scalars(_THIS_WEEK, when | {"week_end": now + timedelta(days=7)}).all()
    next_session = upcoming[0] if upcoming else db.session.scalars(_NEXT, when).first()
    awaiting = db.session.scalars(_AWAITING_ANSWER, when).all()
    plans = db.session.scalars(_PLANS_TO_WATCH, when).all()
    organisation_ids = _member_organisation_ids(user)
    actions = db.session.scalars(_ACTIONS_DUE, {"organisation_ids": organisation_ids,
                                                "due_by": (now + timedelta(days=14)).date()}
                                 ).all() if organisation_ids else []
    return MentoringOverview(next_session, list(upcoming), list(awaiting), list(plans), list(actions))
