from datetime import timedelta

import pytest
from flask_babel import lazy_gettext
from sqlalchemy import select

from learnhub.errors import InvalidInput
from learnhub.extensions import db
from learnhub.mail.models import OutboxMessage
from learnhub.mail.services import queue_email, retry_delay, send_pending
from learnhub.timeutil import utcnow
from tests.i18n import translated


def _queue(address="ana@example.org", language="en"):
    queue_email(address, language, "email_taken", lazy_gettext("Your LearnHub e-mail change"))
    db.session.commit()


def test_queued_mail_arrives_over_smtp_as_text_and_html(app, smtp_sink):
    _queue()
    assert send_pending() == (1, 0)
    [message] = smtp_sink.to("ana@example.org")
    assert message["Subject"] == "Your LearnHub e-mail change"
    assert message.get_body(("plain",)) and message.get_body(("html",))
    assert db.session.scalar(select(OutboxMessage)).sent_at is not None
    assert send_pending() == (0, 0)  # sent once only


def test_mail_is_rendered_in_the_recipient_language(app, smtp_sink):
    _queue(language="sr_Cyrl")
    send_pending()
    [message] = smtp_sink.to("ana@example.org")
    assert message["Subject"] == translated("sr_Cyrl", "Your LearnHub e-mail change")


def test_failed_delivery_is_kept_and_retried_with_back_off(make_app, smtp_sink):
    app = make_app(MAIL_PORT=1)  # nothing listens there
    with app.app_context():
        _queue()
        assert send_pending() == (0, 1)
        row = db.session.scalar(select(OutboxMessage))
        assert row.attempts == 1 and row.sent_at is None and row.last_error
        assert row.next_attempt_at > utcnow()
        assert send_pending() == (0, 0)  # not due yet

        app.config["MAIL_PORT"] = smtp_sink.port
        row.next_attempt_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        assert send_pending() == (1, 0)
    assert len(smtp_sink.to("ana@example.org")) == 1


def test_retry_delays_grow_and_are_capped():
    assert [retry_delay(n) for n in (1, 2, 3)] == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    assert retry_delay(30) == timedelta(hours=6)


def test_no_mail_leaves_when_the_transaction_rolls_back(app, smtp_sink):
    queue_email("ana@example.org", "en", "email_taken", lazy_gettext("Your LearnHub e-mail change"))
    db.session.rollback()
    assert send_pending() == (0, 0)
    assert smtp_sink.messages == []


def test_line_breaks_cannot_inject_headers(app, smtp_sink):
    queue_email("ana@example.org\r\nBcc: victim@example.org", "en", "email_taken", "Hello\r\nBcc: victim@example.org")
    db.session.commit()
    send_pending()
    assert all(m["Bcc"] is None for m in smtp_sink.messages)
    assert smtp_sink.to("victim@example.org") == []


def test_mail_send_pending_command(app, runner, smtp_sink):
    _queue()
    result = runner.invoke(args=["mail", "send-pending"])
    assert "sent 1, failed 0" in result.output


def test_bad_address_in_a_service_is_an_input_error(app):
    from learnhub.auth.services import normalise_email

    with pytest.raises(InvalidInput):
        normalise_email("ana@")
