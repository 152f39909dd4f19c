"""The times a person is offered: to book with a mentor, or to move a session to.

An offer holds exactly what booking or moving would accept now: free slots of the mentor (far enough
ahead, within their horizon, clear with the buffer of their sessions and own calendars), for a move the
whole session's length clear as well and never its current time, and for a mentee only months in which
the monthly limit leaves room. So what is offered succeeds unless someone takes it first, and nothing
that would be refused is offered.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from learnhub.mentoring import actions
from learnhub.mentoring.availability import free_slots_of, mentor_busy, programme_mentor
from learnhub.mentoring.booking import booked_per_month, mentee_programme, month_bounds
from learnhub.mentoring.meeting import MeetingDefault, meeting_default
from learnhub.mentoring.models import MentoringProgramme, MentoringSession, MentorProfile, SessionKind
from learnhub.mentoring.slots import Slot, overlaps
from learnhub.people.models import User
from learnhub.timeutil import local_to_utc, utc_to_local


@dataclass(frozen=True)
class Offer:
    mentor: User
    slots: list[Slot]  # sorted
    first_day: date  # the first and last day a slot can fall on, in the zone the offer is read in
    last_day: date
    meeting: MeetingDefault | None  # where a new booking meets; None: the mentor has not said (nothing offered)
    full_months: list[date]  # (UTC) months in which the mentee has as many sessions as the mentor offers


def _reach(profile: MentorProfile | None, zone: str, now: datetime) -> tuple[date, date]:
    """The days (in `zone`) from today to the last day of the mentor's horizon, which counts the mentor's days."""
    today = utc_to_local(now, zone).date()
    if profile is None:
        return today, today
    mentor_zone = profile.user.time_zone
    horizon_day = utc_to_local(now, mentor_zone).date() + timedelta(days=profile.max_days_ahead + 1)
    horizon_end = local_to_utc(datetime.combine(horizon_day, time()), mentor_zone) - timedelta(minutes=1)
    return today, max(today, utc_to_local(horizon_end, zone).date())


def _within_monthly_limit(slots: list[Slot], profile: MentorProfile, mentee_id: int,
                          ignore_session_id: int | None = None) -> tuple[list[Slot], list[date]]:
    """The slots in months where the mentee may still book, and the months where they may not."""
    if not slots:
        return [], []
    since, until = month_bounds(slots[0].starts_at)[0], month_bounds(slots[-1].starts_at)[1]
    booked = booked_per_month(profile.user_id, mentee_id, since, until, ignore_session_id)
    full = {month for month, count in booked.items() if count >= profile.max_sessions_per_mentee_per_month}
    return ([slot for slot in slots if (slot.starts_at.year, slot.starts_at.month) not in full],
            sorted(date(year, month, 1) for year, month in full))


def booking_offer(mentee: User, programme_id: int, mentor_id: int, zone: str,
                  now: datetime) -> tuple[MentoringProgramme, Offer]:
    """What a mentee of the programme can book with one of its mentors; anyone else gets 404."""
    programme = mentee_programme(mentee, programme_id)
    mentor, profile = programme_mentor(programme, mentor_id)
    meeting = meeting_default(profile)
    slots: list[Slot] = []
    full_months: list[date] = []
    if meeting is not None and profile is not None:  # a meeting place implies booking rules
        slots, full_months = _within_monthly_limit(free_slots_of(profile, now), profile, mentee.id)
    return programme, Offer(mentor, slots, *_reach(profile, zone, now), meeting, full_months)


def move_offer(actor: User, session: MentoringSession, zone: str, now: datetime) -> Offer:
    """The times `actor` may move the session to: the mentor's free times (as if the session were not there)
    that hold the whole session with its buffers, except its own time; for its mentee, within the limit."""
    actions.check_can_change(actor, session, now)
    _mentor, profile = programme_mentor(session.programme, session.mentor_id)
    slots: list[Slot] = []
    full_months: list[date] = []
    if profile is not None:
        length, buffer = session.ends_at - session.starts_at, timedelta(minutes=profile.buffer_minutes)
        slots = free_slots_of(profile, now, ignore_session_id=session.id)
        if slots:
            busy = mentor_busy(session.mentor_id, slots[0].starts_at - buffer, slots[-1].starts_at + length + buffer,
                               session.id, with_calendars=True)
            # Each time is shown with the session's own length, which it keeps when it moves.
            slots = [Slot(slot.starts_at, slot.starts_at + length) for slot in slots
                     if slot.starts_at != session.starts_at and not any(
                         overlaps(slot.starts_at - buffer, slot.starts_at + length + buffer, *interval)
                         for interval in busy)]
        if session.kind == SessionKind.INDIVIDUAL and any(p.user_id == actor.id for p in session.active_participants):
            slots, full_months = _within_monthly_limit(slots, profile, actor.id, ignore_session_id=session.id)
    return Offer(session.mentor, slots, *_reach(profile, zone, now), None, full_months)
