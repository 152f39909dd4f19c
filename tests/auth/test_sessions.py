import re

from sqlalchemy import func, select

from learnhub.auth.models import LoginSession
from learnhub.extensions import db
from learnhub.people.models import MembershipRole
from tests.factories import PASSWORD, OrganisationFactory, UserFactory, member_of

NEW_PASSWORD = "meadow copper violin 9"


def test_login_with_unknown_e_mail_or_wrong_password_answers_the_same(client, auth):
    UserFactory(email="known@example.org")
    wrong_password = auth.login("known@example.org", "not the password at all")
    unknown = auth.login("nobody@example.org", "not the password at all")
    assert wrong_password.status_code == unknown.status_code == 400
    message = "The e-mail address or password is not correct."
    assert message in wrong_password.get_data(as_text=True) and message in unknown.get_data(as_text=True)


def test_login_is_case_insensitive_and_opens_a_new_session(client, auth):
    UserFactory(email="mira@example.org")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    response = auth.login("Mira@Example.org")
    assert response.status_code == 302 and response.location == "/dashboard"
    assert db.session.scalar(select(func.count()).select_from(LoginSession)) == 1


def test_login_redirects_only_to_local_pages(client, auth):
    UserFactory(email="mira@example.org")
    response = client.post("/auth/login?next=https://evil.example/", data={"email": "mira@example.org",
                                                                           "password": PASSWORD})
    assert response.location == "/dashboard"
    auth.logout()
    response = client.post("/auth/login?next=/account", data={"email": "mira@example.org", "password": PASSWORD})
    assert response.location == "/account"


def test_a_replayed_cookie_is_refused_after_logout(app, client, auth):
    UserFactory(email="mira@example.org")
    auth.login("mira@example.org")
    stolen = client.get_cookie("session").value
    auth.logout()

    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/dashboard")
    assert response.status_code == 302 and "/auth/login" in response.location


def test_password_change_signs_out_other_browsers_but_keeps_this_one(app, client, auth):
    UserFactory(email="mira@example.org")
    other_browser = app.test_client()
    other_browser.post("/auth/login", data={"email": "mira@example.org", "password": PASSWORD})
    auth.login("mira@example.org")

    response = client.post("/account/password", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200
    assert other_browser.get("/dashboard").status_code == 302
    auth.logout()
    assert auth.login("mira@example.org", NEW_PASSWORD).status_code == 302


def test_password_change_needs_the_current_password(client, auth):
    UserFactory(email="mira@example.org")
    auth.login("mira@example.org")
    response = client.post("/account/password", data={"current_password": "wrong guess here",
                                                       "new_password": NEW_PASSWORD})
    assert response.status_code == 400
    assert "current password is not correct" in response.get_data(as_text=True)
    auth.logout()
    assert auth.login("mira@example.org").status_code == 302


def test_login_is_rate_limited_with_a_translated_429(make_app):
    app = make_app(LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    for _ in range(3):
        assert client.post("/auth/login", data={"email": "x@example.org", "password": "whatever it is"}).status_code == 400
    response = client.post("/auth/login", data={"email": "x@example.org", "password": "whatever it is"},
                           headers={"Accept-Language": "bs"})
    assert response.status_code == 429
    from tests.i18n import translated

    with app.app_context():
        assert translated("bs", "Too many attempts. Please wait a minute and try again.") in response.get_data(as_text=True)


def test_password_reset_requests_are_rate_limited(make_app):
    client = make_app(MAIL_RATE_LIMIT="2 per minute").test_client()
    statuses = [client.post("/auth/reset", data={"email": "x@example.org"}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_every_form_that_checks_a_password_counts_against_one_limit(make_app):
    """Someone holding a stolen session cookie cannot guess the password through the account forms."""
    app = make_app(LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    with app.app_context():
        UserFactory(email="mira@example.org")
        db.session.commit()
    assert client.post("/auth/login", data={"email": "mira@example.org", "password": PASSWORD}).status_code == 302
    wrong = {"current_password": "a guess, and wrong", "new_password": NEW_PASSWORD, "new_email": "x@example.org"}
    assert client.post("/account/password", data=wrong).status_code == 400
    assert client.post("/account/email", data=wrong).status_code == 400
    assert [client.post(url, data=wrong).status_code
            for url in ("/account/password", "/account/email", "/account/erasure", "/auth/login")] == [429] * 4


def test_every_form_that_mails_a_typed_address_counts_against_one_limit(make_app, smtp_sink):
    """Nobody can make LearnHub send more than a few e-mails a minute to addresses they type."""
    app = make_app(MAIL_RATE_LIMIT="2 per minute")
    client = app.test_client()
    with app.app_context():
        organisation = OrganisationFactory()
        member_of(organisation, MembershipRole.ORG_ADMIN, email="boss@example.org")
        db.session.commit()
        url = f"/organisations/{organisation.id}/invitations"
    client.post("/auth/login", data={"email": "boss@example.org", "password": PASSWORD})
    statuses = [client.post(url, data={"email": f"person{n}@example.org", "role": "member"}).status_code
                for n in range(3)]
    assert statuses == [302, 302, 429]
    assert client.post("/auth/reset", data={"email": "boss@example.org"}).status_code == 429
    assert client.post("/account/email", data={"current_password": PASSWORD,
                                               "new_email": "new@example.org"}).status_code == 429
    assert smtp_sink.to("person2@example.org") == [] and smtp_sink.to("new@example.org") == []


def _reset_link(smtp_sink, address):
    [message] = smtp_sink.to(address)
    return re.search(r"http://localhost(/auth/reset/\S+)", smtp_sink.text_of(message)).group(1)


def test_password_reset_by_e_mailed_link_works_once(client, auth, smtp_sink):
    UserFactory(email="mira@example.org")
    assert client.post("/auth/reset", data={"email": "mira@example.org"}).status_code == 200
    link = _reset_link(smtp_sink, "mira@example.org")

    assert client.post(link, data={"password": NEW_PASSWORD}).status_code == 302
    assert auth.login("mira@example.org", NEW_PASSWORD).status_code == 302
    auth.logout()
    # The same link cannot be used again.
    response = client.post(link, data={"password": "another fine passphrase 7"})
    assert response.status_code == 400
    assert auth.login("mira@example.org", NEW_PASSWORD).status_code == 302


def test_password_reset_link_expires(make_app, smtp_sink):
    app = make_app(RESET_TOKEN_MAX_AGE=-1)
    with app.app_context():
        UserFactory(email="mira@example.org")
        client = app.test_client()
        client.post("/auth/reset", data={"email": "mira@example.org"})
        assert client.get(_reset_link(smtp_sink, "mira@example.org")).status_code == 400


def test_reset_answers_the_same_for_unknown_addresses_and_sends_nothing(client, smtp_sink):
    UserFactory(email="known@example.org")
    known = client.post("/auth/reset", data={"email": "known@example.org"})
    unknown = client.post("/auth/reset", data={"email": "unknown@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert len(smtp_sink.to("known@example.org")) == 1
    assert smtp_sink.to("unknown@example.org") == []


def test_e_mail_change_needs_password_and_confirmation_from_the_new_address(client, auth, smtp_sink):
    UserFactory(email="mira@example.org")
    auth.login("mira@example.org")
    assert client.post("/account/email", data={"current_password": "wrong guess here",
                                               "new_email": "new@example.org"}).status_code == 400
    assert smtp_sink.to("new@example.org") == []

    assert client.post("/account/email", data={"current_password": PASSWORD,
                                               "new_email": "New@Example.org"}).status_code == 302
    [mail] = smtp_sink.to("new@example.org")
    link = re.search(r"http://localhost(/account/email/\S+)", smtp_sink.text_of(mail)).group(1)
    assert client.get(link).status_code == 200  # a GET changes nothing
    assert client.post(link).status_code == 302
    auth.logout()
    assert auth.login("new@example.org").status_code == 302
    assert len(smtp_sink.to("mira@example.org")) == 1  # the old address is told


def test_welcome_back_is_in_the_signed_in_persons_language_and_script(client):
    from tests.factories import PASSWORD, UserFactory

    UserFactory(email="mira@example.org", display_name="Mira Đukić", preferred_language="sr_Cyrl")
    client.set_cookie("lang", "en")  # the login page was read in English
    response = client.post("/auth/login", data={"email": "mira@example.org", "password": PASSWORD},
                           follow_redirects=True)
    assert "Добро дошли поново, Мира Ђукић." in response.get_data(as_text=True)
