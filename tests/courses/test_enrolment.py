from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from learnhub.courses import admission
from learnhub.courses.models import Approver, Cohort, Enrolment, EnrolmentStatus, PromotionPolicy
from learnhub.errors import Conflict, InvalidInput, NotAllowed
from learnhub.extensions import db
from learnhub.people.models import MembershipRole, OrganisationService, Role, ServiceType
from learnhub.timeutil import utcnow
from tests.factories import (
    CohortFactory,
    EnrolmentFactory,
    MunicipalityFactory,
    OrganisationFactory,
    UserFactory,
    member_of,
)


def _rows() -> int:
    return db.session.scalar(select(func.count()).select_from(Enrolment))


def _enrol(cohort, user=None, **kwargs):
    user = user or UserFactory()
    db.session.commit()  # keep the set-up when a refused enrolment is rolled back
    enrolment = admission.enrol(user, cohort, user, **kwargs)
    db.session.commit()
    return enrolment


def test_enrolling_takes_a_place_and_mails_the_participant(app, smtp_sink):
    cohort = CohortFactory(capacity=2, name="Ruma, proleće")
    user = UserFactory(email="ana@example.org")
    enrolment = _enrol(cohort, user)
    assert enrolment.status == EnrolmentStatus.ENROLLED
    assert db.session.get(Cohort, cohort.id).seats_taken == 1
    from learnhub.mail.services import send_pending

    send_pending()
    [mail] = smtp_sink.to("ana@example.org")
    assert "You have a place in Ruma, proleće" == mail["Subject"]


def test_full_cohort_puts_next_person_on_waitlist_with_position(app):
    cohort = CohortFactory(capacity=1)
    _enrol(cohort)
    second, third = _enrol(cohort), _enrol(cohort)
    assert (second.status, third.status) == (EnrolmentStatus.WAITLISTED, EnrolmentStatus.WAITLISTED)
    assert admission.waitlist_position(second) == 1 and admission.waitlist_position(third) == 2


def test_enrolling_twice_is_a_conflict_and_writes_nothing(app):
    cohort = CohortFactory()
    user = UserFactory()
    _enrol(cohort, user)
    with pytest.raises(Conflict):
        admission.enrol(user, cohort, user)
    db.session.rollback()
    assert _rows() == 1 and db.session.get(Cohort, cohort.id).seats_taken == 1


@pytest.mark.parametrize("window", [(1, 5), (-5, -1)])  # days from now: not yet open, already closed
def test_enrolment_outside_the_window_is_refused(app, window):
    cohort = CohortFactory(enrolment_opens_at=utcnow() + timedelta(days=window[0]),
                           enrolment_closes_at=utcnow() + timedelta(days=window[1]))
    with pytest.raises(Conflict, match="not open"):
        _enrol(cohort)
    db.session.rollback()
    assert _rows() == 0


def test_audience_restriction_admits_only_staff_of_listed_services(app):
    cohort = CohortFactory(allowed_service_types=[ServiceType.HOME_HELP.value])
    home_help = OrganisationFactory(services=[OrganisationService(service_type="home_help")])
    day_care = OrganisationFactory(services=[OrganisationService(service_type="day_care_children_disabilities")])
    with pytest.raises(InvalidInput, match="Home help"):
        _enrol(cohort, member_of(day_care))
    db.session.rollback()
    assert _enrol(cohort, member_of(home_help)).organisation_id == home_help.id


def test_withdrawal_promotes_the_next_person_and_notifies_them(app, smtp_sink):
    cohort = CohortFactory(capacity=1)
    first = _enrol(cohort)
    waiting = _enrol(cohort, UserFactory(email="next@example.org"))
    [promoted] = admission.withdraw(first.user, first, "Sick leave")
    db.session.commit()
    assert promoted.id == waiting.id and promoted.status == EnrolmentStatus.ENROLLED
    assert db.session.get(Cohort, cohort.id).seats_taken == 1
    from learnhub.mail.services import send_pending

    send_pending()
    assert [m["Subject"] for m in smtp_sink.to("next@example.org")][-1].startswith("You have a place")


def test_no_promotion_once_the_cohort_has_started(app):
    cohort = CohortFactory(capacity=1, starts_on=date.today(), ends_on=date.today() + timedelta(days=2))
    first = _enrol(cohort)
    waiting = _enrol(cohort)
    assert admission.withdraw(first.user, first, "") == []
    db.session.commit()
    assert db.session.get(Enrolment, waiting.id).status == EnrolmentStatus.WAITLISTED
    assert db.session.get(Cohort, cohort.id).seats_taken == 0


def test_withdrawing_twice_is_a_conflict(app):
    enrolment = _enrol(CohortFactory())
    admission.withdraw(enrolment.user, enrolment, "")
    db.session.commit()
    with pytest.raises(Conflict):
        admission.withdraw(enrolment.user, enrolment, "")


def test_withdrawn_person_can_enrol_again_at_the_back_of_the_queue(app):
    cohort = CohortFactory(capacity=1)
    user = UserFactory()
    enrolment = _enrol(cohort, user)
    admission.withdraw(enrolment.user, enrolment, "")
    db.session.commit()
    _enrol(cohort)  # someone else takes the place
    again = _enrol(cohort, user)
    assert again.id == enrolment.id and again.status == EnrolmentStatus.WAITLISTED


def test_fair_shares_promote_the_organisation_with_fewest_places(app):
    cohort = CohortFactory(capacity=3, promotion_policy=PromotionPolicy.FAIR_BY_ORGANISATION)
    big, small = OrganisationFactory(), OrganisationFactory()
    big_members = [member_of(big) for _ in range(4)]
    small_member = member_of(small)
    placed = [_enrol(cohort, m) for m in big_members[:3]]
    big_waiting = _enrol(cohort, big_members[3])  # earlier on the waitlist
    small_waiting = _enrol(cohort, small_member)
    assert big_waiting.status == small_waiting.status == EnrolmentStatus.WAITLISTED
    [promoted] = admission.withdraw(placed[0].user, placed[0], "")
    db.session.commit()
    assert promoted.id == small_waiting.id


def test_fair_shares_by_municipality(app):
    cohort = CohortFactory(capacity=2, promotion_policy=PromotionPolicy.FAIR_BY_MUNICIPALITY)
    city, village = MunicipalityFactory(name="Beograd"), MunicipalityFactory(name="Doljevac")
    city_orgs = [OrganisationFactory(municipality=city) for _ in range(3)]
    placed = [_enrol(cohort, member_of(org)) for org in city_orgs[:2]]
    _enrol(cohort, member_of(city_orgs[2]))
    village_waiting = _enrol(cohort, member_of(OrganisationFactory(municipality=village)))
    assert admission.withdraw(placed[0].user, placed[0], "") == [village_waiting]


def test_first_come_first_served_promotes_the_earliest(app):
    cohort = CohortFactory(capacity=1)
    first = _enrol(cohort)
    earliest = _enrol(cohort)
    _enrol(cohort)
    assert admission.withdraw(first.user, first, "") == [earliest]


def test_approval_by_trainer_holds_no_seat_until_approved(app):
    trainer = UserFactory(roles=[Role.TRAINER])
    cohort = CohortFactory(capacity=1, approver=Approver.TRAINER, trainer=trainer)
    pending = _enrol(cohort)
    assert pending.status == EnrolmentStatus.PENDING and db.session.get(Cohort, cohort.id).seats_taken == 0
    with pytest.raises(NotAllowed):
        admission.approve(UserFactory(roles=[Role.TRAINER]), pending)  # not this cohort's trainer
    db.session.rollback()
    admission.approve(trainer, db.session.get(Enrolment, pending.id))
    db.session.commit()
    assert db.session.get(Enrolment, pending.id).status == EnrolmentStatus.ENROLLED


def test_rejection_needs_a_reason_and_is_mailed(app, smtp_sink):
    trainer = UserFactory(roles=[Role.TRAINER])
    cohort = CohortFactory(approver=Approver.TRAINER, trainer=trainer)
    pending = _enrol(cohort, UserFactory(email="ana@example.org"))
    with pytest.raises(InvalidInput):
        admission.reject(trainer, pending, "  ")
    db.session.rollback()
    admission.reject(trainer, db.session.get(Enrolment, pending.id), "Only for day-care staff this time")
    db.session.commit()
    from learnhub.mail.services import send_pending

    send_pending()
    assert "Only for day-care staff this time" in smtp_sink.text_of(smtp_sink.to("ana@example.org")[-1])


def test_org_admin_approves_when_the_cohort_says_so_and_enrolling_members_needs_no_approval(app):
    organisation = OrganisationFactory()
    boss = member_of(organisation, MembershipRole.ORG_ADMIN)
    cohort = CohortFactory(approver=Approver.ORG_ADMIN)
    member = member_of(organisation)
    results = admission.enrol_members(boss, cohort, organisation, [member.id])
    db.session.commit()
    assert results[0].enrolment.status == EnrolmentStatus.ENROLLED
    other = member_of(organisation)
    pending = _enrol(cohort, other)
    assert pending.status == EnrolmentStatus.PENDING
    admission.approve(boss, pending)
    assert pending.status == EnrolmentStatus.ENROLLED


def test_bulk_enrolment_reports_each_person(app):
    organisation = OrganisationFactory()
    boss = member_of(organisation, MembershipRole.ORG_ADMIN)
    cohort = CohortFactory(capacity=2)
    members = [member_of(organisation) for _ in range(3)]
    _enrol(cohort, members[0])
    results = {r.user.id: r for r in admission.enrol_members(boss, cohort, organisation, [m.id for m in members])}
    db.session.commit()
    assert "already enrolled" in results[members[0].id].problem
    assert results[members[1].id].enrolment.status == EnrolmentStatus.ENROLLED
    assert results[members[2].id].enrolment.status == EnrolmentStatus.WAITLISTED


def test_trialogue_cohort_records_perspective_and_keeps_the_mix_balanced(app):
    cohort = CohortFactory(capacity=4, records_perspective=True, max_share_per_perspective=50)
    with pytest.raises(InvalidInput):
        _enrol(cohort)
    db.session.rollback()
    _enrol(cohort, perspective="family_member")
    _enrol(cohort, perspective="family_member")
    assert _enrol(cohort, perspective="lived_experience").perspective == "lived_experience"


def test_a_newcomer_whose_perspective_has_its_share_waits_while_others_take_places(app):
    cohort = CohortFactory(capacity=4, records_perspective=True, max_share_per_perspective=50)
    _enrol(cohort, perspective="family_member")
    _enrol(cohort, perspective="family_member")
    third = _enrol(cohort, perspective="family_member")
    assert third.status == EnrolmentStatus.WAITLISTED
    assert db.session.get(Cohort, cohort.id).seats_taken == 2
    assert _enrol(cohort, perspective="professional").status == EnrolmentStatus.ENROLLED


# Each perspective in turn sends more people than there are places; the first takes all it may.
@pytest.mark.parametrize("capacity, share, placed", [
    (10, 33, [4, 3, 3]), (10, 50, [5, 5, 0]), (7, 34, [3, 2, 2]),
    (10, 20, [4, 3, 3]),  # below a third (allowed once): each perspective may still have a third
])
def test_the_shares_of_the_perspectives_add_up_to_the_places(app, capacity, share, placed):
    """33 % of 10 places once let 9 people in: rounded down, three perspectives could never fill the tenth."""
    cohort = CohortFactory(capacity=capacity, records_perspective=True, max_share_per_perspective=share)
    enrolled = Counter()
    for perspective in ("family_member", "lived_experience", "professional"):
        for _ in range(capacity):
            if _enrol(cohort, perspective=perspective).status == EnrolmentStatus.ENROLLED:
                enrolled[perspective] += 1
    assert [enrolled["family_member"], enrolled["lived_experience"], enrolled["professional"]] == placed
    assert db.session.get(Cohort, cohort.id).seats_taken == capacity


def test_seat_counter_can_never_exceed_capacity_in_the_database(app):
    cohort = CohortFactory(capacity=1)
    EnrolmentFactory(cohort=cohort)
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        db.session.execute(db.update(Cohort).where(Cohort.id == cohort.id).values(seats_taken=2))
        db.session.flush()
    db.session.rollback()



def test_promotion_from_the_waitlist_keeps_the_mix_balanced(app):
    cohort = CohortFactory(capacity=2, records_perspective=True, max_share_per_perspective=50)
    family = _enrol(cohort, perspective="family_member")
    lived = _enrol(cohort, perspective="lived_experience")
    # The cohort is full, so both professionals wait: neither holds one of the professionals' places yet.
    waiting = [_enrol(cohort, perspective="professional") for _ in range(2)]
    assert {e.status for e in waiting} == {EnrolmentStatus.WAITLISTED}
    assert admission.withdraw(family.user, family, "") == [waiting[0]]
    db.session.commit()
    # The second professional would be one too many: the place stays free for someone else.
    assert admission.withdraw(lived.user, lived, "") == []
    db.session.commit()
    assert db.session.get(Enrolment, waiting[1].id).status == EnrolmentStatus.WAITLISTED
    assert db.session.get(Cohort, cohort.id).seats_taken == 1
    assert _enrol(cohort, perspective="lived_experience").status == EnrolmentStatus.ENROLLED
    # When the first professional leaves, the one waiting comes in.
    assert admission.withdraw(waiting[0].user, waiting[0], "") == [waiting[1]]



def test_waiting_for_approval_holds_no_share_of_the_places(app):
    """Someone waiting for approval holds no place, nor their perspective's share of the places: approval
    gives them a place only if their perspective still may take one."""
    trainer = UserFactory()
    cohort = CohortFactory(capacity=2, records_perspective=True, max_share_per_perspective=50,
                           approver=Approver.TRAINER, trainer=trainer)

    def approved(perspective):
        enrolment = _enrol(cohort, perspective=perspective)
        admission.approve(trainer, enrolment)
        db.session.commit()
        return enrolment

    family, _, waiting = approved("family_member"), approved("lived_experience"), approved("professional")
    assert waiting.status == EnrolmentStatus.WAITLISTED  # approved, but the cohort was full
    pending = _enrol(cohort, perspective="professional")
    assert admission.withdraw(family.user, family, "") == [waiting]
    db.session.commit()
    admission.approve(trainer, pending)  # the professionals' place is taken by the one who waited
    db.session.commit()
    assert db.session.get(Enrolment, pending.id).status == EnrolmentStatus.WAITLISTED
    assert db.session.get(Cohort, cohort.id).seats_taken == 2


def test_a_third_of_a_hundred_places_gives_the_hundredth_to_the_first_perspective_that_needs_it():
    share = admission.perspective_share(Cohort(capacity=100, records_perspective=True, max_share_per_perspective=33))
    held = Counter(family_member=33, lived_experience=33, professional=33)
    assert [share.places_left(held, p) for p in held] == [1, 1, 1]
    held["lived_experience"] += 1
    assert [share.places_left(held, p) for p in held] == [0, 0, 0]
    held["lived_experience"] -= 2
    assert [share.places_left(held, p) for p in held] == [1, 2, 1]


def test_under_fair_shares_the_waitlist_mail_explains_the_policy_instead_of_a_position(app, smtp_sink):
    """The first person promoted under fair shares had been told "position 4"."""
    cohort = CohortFactory(capacity=2, promotion_policy=PromotionPolicy.FAIR_BY_ORGANISATION)
    big = OrganisationFactory()
    placed, _ = _enrol(cohort, member_of(big)), _enrol(cohort, member_of(big))
    for _ in range(3):
        _enrol(cohort, member_of(big))
    small = _enrol(cohort, member_of(OrganisationFactory(), email="small@example.org"))
    from learnhub.mail.services import send_pending

    send_pending()
    text = smtp_sink.text_of(smtp_sink.to("small@example.org")[-1])
    assert "position" not in text
    assert "A freed place goes to someone from the organisation with the fewest places in the cohort" in text
    assert admission.withdraw(placed.user, placed, "") == [small]


def test_under_first_come_the_waitlist_mail_states_the_position(app, smtp_sink):
    cohort = CohortFactory(capacity=1)
    _enrol(cohort)
    _enrol(cohort)
    _enrol(cohort, UserFactory(email="third@example.org"))
    from learnhub.mail.services import send_pending

    send_pending()
    assert "on the waitlist at position 2" in smtp_sink.text_of(smtp_sink.to("third@example.org")[-1])


def test_approving_into_a_full_cohort_says_that_the_person_waits_for_a_place(app, client, smtp_sink):
    trainer = UserFactory(roles=[Role.TRAINER])
    cohort = CohortFactory(capacity=1, approver=Approver.TRAINER, trainer=trainer)
    pending = _enrol(cohort, UserFactory(email="ana@example.org", display_name="Ana Ilić"))
    EnrolmentFactory(cohort=cohort)  # the last place is taken meanwhile
    from tests.factories import PASSWORD

    client.post("/auth/login", data={"email": trainer.email, "password": PASSWORD})
    page = client.post(f"/enrolments/{pending.id}/approve", follow_redirects=True).get_data(as_text=True)
    assert "Ana Ilić is approved, but the cohort is full: they are number 1 on the waitlist." in page
    text = smtp_sink.text_of(smtp_sink.to("ana@example.org")[-1])
    assert "Your enrolment has been approved." in text and "on the waitlist at position 1" in text
