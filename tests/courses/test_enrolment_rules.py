"""Enrolment's promises, checked after every step of random sequences of enrolments, withdrawals,
approvals and rejections (a hypothesis state machine): a cohort's seat counter matches its enrolled
people, a perspective never has more than its share, and before the cohort starts nobody waits while
there is a place they could take."""

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import (RuleBasedStateMachine, initialize, invariant, precondition, rule,
                                 run_state_machine_as_test)
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from learnhub.courses import services
from learnhub.courses.models import Approver, Cohort, Enrolment, EnrolmentStatus, PromotionPolicy
from learnhub.courses.services import ACTIVE_STATUSES
from learnhub.curriculum.models import Audience
from learnhub.errors import DomainError
from learnhub.extensions import db
from learnhub.people.models import MembershipRole, User
from learnhub.timeutil import utcnow
from tests.factories import CohortFactory, OrganisationFactory, UserFactory, member_of

# Person i belongs to organisation i mod 3 and takes part from perspective PERSPECTIVES[i]: hypothesis
# tries small choices first, and always choosing the first person who can act already fills the cohort
# with two perspectives and has two of the third wait.
PERSPECTIVES = [Audience.FAMILY_MEMBER, Audience.LIVED_EXPERIENCE, Audience.PROFESSIONAL, Audience.PROFESSIONAL,
                Audience.FAMILY_MEMBER]
PEOPLE = len(PERSPECTIVES)
choices = st.integers(0, PEOPLE - 1)
HOLDING = (EnrolmentStatus.ENROLLED, EnrolmentStatus.PENDING)  # what counts towards a perspective's share
# Rejected people may try again: they are refused, which keeps a step possible in every state.
MAY_ENROL = (None, EnrolmentStatus.WITHDRAWN, EnrolmentStatus.REJECTED)
WAITING = (EnrolmentStatus.PENDING, EnrolmentStatus.WAITLISTED)


@dataclass(frozen=True)
class Cast:
    """User ids, made once: every example opens a cohort of its own, so the same people can enrol."""

    trainer: int
    admins: list[int]  # one per organisation
    people: list[int]


def _cast() -> Cast:
    organisations = [OrganisationFactory() for _ in range(3)]
    cast = Cast(UserFactory().id, [member_of(o, MembershipRole.ORG_ADMIN).id for o in organisations],
                [member_of(organisations[index % 3]).id for index in range(PEOPLE)])
    db.session.commit()
    return cast


class EnrolmentRules(RuleBasedStateMachine):
    def __init__(self, cast: Cast) -> None:
        super().__init__()
        self.cast, self.cohort_id, self.enrolments = cast, None, [None] * PEOPLE

    @initialize(approver=st.sampled_from(Approver), policy=st.sampled_from(PromotionPolicy),
                share=st.sampled_from([None, 50]), late=st.booleans())
    def open_cohort(self, approver, policy, share, late):
        # Two places, so one perspective's share is one. Enrolment stays open after the start, so that
        # joining (and leaving) late is tried too.
        cohort = CohortFactory(capacity=2, approver=approver, promotion_policy=policy,
                               records_perspective=share is not None, max_share_per_perspective=share,
                               enrolment_closes_at=utcnow() + timedelta(days=40), trainer=self._user(self.cast.trainer))
        db.session.commit()
        self.cohort_id, self.starts_on = cohort.id, cohort.starts_on
        self.now = utcnow() + timedelta(days=31 if late else 0)

    def _user(self, user_id: int) -> User:
        return db.session.get(User, user_id)

    def _state(self) -> tuple[Cohort, dict[int, Enrolment]]:
        """The cohort and its enrolments as the database has them now (without what they relate to)."""
        fresh = {"populate_existing": True}
        cohort = db.session.scalars(select(Cohort).where(Cohort.id == self.cohort_id).options(lazyload("*"))
                                    .execution_options(**fresh)).one()
        enrolments = db.session.scalars(select(Enrolment).where(Enrolment.cohort_id == self.cohort_id)
                                        .options(lazyload("*")).execution_options(**fresh))
        return cohort, {enrolment.user_id: enrolment for enrolment in enrolments}

    def _pick(self, choice: int, statuses) -> tuple[int, Enrolment | None]:
        """(person, their enrolment) among those a step applies to, as the last check saw them."""
        fitting = [(person, enrolment) for person, enrolment in enumerate(self.enrolments)
                   if getattr(enrolment, "status", None) in statuses]
        return fitting[choice % len(fitting)]

    def _some_are(self, statuses) -> bool:
        return any(getattr(enrolment, "status", None) in statuses for enrolment in self.enrolments)

    def _attempt(self, change) -> None:
        try:
            change()
        except DomainError:
            db.session.rollback()  # a refusal changes nothing
        else:
            db.session.commit()

    # Steps only act on someone they apply to, so that none are wasted.
    @precondition(lambda self: self._some_are(MAY_ENROL))
    @rule(choice=choices, by_admin=st.booleans())
    def enrol(self, choice, by_admin):
        person = self._pick(choice, MAY_ENROL)[0]
        participant = self._user(self.cast.people[person])
        actor = self._user(self.cast.admins[person % 3]) if by_admin else participant
        cohort = db.session.get(Cohort, self.cohort_id)
        self._attempt(lambda: services.enrol(actor, cohort, participant, PERSPECTIVES[person], now=self.now))

    @precondition(lambda self: self._some_are(ACTIVE_STATUSES))
    @rule(choice=choices)
    def withdraw(self, choice):
        person, enrolment = self._pick(choice, ACTIVE_STATUSES)
        participant = self._user(self.cast.people[person])
        self._attempt(lambda: services.withdraw(participant, enrolment, "", today=self.now.date()))

    @precondition(lambda self: self._some_are([EnrolmentStatus.PENDING]))
    @rule(choice=choices, by_trainer=st.booleans())
    def approve(self, choice, by_trainer):
        person, enrolment = self._pick(choice, [EnrolmentStatus.PENDING])
        actor = self._user(self.cast.trainer if by_trainer else self.cast.admins[person % 3])
        self._attempt(lambda: services.approve(actor, enrolment))

    @precondition(lambda self: self._some_are(WAITING))
    @rule(choice=choices)
    def reject(self, choice):
        enrolment = self._pick(choice, WAITING)[1]
        trainer = self._user(self.cast.trainer)
        self._attempt(lambda: services.reject(trainer, enrolment, "Nije ovaj put."))

    @invariant()
    def promises_hold(self):
        if self.cohort_id is None:
            return
        cohort, enrolments = self._state()
        self.enrolments = [enrolments.get(user_id) for user_id in self.cast.people]
        by_status = Counter(enrolment.status for enrolment in enrolments.values())
        assert cohort.seats_taken == by_status[EnrolmentStatus.ENROLLED] <= cohort.capacity, "seat counter"

        share = cohort.max_share_per_perspective and max(1, cohort.capacity * cohort.max_share_per_perspective // 100)
        holding = Counter(e.perspective for e in enrolments.values() if e.status in HOLDING)
        assert not share or max(holding.values(), default=0) <= share, f"a perspective above its share: {holding}"

        # Once the cohort has started, a freed place is not given away: whoever joins late chooses to.
        could_take_a_place = [e for e in enrolments.values() if e.status == EnrolmentStatus.WAITLISTED
                              and (not share or holding[e.perspective] < share)]
        assert not (self.now.date() < self.starts_on and could_take_a_place
                    and cohort.seats_taken < cohort.capacity), f"waiting for a free place: {could_take_a_place}"


def test_enrolment_keeps_its_promises_whatever_happens(app):
    cast = _cast()
    run_state_machine_as_test(lambda: EnrolmentRules(cast), settings=settings(
        max_examples=50, stateful_step_count=20, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]))
