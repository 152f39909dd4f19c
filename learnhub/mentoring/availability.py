"""A mentor's availability and the free slots it gives: weekly windows, days off, buffers, busy times.

A mentor's bookings and group sessions are serialised by locking their MentorProfile row (lock_mentor); a
partial unique index on (mentor, start) backs this up inside the database.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, exists, select, union_all
from sqlalchemy.orm import joinedload, lazyload

from learnhub.errors import InvalidInput, NotFound
from learnhub.extensions import db
from learnhub.i18n import _
from learnhub.mentoring.busy import BUSY_ELSEWHERE
from learnhub.mentoring.models import (
    AvailabilityWindow,
    MentorDayOff,
    MentoringProgramme,
    MentoringSession,
    MentorProfile,
    ProgrammeMentor,
    SessionStatus,
)
from learnhub.mentoring.slots import BookingRules, DayOff, Slot, WeeklyWindow, check_windows, free_slots, is_bookable
from learnhub.people.models import User

# One mentor of a programme, asked for directly: not all the programme's mentors to pick one from. The
# mentor's profile, weekly windows and days off come in the same query, for the free slots.
_PROGRAMME_MENTOR = (select(User, MentorProfile).join(ProgrammeMentor, ProgrammeMentor.user_id == User.id)
                     .outerjoin(MentorProfile, MentorProfile.user_id == User.id)
                     .where(ProgrammeMentor.programme_id == bindparam("programme_id"),
                            User.id == bindparam("mentor_id"))
                     .options(lazyload(User.roles), lazyload(MentorProfile.user),
                              joinedload(MentorProfile.windows), joinedload(MentorProfile.days_off)))


def programme_mentor(programme: MentoringProgramme, mentor_id: int) -> tuple[User, MentorProfile | None]:
    """A mentor of the programme, with their booking rules (None: never set)."""
    found = db.session.execute(_PROGRAMME_MENTOR, {"programme_id": programme.id, "mentor_id": mentor_id}
                               ).unique().first()
    if found is None:
        raise NotFound(_("This mentor does not offer individual sessions."))
    return found.User, found.MentorProfile


def programme_mentor_slots(programme: MentoringProgramme, mentor_id: int, now: datetime) -> tuple[User, list[Slot]]:
    """A mentor of the programme and their free times."""
    mentor, profile = programme_mentor(programme, mentor_id)
    return mentor, free_slots_of(profile, now)



def mentor_profile(mentor: User) -> MentorProfile:
    profile = db.session.get(MentorProfile, mentor.id)
    if profile is None:
        profile = MentorProfile(user_id=mentor.id)
        db.session.add(profile)
        db.session.flush()
    return profile


def lock_mentor(mentor_id: int, programme: MentoringProgramme | None = None) -> MentorProfile:
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
    profile = lock_mentor(mentor_profile(mentor).user_id)
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


def mentor_busy(mentor_id: int, since: datetime, until: datetime, ignore_session_id: int | None = None,
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


def free_slots_of(profile: MentorProfile | None, now: datetime, ignore_session_id: int | None = None) -> list[Slot]:
    """The mentor's free times; with `ignore_session_id`, as if that session (one being moved) were not there."""
    if profile is None:  # a mentor who never set their availability
        return []
    windows, days_off, zone, rules = _availability(profile)
    busy = mentor_busy(profile.user_id, now - timedelta(days=1), now + timedelta(days=profile.max_days_ahead + 2),
                       ignore_session_id, with_calendars=True)
    return free_slots(windows, days_off, busy, zone, rules, now)


def is_free(profile: MentorProfile, starts_at: datetime, now: datetime, ignore_session_id: int | None = None) -> bool:
    """Whether `starts_at` is one of the mentor's free slots. Only that day's slots are laid out, and only
    sessions near that day can be in their way: a slot lasts at most 8 hours and its buffers 4 on either side."""
    if not now <= starts_at <= now + timedelta(days=profile.max_days_ahead + 2):
        return False  # never offered, however free; and days either side of year 1 or 9999 are no dates
    windows, days_off, zone, rules = _availability(profile)
    busy = mentor_busy(profile.user_id, starts_at - timedelta(days=2), starts_at + timedelta(days=2), ignore_session_id,
                 with_calendars=True)
    return is_bookable(starts_at, windows, days_off, busy, zone, rules, now)
