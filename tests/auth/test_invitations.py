import re

from sqlalchemy import select

from learnhub.extensions import db
from learnhub.people.models import Membership, MembershipRole
from tests.factories import OrganisationFactory, UserFactory, member_of

GOOD_PASSWORD = "river lantern orchard 42"


def _invitation_link(smtp_sink, address):
    [message] = smtp_sink.to(address)
    return re.search(r"http://localhost(/auth/invitation/\S+)", smtp_sink.text_of(message)).group(1)


def test_org_admin_invites_a_new_person_who_joins_with_a_new_account(client, auth, smtp_sink):
    organisation = OrganisationFactory(name="Dnevni boravak Ruma")
    member_of(organisation, MembershipRole.ORG_ADMIN, email="boss@example.org", preferred_language="sr_Latn")
    auth.login("boss@example.org")
    response = client.post(f"/organisations/{organisation.id}/invitations",
                           data={"email": "Nova@Example.org", "role": "member"})
    assert response.status_code == 302
    auth.logout()

    link = _invitation_link(smtp_sink, "nova@example.org")
    assert "Dnevni boravak Ruma" in client.get(link).get_data(as_text=True)
    response = client.post(link, data={"display_name": "Nova Osoba", "password": GOOD_PASSWORD,
                                       "language": "sr_Latn", "time_zone": "Europe/Belgrade"})
    assert response.status_code == 302
    membership = db.session.scalar(select(Membership).where(Membership.organisation_id == organisation.id,
                                                            Membership.role == MembershipRole.MEMBER))
    assert membership.user.email == "nova@example.org"
    # used once: the link no longer works
    assert client.get(link).status_code == 404


def test_existing_user_logs_in_then_accepts(client, auth, smtp_sink):
    organisation = OrganisationFactory()
    member_of(organisation, MembershipRole.ORG_ADMIN, email="boss@example.org")
    existing = UserFactory(email="existing@example.org")
    auth.login("boss@example.org")
    client.post(f"/organisations/{organisation.id}/invitations", data={"email": "existing@example.org",
                                                                        "role": "org_admin"})
    auth.logout()
    link = _invitation_link(smtp_sink, "existing@example.org")
    assert "/auth/login" in client.get(link).location
    auth.login("existing@example.org")
    assert client.post(link).status_code == 302
    membership = db.session.scalar(select(Membership).where(Membership.organisation_id == organisation.id,
                                                            Membership.user_id == existing.id))
    assert membership.role == MembershipRole.ORG_ADMIN


def test_invitation_for_someone_else_cannot_be_accepted(client, auth, smtp_sink):
    organisation = OrganisationFactory()
    member_of(organisation, MembershipRole.ORG_ADMIN, email="boss@example.org")
    UserFactory(email="invited@example.org")
    UserFactory(email="intruder@example.org")
    auth.login("boss@example.org")
    client.post(f"/organisations/{organisation.id}/invitations", data={"email": "invited@example.org",
                                                                        "role": "member"})
    auth.logout()
    auth.login("intruder@example.org")
    response = client.post(_invitation_link(smtp_sink, "invited@example.org"))
    assert response.status_code == 400
    assert db.session.scalar(select(Membership).join(Membership.user)
                             .where(Membership.organisation_id == organisation.id,
                                    Membership.role == MembershipRole.MEMBER)) is None


def test_withdrawn_invitation_link_is_dead(client, auth, smtp_sink):
    organisation = OrganisationFactory()
    member_of(organisation, MembershipRole.ORG_ADMIN, email="boss@example.org")
    auth.login("boss@example.org")
    client.post(f"/organisations/{organisation.id}/invitations", data={"email": "nova@example.org", "role": "member"})
    page = client.get(f"/organisations/{organisation.id}/members").get_data(as_text=True)
    revoke = re.search(r'action="(/organisations/\d+/invitations/\d+/revoke)"', page).group(1)
    assert client.post(revoke).status_code == 302
    auth.logout()
    assert client.get(_invitation_link(smtp_sink, "nova@example.org")).status_code == 404


def test_inviting_a_current_member_is_a_conflict(client, auth, smtp_sink):
    organisation = OrganisationFactory()
    member_of(organisation, MembershipRole.ORG_ADMIN, email="boss@example.org")
    member_of(organisation, email="already@example.org")
    auth.login("boss@example.org")
    response = client.post(f"/organisations/{organisation.id}/invitations",
                           data={"email": "already@example.org", "role": "member"})
    assert response.status_code == 409
    assert "already a member" in response.get_data(as_text=True)
    assert smtp_sink.to("already@example.org") == []
