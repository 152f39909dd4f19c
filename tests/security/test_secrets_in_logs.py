"""No secret reaches the logs: the secret key, passwords, e-mailed tokens, the session cookie and
private calendar addresses never appear in any log record, whatever the level."""

import logging
import re
import secrets

import pytest

from learnhub.extensions import db
from learnhub.mentoring.feeds import feed_token
from learnhub.people.models import MembershipRole
from tests.factories import EnrolmentFactory, OrganisationFactory, UserFactory, certificate_for, member_of

NEW_PASSWORD = "river lantern orchard 42"
# The test's own SMTP server (aiosmtpd) logs the mail it receives; it is not part of LearnHub.
NOT_OURS = ("mail.log", "asyncio")


class RecordKeeper(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(NOT_OURS):
            return
        text = record.getMessage()
        if record.exc_info:
            text += logging.Formatter().formatException(record.exc_info)
        self.lines.append(f"{record.name}: {text}")


@pytest.fixture
def every_log_record():
    """Every record of every logger at DEBUG: the root's and those of loggers that do not propagate."""
    keeper = RecordKeeper()
    loggers = [logging.getLogger()] + [logger for logger in logging.Logger.manager.loggerDict.values()
                                       if isinstance(logger, logging.Logger) and not logger.propagate]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(keeper)
        logger.setLevel(logging.DEBUG)
    yield keeper.lines
    for logger, level in zip(loggers, levels):
        logger.removeHandler(keeper)
        logger.setLevel(level)


@pytest.fixture
def secret_app(make_app):
    app = make_app(SECRET_KEY=secrets.token_urlsafe(32), MAIL_PASSWORD=secrets.token_urlsafe(16))
    with app.app_context():
        yield app


def _link(smtp_sink, address: str, path: str) -> str:
    [message] = smtp_sink.to(address)
    return re.search(rf"http://localhost({path}/[^\s\"<]+)", smtp_sink.text_of(message)).group(1)


def test_no_secret_or_token_is_ever_logged(secret_app, smtp_sink, every_log_record):
    client = secret_app.test_client()
    organisation = OrganisationFactory()
    admin = member_of(organisation, MembershipRole.ORG_ADMIN, email="boss@example.org")
    certificate = certificate_for(EnrolmentFactory(user=admin))
    UserFactory(email="forgetful@example.org")
    db.session.commit()
    secrets_seen = {"secret key": secret_app.config["SECRET_KEY"], "mail password": secret_app.config["MAIL_PASSWORD"],
                    "password": "correct horse battery staple", "new password": NEW_PASSWORD,
                    "wrong password": "Wrong-Password-Typed-1"}

    # Signing in, with a wrong password first.
    assert client.post("/auth/login", data={"email": "boss@example.org",
                                            "password": secrets_seen["wrong password"]}).status_code == 400
    assert client.post("/auth/login", data={"email": "boss@example.org",
                                            "password": secrets_seen["password"]}).status_code == 302
    secrets_seen["session cookie"] = client.get_cookie("session").value

    # An invitation, accepted by a new person.
    assert client.post(f"/organisations/{organisation.id}/invitations",
                       data={"email": "new@example.org", "role": "member"}).status_code == 302
    # The private calendar address, used by a calendar application.
    secrets_seen["calendar token"] = feed_token(admin)
    assert client.get(f"/calendar/{secrets_seen['calendar token']}.ics").status_code == 200
    assert client.get("/account/calendar").status_code == 200
    assert client.get(f"/verify/{certificate.code}").status_code == 200
    secrets_seen["certificate code"] = certificate.code
    client.post("/auth/logout")

    invitation = _link(smtp_sink, "new@example.org", "/auth/invitation")
    secrets_seen["invitation token"] = invitation.rsplit("/", 1)[1]
    assert client.get(invitation).status_code == 200
    assert client.post(invitation, data={"display_name": "Nova Osoba", "password": NEW_PASSWORD, "language": "en",
                                         "time_zone": "Europe/Belgrade"}).status_code == 302
    client.post("/auth/logout")

    # A password reset.
    assert client.post("/auth/reset", data={"email": "forgetful@example.org"}).status_code == 200
    reset = _link(smtp_sink, "forgetful@example.org", "/auth/reset")
    secrets_seen["reset token"] = reset.rsplit("/", 1)[1]
    assert client.get(reset).status_code == 200
    assert client.post(reset, data={"password": NEW_PASSWORD}).status_code == 302

    # A sign-up.
    assert client.post("/auth/register", data={"email": "fresh@example.org"}).status_code == 200
    signup = _link(smtp_sink, "fresh@example.org", "/auth/register")
    secrets_seen["sign-up token"] = signup.rsplit("/", 1)[1]
    assert client.post(signup, data={"display_name": "Fresh", "password": NEW_PASSWORD, "language": "en",
                                     "time_zone": "Europe/Belgrade"}).status_code == 302

    assert len(every_log_record) >= 10, "the flow should have logged (one line per request at least)"
    leaks = [(name, line) for line in every_log_record for name, value in secrets_seen.items() if value in line]
    assert leaks == []
