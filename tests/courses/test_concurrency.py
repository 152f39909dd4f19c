"""Enrolment and progress hold under real parallel requests on PostgreSQL (SQLite serialises writers anyway)."""

from sqlalchemy import func, select

from learnhub.courses.models import Cohort, Enrolment, EnrolmentStatus
from learnhub.curriculum.models import ModuleProgress
from learnhub.extensions import db
from tests.factories import CohortFactory, EnrolmentFactory, UserFactory
from tests.parallel import post_at_once, signed_in


def test_forty_parallel_enrolments_fill_ten_places_exactly(parallel_app):
    cohort = CohortFactory(capacity=10)
    clients = [signed_in(parallel_app, UserFactory().email) for _ in range(40)]
    url = f"/cohorts/{cohort.id}/enrol"

    assert post_at_once([(client, url, None) for client in clients]) == [302] * 40
    db.session.expire_all()
    counts = dict(db.session.execute(select(Enrolment.status, func.count()).group_by(Enrolment.status)).all())
    assert counts == {EnrolmentStatus.ENROLLED.value: 10, EnrolmentStatus.WAITLISTED.value: 30}
    assert db.session.get(Cohort, cohort.id).seats_taken == 10


def test_parallel_double_submit_of_the_same_person_enrols_once(parallel_app):
    cohort = CohortFactory(capacity=5)
    cookie = signed_in(parallel_app, UserFactory().email).get_cookie("session").value
    twins = [parallel_app.test_client() for _ in range(8)]
    for twin in twins:
        twin.set_cookie("session", cookie)
    url = f"/cohorts/{cohort.id}/enrol"

    assert sorted(post_at_once([(twin, url, None) for twin in twins])) == [302] + [409] * 7
    db.session.expire_all()
    assert db.session.get(Cohort, cohort.id).seats_taken == 1


def test_parallel_enrolments_from_one_perspective_keep_to_its_share(parallel_app):
    cohort = CohortFactory(capacity=10, records_perspective=True, max_share_per_perspective=40)  # four each
    clients = [signed_in(parallel_app, UserFactory().email) for _ in range(8)]
    url = f"/cohorts/{cohort.id}/enrol"

    statuses = post_at_once([(client, url, {"perspective": "family_member"}) for client in clients])
    assert statuses == [302] * 8  # the others wait for a family member's place
    db.session.expire_all()
    counts = dict(db.session.execute(select(Enrolment.status, func.count()).group_by(Enrolment.status)).all())
    assert counts == {EnrolmentStatus.ENROLLED.value: 4, EnrolmentStatus.WAITLISTED.value: 4}
    assert db.session.get(Cohort, cohort.id).seats_taken == 4


def test_a_double_tap_on_module_complete_is_no_error(parallel_app):
    enrolment = EnrolmentFactory()
    taps = [signed_in(parallel_app, enrolment.user.email) for _ in range(4)]
    url = f"/versions/{enrolment.version_id}/modules/01-first/complete"
    assert post_at_once([(tap, url, None) for tap in taps]) == [302] * 4
    assert db.session.scalar(select(func.count()).select_from(ModuleProgress)) == 1
