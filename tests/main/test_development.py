"""What a developer running `make run` sees: mail in the terminal and one line per request."""

import logging

from flask_babel import lazy_gettext

from learnhub.extensions import db
from learnhub.mail.services import queue_email, send_pending
from learnhub.observability import logger as request_logger


def test_mail_printed_in_development_shows_to_and_subject(make_app, caplog):
    app = make_app(MAIL_SERVER="")
    with app.app_context():
        queue_email("ana@example.org", "en", "email_taken", lazy_gettext("Your LearnHub e-mail change"))
        db.session.commit()
        with caplog.at_level(logging.WARNING):
            send_pending()
    printed = caplog.text
    assert "To: ana@example.org" in printed
    assert "Subject: Your LearnHub e-mail change" in printed


def test_development_logs_one_readable_line_per_request(make_app, caplog):
    app = make_app(ENV_NAME="development")
    request_logger.addHandler(caplog.handler)
    try:
        with app.app_context(), caplog.at_level(logging.INFO):
            app.test_client().get("/healthz")
    finally:
        request_logger.removeHandler(caplog.handler)
    [line] = [r.getMessage() for r in caplog.records if r.name == request_logger.name]
    assert line.startswith("GET /healthz 200 ") and "ms" in line and "{" not in line
    # The development server's own access line says the same again: it is left out.
    access = logging.LogRecord("werkzeug", logging.INFO, __file__, 1,
                               '127.0.0.1 - - [27/Dec/2026 09:00:00] "GET /healthz HTTP/1.1" 200 -', None, None)
    startup = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, " * Running on http://127.0.0.1:5000", None, None)
    werkzeug = logging.getLogger("werkzeug")
    assert not werkzeug.filter(access) and werkzeug.filter(startup)
