from sqlalchemy import func, select

from learnhub.extensions import db
from learnhub.people.models import Membership, MembershipRole, Organisation, Role
from tests.factories import MunicipalityFactory, OrganisationFactory, UserFactory, member_of
from tests.parallel import post_at_once, signed_in


def test_org_admin_sees_own_members_with_roles(client, auth):
    organisation = OrganisationFactory(name="Pomoć u kući Šid")
    member_of(organisation, MembershipRole.ORG_ADMIN, email="boss@example.org")
    member_of(organisation, display_name="Marko Marić")
    member_of(OrganisationFactory(), display_name="Someone Elsewhere")
    auth.login("boss@example.org")
    page = client.get(f"/organisations/{organisation.id}/members").get_data(as_text=True)
    assert "Marko Marić" in page and "Someone Elsewhere" not in page


def test_org_admin_removes_a_member_but_not_themself(client, auth):
    organisation = OrganisationFactory()
    boss = member_of(organisation, MembershipRole.ORG_ADMIN, email="boss@example.org")
    leaver = member_of(organisation)
    auth.login("boss@example.org")
    leaver_membership = db.session.scalar(select(Membership).where(Membership.user_id == leaver.id))
    own_membership = db.session.scalar(select(Membership).where(Membership.user_id == boss.id))

    assert client.post(f"/organisations/{organisation.id}/members/{leaver_membership.id}/remove").status_code == 302
    assert client.post(f"/organisations/{organisation.id}/members/{own_membership.id}/remove").status_code == 400
    remaining = db.session.scalars(select(Membership.user_id).where(Membership.organisation_id == organisation.id))
    assert list(remaining) == [boss.id]


def test_membership_of_another_organisation_cannot_be_removed_through_mine(client, auth):
    mine, theirs = OrganisationFactory(), OrganisationFactory()
    member_of(mine, MembershipRole.ORG_ADMIN, email="boss@example.org")
    foreign = member_of(theirs)
    foreign_membership = db.session.scalar(select(Membership).where(Membership.user_id == foreign.id))
    auth.login("boss@example.org")
    assert client.post(f"/organisations/{mine.id}/members/{foreign_membership.id}/remove").status_code == 404
    assert client.post(f"/organisations/{theirs.id}/members/{foreign_membership.id}/remove").status_code == 404
    assert db.session.get(Membership, foreign_membership.id) is not None


def test_institute_admin_creates_an_organisation(client, auth):
    UserFactory(email="admin@example.org", roles=[Role.INSTITUTE_ADMIN])
    ruma = MunicipalityFactory(name="Ruma")
    auth.login("admin@example.org")
    response = client.post("/admin/organisations/new", data={
        "name": "Dnevni boravak Ruma", "municipality_id": str(ruma.id),
        "service_types": ["day_care_children_disabilities", "home_help"]})
    assert response.status_code == 302
    organisation = db.session.scalar(select(Organisation).where(Organisation.name == "Dnevni boravak Ruma"))
    assert [s.value for s in organisation.service_types] == ["day_care_children_disabilities", "home_help"]


def test_organisation_needs_a_known_municipality_and_service(client, auth):
    UserFactory(email="admin@example.org", roles=[Role.INSTITUTE_ADMIN])
    auth.login("admin@example.org")
    for data in ({"name": "X", "municipality_id": "999", "service_types": ["home_help"]},
                 {"name": "X", "municipality_id": "abc", "service_types": ["home_help"]},
                 {"name": "X", "municipality_id": str(MunicipalityFactory().id), "service_types": ["spaceship"]},
                 {"name": "X", "municipality_id": str(MunicipalityFactory().id)}):
        assert client.post("/admin/organisations/new", data=data).status_code == 400
    assert db.session.scalar(select(Organisation)) is None


def test_institute_admin_searches_organisations_by_municipality(client, auth):
    UserFactory(email="admin@example.org", roles=[Role.INSTITUTE_ADMIN])
    OrganisationFactory(name="Centar Loznica", municipality=MunicipalityFactory(name="Loznica"))
    OrganisationFactory(name="Centar Vrbas", municipality=MunicipalityFactory(name="Vrbas"))
    auth.login("admin@example.org")
    page = client.get("/admin/organisations?q=lozn").get_data(as_text=True)
    assert "Centar Loznica" in page and "Centar Vrbas" not in page


def test_institute_admin_may_remove_an_organisations_last_admin(client, auth):
    organisation = OrganisationFactory()
    boss = member_of(organisation, MembershipRole.ORG_ADMIN)
    UserFactory(email="admin@example.org", roles=[Role.INSTITUTE_ADMIN])
    membership = db.session.scalar(select(Membership).where(Membership.user_id == boss.id))
    auth.login("admin@example.org")
    assert client.post(f"/organisations/{organisation.id}/members/{membership.id}/remove").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Membership)) == 0


def test_two_org_admins_removing_each_other_leave_one(parallel_app):
    organisation = OrganisationFactory()
    bosses = [member_of(organisation, MembershipRole.ORG_ADMIN) for _ in range(2)]
    db.session.commit()
    memberships = {m.user_id: m.id for m in db.session.scalars(select(Membership))}
    url = f"/organisations/{organisation.id}/members/%d/remove"
    posts = [(signed_in(parallel_app, boss.email), url % memberships[other.id], None)
             for boss, other in zip(bosses, reversed(bosses))]
    # The second is refused: 409 if it was already under way, 404 (no longer theirs to manage) if it
    # began after the first finished.
    assert sorted(post_at_once(posts)) in ([302, 404], [302, 409])
    assert db.session.scalar(select(func.count()).select_from(Membership)) == 1
