import re

import pytest
from sqlalchemy import func, select

from learnhub.auth.services import create_user
from learnhub.errors import Conflict
from learnhub.extensions import db
from learnhub.people.models import Role, User
from tests.factories import UserFactory

GOOD_PASSWORD = "river lantern orchard 42"


def _link(smtp_sink, address: str) -> str:
    [message] = smtp_sink.to(address)
    return re.search(r"http://localhost(/\S+)", smtp_sink.text_of(message)).group(1)


def test_sign_up_by_e_mail_link_creates_a_professional_and_logs_in(client, smtp_sink):
    response = client.post("/auth/register", data={"email": "Ana.Nova@Example.org"})
    assert response.status_code == 200
    link = _link(smtp_sink, "ana.nova@example.org")

    response = client.post(link, data={"display_name": "Ana Nova", "password": GOOD_PASSWORD,
                                       "language": "bs", "time_zone": "Europe/Sarajevo"})
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "ana.nova@example.org"))
    assert user.role_set == {Role.PROFESSIONAL}
    assert (user.preferred_language, user.time_zone) == ("bs", "Europe/Sarajevo")
    assert client.get("/dashboard").status_code == 200


def _page_without_tokens(response, address: str) -> str:
    html = response.get_data(as_text=True).replace(address, "ADDRESS")
    # Form tokens carry the second they were made in: two requests may straddle one.
    return re.sub(r'name="csrf_token" value="[^"]*"|"X-CSRFToken": "[^"]*"', "", html)


def test_register_answers_the_same_for_known_and_unknown_addresses(client, smtp_sink):
    UserFactory(email="known@example.org")
    known = client.post("/auth/register", data={"email": "known@example.org"})
    unknown = client.post("/auth/register", data={"email": "unknown@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert _page_without_tokens(known, "known@example.org") == _page_without_tokens(unknown, "unknown@example.org")
    # The owner of the known address is told the account exists instead of getting a sign-up link.
    [owner_mail] = smtp_sink.to("known@example.org")
    assert "already have one" in smtp_sink.text_of(owner_mail)
    assert "/auth/register/" not in smtp_sink.text_of(owner_mail)


def test_e_mail_is_unique_whatever_the_case(client, smtp_sink):
    UserFactory(email="mira@example.org")
    with pytest.raises(Conflict):
        create_user("MIRA@Example.ORG", "Mira", GOOD_PASSWORD)
    client.post("/auth/register", data={"email": "MIRA@EXAMPLE.ORG"})
    [mail] = smtp_sink.to("mira@example.org")
    assert "already have one" in smtp_sink.text_of(mail)
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_tampered_sign_up_link_is_refused(client):
    response = client.get("/auth/register/not-a-valid-token")
    assert response.status_code == 400
    assert "invalid or has expired" in response.get_data(as_text=True)


def test_invalid_e_mail_is_refused_with_a_message(client, smtp_sink):
    response = client.post("/auth/register", data={"email": "not an address"})
    assert response.status_code == 400
    assert "valid e-mail address" in response.get_data(as_text=True)
    assert smtp_sink.messages == []


def test_weak_password_keeps_the_form_and_creates_nothing(client, smtp_sink):
    client.post("/auth/register", data={"email": "weak@example.org"})
    link = _link(smtp_sink, "weak@example.org")
    response = client.post(link, data={"display_name": "Weak", "password": "password1234",
                                       "language": "en", "time_zone": "Europe/Belgrade"})
    assert response.status_code == 400
    assert "too common" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
