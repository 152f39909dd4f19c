import smtplib
from datetime import UTC, date, datetime, timedelta

import pytest
from flask_babel import lazy_gettext
from sqlalchemy import select

from learnhub.errors import InvalidInput
from learnhub.extensions import db
from learnhub.mail.models import OutboxMessage
from learnhub import ical
from learnhub.mail.services import queue_email, retry_delay, send_pending
from learnhub.timeutil import utcnow
from tests.factories import UserFactory
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
        assert row.text_body  # rendered once; the retry sends the same words
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


def _enrolment_update(**changes):
    values = dict(name="Ana", status="enrolled", reason="", position=None,
                  cohort={"id": 7, "name": "Recovery, Novi Sad", "starts_on": date(2027, 3, 1),
                          "ends_on": date(2027, 3, 5)})
    queue_email("ana@example.org", "en", "enrolment_update", "You have a place", **(values | changes))


def test_the_request_queues_what_to_send_and_the_worker_renders_it(app, smtp_sink):
    _enrolment_update()
    db.session.commit()
    row = db.session.scalar(select(OutboxMessage))
    assert row.template == "enrolment_update" and row.text_body is None  # nothing rendered in the request
    send_pending()
    text = smtp_sink.text_of(smtp_sink.to("ana@example.org")[0])
    assert "Recovery, Novi Sad" in text and "March 1, 2027" in text and "/cohorts/7" in text


def test_only_plain_values_can_be_queued_so_a_mail_says_what_was_true_then(app):
    with pytest.raises(TypeError):
        _enrolment_update(name=UserFactory())  # a row could change or be erased before the mail goes out


def test_a_mail_that_cannot_be_rendered_waits_and_holds_up_no_other(app, smtp_sink, caplog):
    queue_email("ana@example.org", "en", "no_such_template", "Broken")
    _queue(address="ivo@example.org")
    assert send_pending() == (1, 1)
    broken = db.session.scalar(select(OutboxMessage).where(OutboxMessage.template == "no_such_template"))
    assert broken.attempts == 1 and broken.sent_at is None and "no_such_template" in broken.last_error
    assert smtp_sink.to("ivo@example.org") and "Could not render queued mail" in caplog.text


def test_mail_queued_with_its_bodies_is_sent_as_it_is(app, smtp_sink):
    # As the outbox held it before the worker rendered mail: an upgrade loses nothing queued.
    db.session.add(OutboxMessage(to_address="ana@example.org", subject="Old", text_body="Rendered then",
                                 html_body="<p>Rendered then</p>"))
    db.session.commit()
    assert send_pending() == (1, 0)
    assert smtp_sink.text_of(smtp_sink.to("ana@example.org")[0]).strip() == "Rendered then"


def test_an_invitation_is_rendered_from_the_event_as_queued(app, smtp_sink):
    event = ical.CalendarEvent(
        uid="session-1@learnhub.test", sequence=2, starts_at=datetime(2027, 3, 1, 8, 30),
        ends_at=datetime(2027, 3, 1, 9, 30), summary="Individual mentoring: Recovery", description="",
        organizer=ical.Person("Mira Mentor", "mira@example.org"),
        attendees=(ical.Attendee(ical.Person("Ana", "ana@example.org")),))
    queue_email("ana@example.org", "en", "email_taken", "Invitation", calendar=(event, "REQUEST"))
    db.session.commit()
    send_pending()
    [message] = smtp_sink.to("ana@example.org")
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar" and not p.get_filename()]
    [vevent] = ical.Calendar.from_ical(part.get_content()).walk("VEVENT")
    assert part.get_param("method") == "REQUEST" and vevent["SEQUENCE"] == 2
    assert vevent.decoded("DTSTART").astimezone(UTC).replace(tzinfo=None) == event.starts_at
    queued_at = db.session.scalar(select(OutboxMessage)).created_at  # DTSTAMP: when the invitation was made
    assert vevent.decoded("DTSTAMP").replace(tzinfo=None) == queued_at.replace(microsecond=0)


def _queue_many(count: int) -> None:
    for number in range(count):
        queue_email(f"person{number}@example.org", "en", "email_taken", lazy_gettext("Your LearnHub e-mail change"))
    db.session.commit()


def test_one_run_sends_every_due_message_not_only_the_first_hundred(app, smtp_sink):
    _queue_many(130)
    assert send_pending() == (130, 0)
    assert len({message["To"] for message in smtp_sink.messages}) == len(smtp_sink.messages) == 130


def test_a_run_stops_when_its_time_budget_is_spent_and_the_next_run_goes_on(make_app, smtp_sink):
    app = make_app(MAIL_SEND_SECONDS=0)  # spent after the first message
    with app.app_context():
        _queue_many(3)
        assert send_pending() == (1, 0)
        assert send_pending() == (1, 0)
        assert send_pending(seconds=60) == (1, 0)
    assert len(smtp_sink.messages) == 3


def test_each_message_is_recorded_as_sent_once_the_server_has_taken_it(app, smtp_sink, monkeypatch):
    """A worker that dies while sending (here: after the server took two messages) sends none of
    them again: each was recorded as sent before the next one went out."""
    _queue_many(5)
    handed_over = []
    send_message = smtplib.SMTP.send_message

    def dies_at_the_third(self, msg, *args, **kwargs):
        if len(handed_over) == 2:
            raise SystemExit("killed")  # as a process killed mid-batch: nothing after this line runs
        handed_over.append(msg["To"])
        return send_message(self, msg, *args, **kwargs)

    monkeypatch.setattr(smtplib.SMTP, "send_message", dies_at_the_third)
    with pytest.raises(SystemExit):
        send_pending()
    db.session.expire_all()
    assert db.session.scalars(select(OutboxMessage.to_address).where(OutboxMessage.sent_at.is_not(None))).all() \
        == handed_over

    monkeypatch.undo()
    assert send_pending() == (3, 0)
    assert sorted(message["To"] for message in smtp_sink.messages) == sorted(f"person{n}@example.org" for n in range(5))
