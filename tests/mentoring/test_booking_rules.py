"""Mentoring's promises, checked after every step of random sequences of bookings, moves, cancellations,
group meetings, answers, changed availability and passing time (a hypothesis state machine): a mentor
is never in two sessions at once, a free time on offer keeps clear of every session and can be booked,
mentees keep to the monthly limit, group meetings keep to their places, and every change raises the
session's SEQUENCE, so calendars take it."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from learnhub.errors import DomainError
from learnhub.extensions import db
from learnhub.mentoring import availability, booking, offers
from learnhub.mentoring.models import MentoringProgramme, MentoringSession, PartStat, SessionKind, SessionStatus
from learnhub.mentoring.slots import WeeklyWindow, overlaps
from learnhub.people.models import Organisation, Role, User
from tests.factories import OrganisationFactory, ProgrammeFactory, UserFactory, member_of

# A Monday morning in Belgrade. The mentor's two weeks ahead cross the change to summer time
# (28 March) and the start of April, where the monthly limit starts counting afresh.
START = datetime(2027, 3, 22, 6, 0)
MENTEES = 3
choices = st.integers(0, 50)
RULES = {"min_notice_hours": 0, "max_days_ahead": 14}


@dataclass(frozen=True)
class Cast:
    """User ids, made once: every example opens a programme with a mentor of its own."""

    organisation: int
    mentees: list[int]


def _cast() -> Cast:
    organisation = OrganisationFactory()
    cast = Cast(organisation.id, [member_of(organisation).id for _ in range(MENTEES)])
    db.session.commit()
    return cast


class BookingRules(RuleBasedStateMachine):
    def __init__(self, cast: Cast) -> None:
        super().__init__()
        self.cast, self.programme_id = cast, None
        self.changes: dict[int, int] = {}  # session id -> changes made to it (its SEQUENCE must equal this)
        self.placed_by_mentor: set[int] = set()  # individual sessions the mentor moved: beyond the limit

    @initialize(slot=st.sampled_from([30, 45, 60]), buffer=st.sampled_from([0, 15]), limit=st.integers(1, 3))
    def open_programme(self, slot, buffer, limit):
        mentor = UserFactory(roles=[Role.MENTOR], time_zone="Europe/Belgrade")
        programme = ProgrammeFactory(mentor=mentor, organisation=db.session.get(Organisation, self.cast.organisation))
        db.session.commit()
        self.mentor_id, self.programme_id, self.now, self.limit = mentor.id, programme.id, START, limit
        self._set_availability(["09:00-12:00", "14:00-16:30"], slot, buffer)

    # --- helpers --------------------------------------------------------------------------------------------

    def _user(self, user_id: int) -> User:
        return db.session.get(User, user_id)

    def _set_availability(self, windows: list[str], slot: int, buffer: int) -> None:
        self.rules = RULES | {"slot_minutes": slot, "buffer_minutes": buffer,
                              "max_sessions_per_mentee_per_month": self.limit}
        hours = [tuple(time.fromisoformat(bound) for bound in window.split("-")) for window in windows]
        availability.set_availability(self._user(self.mentor_id), availability.AvailabilityPlan(
            tuple(WeeklyWindow(day, start, end) for day in range(5) for start, end in hours),
            settings=availability.BookingSettings(**self.rules)))
        db.session.commit()

    def _offered(self):
        programme = db.session.get(MentoringProgramme, self.programme_id)
        return availability.programme_mentor_slots(programme, self.mentor_id, self.now)[1]

    def _sessions(self) -> list[MentoringSession]:
        return list(db.session.scalars(select(MentoringSession).where(MentoringSession.mentor_id == self.mentor_id)
                                       .order_by(MentoringSession.id).execution_options(populate_existing=True)))

    def _scheduled(self, kind: str | None = None, future: bool = True) -> list[MentoringSession]:
        return [s for s in self._sessions() if s.status == SessionStatus.SCHEDULED
                and (kind is None or s.kind == kind) and (not future or s.starts_at > self.now)]

    def _attempt(self, change) -> bool:
        try:
            change()
        except DomainError:
            db.session.rollback()  # a refusal changes nothing
            return False
        db.session.commit()
        return True

    def _month_count(self, mentee_id: int, moment: datetime, leaving_out: int | None = None) -> int:
        return sum(1 for s in self._scheduled(SessionKind.INDIVIDUAL, future=False)
                   if s.id != leaving_out and (s.starts_at.year, s.starts_at.month) == (moment.year, moment.month)
                   and any(p.user_id == mentee_id for p in s.active_participants))

    # --- steps ----------------------------------------------------------------------------------------------

    @precondition(lambda self: self.programme_id is not None)
    @rule(mentee=st.integers(0, MENTEES - 1), choice=choices)
    def book_an_offered_time(self, mentee, choice):
        offered = self._offered()
        if not offered:
            return
        slot, mentee_id = offered[choice % len(offered)], self.cast.mentees[mentee]
        under_limit = self._month_count(mentee_id, slot.starts_at) < self.limit
        booked = self._attempt(lambda: booking.book_slot(self._user(mentee_id), self.programme_id, self.mentor_id,
                                                          slot.starts_at, now=self.now))
        assert booked == under_limit, f"an offered time {slot} was {'refused' if under_limit else 'booked'}"

    @precondition(lambda self: self.programme_id is not None)
    @rule(mentee=st.integers(0, MENTEES - 1), choice=choices, shift=st.sampled_from([-60, -15, -5, 5, 15, 30, 60]))
    def book_a_time_next_to_another(self, mentee, choice, shift):
        """A request that makes up its own time, just off a free or a booked one: the checks, not the page,
        must keep the promises."""
        times = [slot.starts_at for slot in self._offered()] + [s.starts_at for s in self._scheduled()]
        if not times:
            return
        starts_at = times[choice % len(times)] + timedelta(minutes=shift)
        self._attempt(lambda: booking.book_slot(self._user(self.cast.mentees[mentee]), self.programme_id,
                                                 self.mentor_id, starts_at, now=self.now))

    @precondition(lambda self: self.programme_id is not None and self._scheduled(SessionKind.INDIVIDUAL))
    @rule(choice=choices, slot_choice=choices, by_mentor=st.booleans())
    def move(self, choice, slot_choice, by_mentor):
        sessions, offered = self._scheduled(SessionKind.INDIVIDUAL), self._offered()
        if not offered:
            return
        session, slot = sessions[choice % len(sessions)], offered[slot_choice % len(offered)]
        [mentee] = [p.user_id for p in session.active_participants]
        within_limit = by_mentor or self._month_count(mentee, slot.starts_at, leaving_out=session.id) < self.limit
        # A session keeps its length when it moves: booked in longer slots than today's, it fits an offered
        # time only if the whole of it, with the buffer, keeps clear of the mentor's other sessions.
        buffer, ends_at = (timedelta(minutes=self.rules["buffer_minutes"]),
                           slot.starts_at + (session.ends_at - session.starts_at))
        fits = not any(overlaps(slot.starts_at - buffer, ends_at + buffer, other.starts_at, other.ends_at)
                       for other in self._scheduled(future=False) if other.id != session.id)
        actor = self._user(self.mentor_id if by_mentor else mentee)
        moved = self._attempt(lambda: booking.reschedule(actor, session, slot.starts_at, "", now=self.now))
        assert moved == (fits and within_limit), \
            f"moving session {session.id} to an offered time {slot} was {'done' if moved else 'refused'}"
        if moved:
            self.changes[session.id] = self.changes.get(session.id, 0) + 1
            (self.placed_by_mentor.add if by_mentor else self.placed_by_mentor.discard)(session.id)

    @precondition(lambda self: self.programme_id is not None and self._scheduled(SessionKind.INDIVIDUAL))
    @rule(choice=choices, slot_choice=choices, by_mentor=st.booleans())
    def move_to_a_time_the_move_calendar_offers(self, choice, slot_choice, by_mentor):
        """What the move calendar offers (to the mentor, or to the mentee within their limit) is accepted."""
        sessions = self._scheduled(SessionKind.INDIVIDUAL)
        session = sessions[choice % len(sessions)]
        [mentee] = [p.user_id for p in session.active_participants]
        actor = self._user(self.mentor_id if by_mentor else mentee)
        offered = offers.move_offer(actor, session, "Europe/Belgrade", self.now).slots
        if not offered:
            return
        slot = offered[slot_choice % len(offered)]
        assert slot.starts_at != session.starts_at and slot.ends_at - slot.starts_at == session.ends_at - session.starts_at
        moved = self._attempt(lambda: booking.reschedule(actor, session, slot.starts_at, "", now=self.now))
        assert moved, f"the move calendar offered {slot} for session {session.id}, and the move was refused"
        self.changes[session.id] = self.changes.get(session.id, 0) + 1
        (self.placed_by_mentor.add if by_mentor else self.placed_by_mentor.discard)(session.id)

    # Only with several sessions to choose from: cancelling the only one leaves too little to try.
    @precondition(lambda self: self.programme_id is not None and len(self._scheduled()) >= 3)
    @rule(choice=choices, by_mentor=st.booleans())
    def cancel(self, choice, by_mentor):
        sessions = self._scheduled()
        session = sessions[choice % len(sessions)]
        own = session.kind == SessionKind.INDIVIDUAL and not by_mentor
        actor = self._user(session.active_participants[0].user_id if own else self.mentor_id)
        assert self._attempt(lambda: booking.cancel_session(actor, session, "Bolest.", now=self.now))
        self.changes[session.id] = self.changes.get(session.id, 0) + 1

    @precondition(lambda self: self.programme_id is not None)
    @rule(quarter_hours=st.integers(1, 14 * 24 * 4), minutes=st.sampled_from([30, 90]),
          capacity=st.integers(1, 2))
    def schedule_group(self, quarter_hours, minutes, capacity):
        starts_at = self.now.replace(minute=0) + timedelta(minutes=15 * quarter_hours)
        details = booking.GroupSessionInput(starts_at, minutes, "Sala 2", "", "", capacity)
        programme = db.session.get(MentoringProgramme, self.programme_id)
        self._attempt(lambda: booking.schedule_group_session(self._user(self.mentor_id), programme, details,
                                                              now=self.now))

    @precondition(lambda self: self.programme_id is not None)
    @rule(choice=choices, mentee=st.integers(0, MENTEES - 1),
          answer=st.sampled_from([PartStat.ACCEPTED, PartStat.DECLINED, PartStat.TENTATIVE]))
    def answer(self, choice, mentee, answer):
        sessions = self._scheduled(SessionKind.GROUP)
        if sessions:
            self._attempt(lambda: booking.respond(self._user(self.cast.mentees[mentee]),
                                                   sessions[choice % len(sessions)], answer))

    @precondition(lambda self: self.programme_id is not None)
    @rule(choice=choices, mentee=st.integers(0, MENTEES - 1))
    def remove_from_group(self, choice, mentee):
        sessions = self._scheduled(SessionKind.GROUP)
        if not sessions:
            return
        session = sessions[choice % len(sessions)]
        if self._attempt(lambda: booking.remove_participant(self._user(self.mentor_id), session,
                                                             self.cast.mentees[mentee])):
            self.changes[session.id] = self.changes.get(session.id, 0) + 1

    @precondition(lambda self: self.programme_id is not None)
    @rule(windows=st.sampled_from([["09:00-12:00"], ["08:00-10:00", "10:30-13:00"], ["14:00-18:00"]]),
          slot=st.sampled_from([30, 45, 60]), buffer=st.sampled_from([0, 15]))
    def change_availability(self, windows, slot, buffer):
        """Sessions already booked stay where they are; only what is offered from now on changes."""
        self._set_availability(windows, slot, buffer)

    @precondition(lambda self: self.programme_id is not None)
    @rule(hours=st.integers(1, 72))
    def time_passes(self, hours):
        self.now += timedelta(hours=hours)

    # --- promises -------------------------------------------------------------------------------------------

    @invariant()
    def promises_hold(self):
        if self.programme_id is None:
            return
        sessions = self._sessions()
        scheduled = [s for s in sessions if s.status == SessionStatus.SCHEDULED]
        for index, session in enumerate(scheduled):
            for other in scheduled[index + 1:]:
                assert not overlaps(session.starts_at, session.ends_at, other.starts_at, other.ends_at), \
                    f"the mentor is in two sessions at once: {session.id} and {other.id}"

        buffer = timedelta(minutes=self.rules["buffer_minutes"])
        for slot in self._offered():
            assert slot.starts_at >= self.now, f"a past time on offer: {slot}"
            for session in scheduled:
                assert not overlaps(slot.starts_at - buffer, slot.ends_at + buffer, session.starts_at,
                                    session.ends_at), f"{slot} is on offer over session {session.id}"

        for mentee_id in self.cast.mentees:
            months: dict[tuple[int, int], int] = {}
            for session in scheduled:
                if session.kind == SessionKind.INDIVIDUAL and session.id not in self.placed_by_mentor and any(
                        p.user_id == mentee_id for p in session.active_participants):
                    month = (session.starts_at.year, session.starts_at.month)
                    months[month] = months.get(month, 0) + 1
            assert max(months.values(), default=0) <= self.limit, f"monthly limit: {months}"

        for session in sessions:
            accepted = [p for p in session.active_participants if p.partstat == PartStat.ACCEPTED]
            if session.kind == SessionKind.INDIVIDUAL:
                assert len(session.active_participants) == 1, f"session {session.id} has not one mentee"
            else:
                assert len(accepted) <= session.capacity, f"group session {session.id} above its places"
            assert session.sequence == self.changes.get(session.id, 0), f"SEQUENCE of session {session.id}"


def test_mentoring_keeps_its_promises_whatever_happens(app):
    cast = _cast()
    run_state_machine_as_test(lambda: BookingRules(cast), settings=settings(
        max_examples=25, stateful_step_count=25, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]))
