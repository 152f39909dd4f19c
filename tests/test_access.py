"""Every route × every role × organisation A's ids, as declared in tests/access_matrix.py."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from learnhub.auth.models import Invitation
from learnhub.certification.models import CpdActivity
from learnhub.extensions import db
from learnhub.people.models import Membership, MembershipRole, Role
from learnhub.timeutil import utcnow
from tests.access_matrix import MATRIX, ROLES
from learnhub.curriculum.services import start_new_draft
from learnhub.mentoring import services as mentoring
from tests.factories import (
    CohortFactory,
    CohortSessionFactory,
    EnrolmentFactory,
    OrganisationFactory,
    ProgrammeFactory,
    UserFactory,
    certificate_for,
    member_of,
)

CASES = [(endpoint, method, role) for (endpoint, method) in MATRIX for role in ROLES]


def test_every_route_is_in_the_matrix(app):
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == set(MATRIX)


@pytest.fixture
def world():
    """Organisation A with an admin, a member and a pending invitation; organisation B with its admin."""
    organisation_a, organisation_b = OrganisationFactory(), OrganisationFactory()
    users = {
        "professional": UserFactory(roles=[Role.PROFESSIONAL]),
        "mentor": UserFactory(roles=[Role.MENTOR]),
        "trainer": UserFactory(roles=[Role.TRAINER]),
        "org_admin": member_of(organisation_a, MembershipRole.ORG_ADMIN),
        "foreign_org_admin": member_of(organisation_b, MembershipRole.ORG_ADMIN),
        "institute_admin": UserFactory(roles=[Role.INSTITUTE_ADMIN]),
    }
    member = member_of(organisation_a)
    cohort = CohortFactory(trainer=users["trainer"])
    session = CohortSessionFactory(cohort=cohort)
    enrolment = EnrolmentFactory(cohort=cohort, user=member, organisation_id=organisation_a.id)
    draft = start_new_draft(users["trainer"], cohort.version.learning_set_id)
    programme = ProgrammeFactory(mentor=users["mentor"], organisation=organisation_a)
    group = mentoring.schedule_group_session(users["mentor"], programme, mentoring.GroupSessionInput(
        starts_at=utcnow() + timedelta(days=3), duration_minutes=60, place="Sala", online_url="", agenda="",
        capacity=10))
    certificate = certificate_for(EnrolmentFactory(user=member))
    activity = CpdActivity(user_id=member.id, title="Conference", points=5, completed_on=utcnow().date())
    db.session.add(activity)
    invitation = Invitation(organisation_id=organisation_a.id, email="pending@example.org", token_hash="0" * 64,
                            expires_at=utcnow() + timedelta(days=3))
    db.session.add(invitation)
    db.session.commit()
    ids = {
        "organisation_id": organisation_a.id,
        "invitation_id": invitation.id,
        "membership_id": db.session.scalar(select(Membership.id).where(Membership.user_id == member.id)),
        "user_id": member.id,
        "slug": cohort.version.slug,
        "version_id": cohort.version_id,
        "learning_set_id": cohort.version.learning_set_id,
        "draft_id": draft.id,
        "draft_module_id": draft.modules[0].id,
        "cohort_id": cohort.id,
        "session_id": session.id,
        "enrolment_id": enrolment.id,
        "programme_id": programme.id,
        "mentor_id": users["mentor"].id,
        "mentoring_session_id": group.id,
        "feed_token": mentoring.feed_token(member),
        "certificate_id": certificate.id,
        "certificate_code": certificate.code,
        "cpd_activity_id": activity.id,
    }
    return users, ids


def _row_count() -> int:
    return sum(db.session.scalar(select(func.count()).select_from(table)) for table in db.metadata.sorted_tables)


@pytest.mark.parametrize("endpoint, method, role", CASES)
def test_route_answers_each_role_as_declared(client, auth, world, endpoint, method, role):
    users, ids = world
    url_template, data, expected = MATRIX[(endpoint, method)]
    if role != "anonymous":
        assert auth.login(users[role].email).status_code == 302
    rows_before = _row_count()

    if data:
        data = {key: [v.format(**ids) for v in value] if isinstance(value, list) else value.format(**ids)
                for key, value in data.items()}
    response = client.open(url_template.format(**ids), method=method, data=data)

    assert response.status_code == expected[role], response.get_data(as_text=True)[:500]
    if method == "GET":
        assert _row_count() == rows_before, "a GET request changed the database"
    if response.status_code in (403, 404):
        assert _row_count() == rows_before
