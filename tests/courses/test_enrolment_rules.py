"""Enrolment's promises, checked after every step of random sequences of enrolments, withdrawals,
approvals and rejections (a hypothesis state machine): a cohort's seat counter matches its enrolled
people, a perspective never has more than its share, the shares add up to the places, and before the
cohort starts nobody waits while there is a place they could take."""

import math
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from fractions import Fraction

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
from sqlalchemy.orm import lazyload

from learnhub.courses import admission
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


@dataclass(frozen=True)
class Shares:
    """The model of perspective shares: the places are divided among the perspectives by largest
    remainder of their quota (the share of the places, at least a third): each may hold the quota
    rounded down, and as many perspectives as places are left over one more."""

    capacity: int
    quota: Fraction | None  # None: no limit

    @classmethod
    def of(cls, cohort: Cohort) -> "Shares":
        if not (cohort.records_perspective and cohort.max_share_per_perspective):
            return cls(cohort.capacity, None)
        return cls(cohort.capacity, max(Fraction(cohort.capacity * cohort.max_share_per_perspective, 100),
                                        Fraction(cohort.capacity, len(Audience))))

    def allow(self, holding: Counter) -> bool:
        if self.quota is None:
            return True
        whole = math.floor(self.quota)
        left_over = self.capacity - whole * len(Audience)
        assert whole * len(Audience) + min(max(left_over, 0), len(Audience)) >= self.capacity, "places nobody may take"
        above = [perspective for perspective, places in holding.items() if places > whole]
        return all(holding[p] <= whole + 1 for p in above) and len(above) <= max(left_over, 0)


class EnrolmentRules(RuleBasedStateMachine):
    def __init__(self, cast: Cast) -> None:
        super().__init__()
        self.cast, self.cohort_id, self.enrolments = cast, None, [None] * PEOPLE

    # Two or four places: half of them is one or two per perspective; 34 % of them (a third, rounded
    # down, with the rest for the first perspectives to need them) 0 + 2 or 1 + 1; a share below a third
    # (20 %, allowed once) counts as a third. Enrolment stays open after the start, so that joining
    # (and leaving) late is tried too.
    @initialize(approver=st.sampled_from(Approver), policy=st.sampled_from(PromotionPolicy),
                capacity=st.sampled_from([2, 4]), share=st.sampled_from([None, 50, 34, 20]), late=st.booleans())
    def open_cohort(self, approver, policy, capacity, share, late):
        cohort = CohortFactory(capacity=capacity, approver=approver, promotion_policy=policy,
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

    def _attempt(self, change) -> DomainError | None:
        try:
            change()
        except DomainError as refusal:
            db.session.rollback()  # a refusal changes nothing
            return refusal
        db.session.commit()
        return None

    # Steps only act on someone they apply to, so that none are wasted.
    @precondition(lambda self: self._some_are(MAY_ENROL))
    @rule(choice=choices, by_admin=st.booleans())
    def enrol(self, choice, by_admin):
        person, enrolment = self._pick(choice, MAY_ENROL)
        participant = self._user(self.cast.people[person])
        actor = self._user(self.cast.admins[person % 3]) if by_admin else participant
        cohort = db.session.get(Cohort, self.cohort_id)
        refusal = self._attempt(lambda: admission.enrol(actor, cohort, participant, PERSPECTIVES[person], now=self.now))
        # Only someone not accepted before is refused: everyone else has a place or waits for one (or approval).
        assert refusal is None or enrolment.status == EnrolmentStatus.REJECTED, refusal

    @precondition(lambda self: self._some_are(ACTIVE_STATUSES))
    @rule(choice=choices)
    def withdraw(self, choice):
        person, enrolment = self._pick(choice, ACTIVE_STATUSES)
        participant = self._user(self.cast.people[person])
        self._attempt(lambda: admission.withdraw(participant, enrolment, "", today=self.now.date()))

    @precondition(lambda self: self._some_are([EnrolmentStatus.PENDING]))
    @rule(choice=choices, by_trainer=st.booleans())
    def approve(self, choice, by_trainer):
        person, enrolment = self._pick(choice, [EnrolmentStatus.PENDING])
        actor = self._user(self.cast.trainer if by_trainer else self.cast.admins[person % 3])
        self._attempt(lambda: admission.approve(actor, enrolment))

    @precondition(lambda self: self._some_are(WAITING))
    @rule(choice=choices)
    def reject(self, choice):
        enrolment = self._pick(choice, WAITING)[1]
        trainer = self._user(self.cast.trainer)
        self._attempt(lambda: admission.reject(trainer, enrolment, "Nije ovaj put."))

    @invariant()
    def promises_hold(self):
        if self.cohort_id is None:
            return
        cohort, enrolments = self._state()
        self.enrolments = [enrolments.get(user_id) for user_id in self.cast.people]
        by_status = Counter(enrolment.status for enrolment in enrolments.values())
        assert cohort.seats_taken == by_status[EnrolmentStatus.ENROLLED] <= cohort.capacity, "seat counter"

        holding = Counter(e.perspective for e in enrolments.values() if e.status == EnrolmentStatus.ENROLLED)
        shares = Shares.of(cohort)
        assert shares.allow(holding), f"a perspective above its share: {holding}"

        # Once the cohort has started, a freed place is not given away: whoever joins late chooses to.
        could_take_a_place = [e for e in enrolments.values() if e.status == EnrolmentStatus.WAITLISTED
                              and shares.allow(holding + Counter([e.perspective]))]
        assert not (self.now.date() < self.starts_on and could_take_a_place
                    and cohort.seats_taken < cohort.capacity), f"waiting for a free place: {could_take_a_place}"


def test_enrolment_keeps_its_promises_whatever_happens(app):
    cast = _cast()
    run_state_machine_as_test(lambda: EnrolmentRules(cast), settings=settings(
        max_examples=50, stateful_step_count=20, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]))
