import re
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select

from learnhub.auth import services
from learnhub.auth.models import Invitation
from learnhub.auth.tokens import new_token, token_hash
from learnhub.errors import NotFound
from learnhub.extensions import db
from learnhub.people.models import Membership, MembershipRole
from learnhub.timeutil import utcnow
from tests.factories import OrganisationFactory, UserFactory, member_of
from tests.parallel import post_at_once, signed_in

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


def _invitation(organisation, email: str) -> tuple[Invitation, str]:
    token = new_token()
    invitation = Invitation(organisation_id=organisation.id, email=email, token_hash=token_hash(token),
                            expires_at=utcnow() + timedelta(days=7))
    db.session.add(invitation)
    return invitation, token


def test_invitation_withdrawn_while_being_accepted_is_refused_cleanly(app):
    organisation = OrganisationFactory()
    invitee = UserFactory(email="nova@example.org")
    _invitation_row, token = _invitation(organisation, "nova@example.org")
    db.session.commit()
    invitation = services.pending_invitation(token)  # the acceptance has read the invitation...
    with db.engine.begin() as admins_request:  # ...when the organisation admin's withdrawal commits
        admins_request.execute(delete(Invitation))
    with pytest.raises(NotFound):
        services.accept_invitation(invitation, invitee)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Membership)) == 0


def test_accepting_and_withdrawing_at_once_do_one_or_the_other(parallel_app):
    organisation = OrganisationFactory()
    member_of(organisation, MembershipRole.ORG_ADMIN, email="boss@example.org")
    invitees = [UserFactory() for _ in range(4)]
    invitations = [_invitation(organisation, invitee.email) for invitee in invitees]
    db.session.commit()
    boss = signed_in(parallel_app, "boss@example.org")
    posts = [post for invitee, (invitation, token) in zip(invitees, invitations)
             for post in ((signed_in(parallel_app, invitee.email), f"/auth/invitation/{token}", None),
                          (boss, f"/organisations/{organisation.id}/invitations/{invitation.id}/revoke", None))]
    statuses = post_at_once(posts)
    # Each pair: accepted (the withdrawal finds nothing to withdraw) or withdrawn (the link is dead).
    assert sorted(statuses) == [302] * 4 + [404] * 4
    members = set(db.session.scalars(select(Membership.user_id).where(Membership.role == MembershipRole.MEMBER)))
    accepted = set(db.session.scalars(select(Invitation.email).where(Invitation.accepted_at.is_not(None))))
    assert {invitee.email for invitee in invitees if invitee.id in members} == accepted
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == len(accepted)
