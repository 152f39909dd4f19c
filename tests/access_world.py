"""Organisation A's world for the access-matrix tests, and how one case is checked."""

from datetime import timedelta

from sqlalchemy import func, select

from learnhub.auth.models import Invitation
from learnhub.certification.issuer import signing_key
from learnhub.certification.models import CpdActivity
from learnhub.curriculum.services import start_new_draft
from learnhub.extensions import db
from learnhub.mentoring import feeds
from learnhub.mentoring.models import MentoringSession, SessionKind, SessionParticipant
from learnhub.people.models import Membership, MembershipRole, Role
from learnhub.privacy.models import ErasureRequest
from learnhub.timeutil import utcnow
from tests.access_matrix import MATRIX
from tests.factories import (
    PASSWORD,
    CohortFactory,
    CohortSessionFactory,
    EnrolmentFactory,
    OrganisationFactory,
    ProgrammeFactory,
    UserFactory,
    certificate_for,
    member_of,
)


def build_world() -> tuple[dict[str, str], dict]:
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
    starts_at = utcnow() + timedelta(days=3)
    group = MentoringSession(  # built directly: the invitations it would mail are not under test here
        programme_id=programme.id, mentor_id=users["mentor"].id, kind=SessionKind.GROUP, starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1), place="Sala", capacity=10,
        participants=[SessionParticipant(user_id=u.id) for u in (users["org_admin"], member)])
    db.session.add(group)
    certificate = certificate_for(EnrolmentFactory(user=member))
    activity = CpdActivity(user_id=member.id, title="Conference", points=5, completed_on=utcnow().date())
    db.session.add(activity)
    invitation = Invitation(organisation_id=organisation_a.id, email="pending@example.org", token_hash="0" * 64,
                            expires_at=utcnow() + timedelta(days=3))
    db.session.add(invitation)
    erasure = ErasureRequest(user_id=member.id)
    db.session.add(erasure)
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
        "feed_token": feeds.feed_token(member),
        "certificate_id": certificate.id,
        "certificate_code": certificate.code,
        "signing_key_id": signing_key().key_id,
        "cpd_activity_id": activity.id,
        "erasure_request_id": erasure.id,
    }
    return {role: user.email for role, user in users.items()}, ids


def matrix_request(endpoint: str, method: str, ids: dict) -> tuple[str, dict]:
    """The route's URL and form data from the matrix, naming the world's objects."""
    url_template, data, _expected = MATRIX[(endpoint, method)]
    data = {key: [v.format(**ids) for v in value] if isinstance(value, list) else value.format(**ids)
            for key, value in (data or {}).items()}
    return url_template.format(**ids), data


def check_case(client, emails: dict[str, str], ids: dict, endpoint: str, method: str, role: str) -> None:
    """Sign in as `role`, call the route with A's ids and compare with the matrix; refusals write nothing."""
    expected = MATRIX[(endpoint, method)][2]
    if role != "anonymous":
        response = client.post("/auth/login", data={"email": emails[role], "password": PASSWORD})
        assert response.status_code == 302
    rows_before = row_count()

    url, data = matrix_request(endpoint, method, ids)
    response = client.open(url, method=method, data=data or None)

    assert response.status_code == expected[role], response.get_data(as_text=True)[:500]
    assert response.headers.get("Content-Type", "").count("charset") <= 1, response.headers["Content-Type"]
    if method == "GET":
        assert row_count() == rows_before, "a GET request changed the database"
    if response.status_code in (403, 404):
        assert row_count() == rows_before


def row_count() -> int:
    return sum(db.session.scalar(select(func.count()).select_from(table)) for table in db.metadata.sorted_tables)
