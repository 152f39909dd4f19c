"""A mentor's availability and the free slots it gives: weekly and date-specific windows, days off, buffers,
busy times; saving what the availability editor sends, and previewing it first.

A mentor's bookings and group sessions are serialised by locking their MentorProfile row (lock_mentor); a
partial unique index on (mentor, start) backs this up inside the database.
"""

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, exists, select, union_all
from sqlalchemy.orm import joinedload, lazyload

from learnhub.errors import NotFound
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
from learnhub.mentoring.slots import (
    BookingRules,
    DateWindow,
    DayOff,
    Slot,
    WeeklyWindow,
    Window,
    check_windows,
    free_slots,
    is_bookable,
)
from learnhub.people.models import User
from learnhub.timeutil import utc_to_local

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


# What a mentor may set, inclusive; the form says so at each field and MentorProfile's CHECK holds the lengths.
RULE_LIMITS = {"slot_minutes": (15, 480), "buffer_minutes": (0, 240), "min_notice_hours": (0, 24 * 30),
               "max_days_ahead": (1, 365), "max_sessions_per_mentee_per_month": (1, 31)}


@dataclass(frozen=True)
class BookingSettings:
    """A mentor's booking rules as they set them (MentorProfile's columns)."""

    slot_minutes: int = 60
    buffer_minutes: int = 15
    min_notice_hours: int = 24
    max_days_ahead: int = 30
    max_sessions_per_mentee_per_month: int = 2

    def __post_init__(self) -> None:
        outside = [name for name, (low, high) in RULE_LIMITS.items() if not low <= getattr(self, name) <= high]
        if outside:
            raise ValueError(f"outside the allowed range: {', '.join(outside)}")

    @property
    def rules(self) -> BookingRules:
        return BookingRules(slot_minutes=self.slot_minutes, buffer_minutes=self.buffer_minutes,
                            min_notice=timedelta(hours=self.min_notice_hours), max_days_ahead=self.max_days_ahead)


@dataclass(frozen=True)
class AvailabilityPlan:
    """Everything the availability editor saves, checked once: windows that end after they start and do
    not overlap on a day, days off in order, settings in range."""

    windows: tuple[Window, ...] = ()
    days_off: tuple[DayOff, ...] = ()
    settings: BookingSettings = BookingSettings()

    def __post_init__(self) -> None:
        problems = check_windows(self.windows)
        problems += [f"Day off {d.first_day} ends before it starts." for d in self.days_off if d.first_day > d.last_day]
        if problems:
            raise ValueError(" ".join(problems))


def set_availability(mentor: User, plan: AvailabilityPlan) -> MentorProfile:
    """Replace the mentor's windows, days off and booking rules with the plan's."""
    profile = lock_mentor(mentor_profile(mentor).user_id)
    for name in RULE_LIMITS:
        setattr(profile, name, getattr(plan.settings, name))
    profile.windows = [
        AvailabilityWindow(weekday=w.day.weekday(), day=w.day, start=w.start, end=w.end) if isinstance(w, DateWindow)
        else AvailabilityWindow(weekday=w.weekday, start=w.start, end=w.end) for w in plan.windows]
    profile.days_off = [MentorDayOff(first_day=d.first_day, last_day=d.last_day, note=d.note[:200])
                        for d in plan.days_off]
    db.session.flush()
    return profile


PREVIEW_DAYS = 14


@dataclass(frozen=True)
class PreviewDay:
    day: date  # in the mentor's zone
    slots: list[Slot]
    day_off: DayOff | None
    has_own_hours: bool  # date-specific hours in place of the weekday's
    is_beyond_horizon: bool  # further ahead than mentees may book


def preview_availability(mentor: User, plan: AvailabilityPlan, now: datetime) -> list[PreviewDay]:
    """The next two weeks of free slots the plan would give, as mentees would be offered them: the same
    free_slots with the mentor's sessions and busy calendars, without saving anything."""
    zone, settings = mentor.time_zone, plan.settings
    rules = replace(settings.rules, max_days_ahead=min(settings.max_days_ahead, PREVIEW_DAYS - 1))
    busy = mentor_busy(mentor.id, now - timedelta(days=1), now + timedelta(days=PREVIEW_DAYS + 1),
                       with_calendars=True)
    slots_by_day: dict[date, list[Slot]] = {}
    for slot in free_slots(plan.windows, plan.days_off, busy, zone, rules, now):
        slots_by_day.setdefault(utc_to_local(slot.starts_at, zone).date(), []).append(slot)
    today = utc_to_local(now, zone).date()
    days = [today + timedelta(days=offset) for offset in range(PREVIEW_DAYS)]
    return [PreviewDay(day, slots_by_day.get(day, []), next((d for d in plan.days_off if d.covers(day)), None),
                       any(isinstance(w, DateWindow) and w.day == day for w in plan.windows),
                       (day - today).days > settings.max_days_ahead) for day in days]


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


def _windows_of(profile: MentorProfile) -> tuple[Window, ...]:
    return tuple(DateWindow(w.day, w.start, w.end) if w.day else WeeklyWindow(w.weekday, w.start, w.end)
                 for w in profile.windows)


def _days_off_of(profile: MentorProfile) -> tuple[DayOff, ...]:
    return tuple(DayOff(d.first_day, d.last_day, d.note) for d in profile.days_off)


def _availability(profile: MentorProfile):
    # Read as saved, without checking it again: booking never fails over what the editor once accepted.
    rules = BookingRules(slot_minutes=profile.slot_minutes, buffer_minutes=profile.buffer_minutes,
                         min_notice=timedelta(hours=profile.min_notice_hours), max_days_ahead=profile.max_days_ahead)
    return _windows_of(profile), _days_off_of(profile), profile.user.time_zone, rules


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
