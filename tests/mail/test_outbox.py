import smtplib
from datetime import UTC, date, datetime, timedelta

import pytest
from flask_babel import lazy_gettext
from sqlalchemy import select

from learnhub import ical
from learnhub.errors import InvalidInput
from learnhub.extensions import db
from learnhub.mail.models import OutboxMessage
from learnhub.mail.services import queue_email, retry_delay, send_pending
from learnhub.timeutil import utcnow
from tests.factories import UserFactory
from tests.i18n import translated
from tests.smtp import SmtpSink


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
    assert "Recovery, Novi Sad" in text and "Dates: Mar 1 – 5, 2027" in text and "/cohorts/7" in text


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


def _when_line(message) -> str:
    return next(line for line in SmtpSink.text_of(message).splitlines() if line.startswith(("When:", "Kada:")))


def test_each_mail_of_a_batch_gives_the_time_in_its_recipients_zone_and_language(app, smtp_sink):
    # One session on Monday 1 March 2027 at 08:00 UTC, mailed to people in three zones in one batch.
    facts = {"id": 7, "programme": "Mentorstvo", "mentor": "Amra Mentor", "starts_at": datetime(2027, 3, 1, 8, 0),
             "place": "", "online_url": "", "sequence": 0, "cancel_reason": ""}
    recipients = [("ny@example.org", "en", "America/New_York"), ("bg@example.org", "sr_Latn", "Europe/Belgrade"),
                  ("tokyo@example.org", "en", "Asia/Tokyo"), ("sa@example.org", "bs", "Europe/Sarajevo")]
    for address, language, zone in recipients:
        queue_email(address, language, "mentoring_invitation", lazy_gettext("Mentoring session: %(programme)s",
                                                                             programme="Mentorstvo"),
                    time_zone=zone, session=facts, method="REQUEST", name="Ana")
    db.session.commit()
    assert send_pending() == (4, 0)  # one batch, in the app context of this test

    new_york, belgrade, tokyo, sarajevo = (_when_line(smtp_sink.to(address)[0]) for address, *_ in recipients)
    assert new_york == "When: Mon, Mar 1, 2027, 3:00 AM EST"
    assert belgrade == "Kada: pon, 1. mar 2027, 09:00 CET"
    assert tokyo == "When: Mon, Mar 1, 2027, 5:00 PM JST"
    assert sarajevo.endswith("pon, 1. mar 2027, 09:00 CET")


def test_an_organisers_copy_queued_as_a_request_goes_out_published(app, smtp_sink):
    event = ical.CalendarEvent(
        uid="session-1@learnhub.test", sequence=0, starts_at=datetime(2027, 3, 1, 8, 30),
        ends_at=datetime(2027, 3, 1, 9, 30), summary="Individual mentoring: Recovery", description="",
        organizer=ical.Person("Mira Mentor", "mira@example.org"))
    queue_email("mira@example.org", "en", "email_taken", "Invitation", calendar=(event, "REQUEST"))
    db.session.commit()
    assert send_pending() == (1, 0)
    [message] = smtp_sink.to("mira@example.org")
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar" and not p.get_filename()]
    assert part.get_param("method") == "PUBLISH" and "METHOD:PUBLISH" in part.get_content()


def test_non_ascii_parts_travel_in_seven_bits_so_no_relay_can_break_them(app, smtp_sink):
    # Without 8BITMIME a relay may strip the eighth bit or refuse the mail: every part is encoded.
    event = ical.CalendarEvent(
        uid="session-1@learnhub.test", sequence=0, starts_at=datetime(2027, 3, 1, 8, 30),
        ends_at=datetime(2027, 3, 1, 9, 30), summary="Менторство: Đurđevdan", description="Čćžšđ",
        organizer=ical.Person("Mira Mentor", "mira@example.org"),
        attendees=(ical.Attendee(ical.Person("Љиљана Ђорђевић", "ljilja@example.org")),))
    queue_email("ljilja@example.org", "sr_Cyrl", "password_reset", lazy_gettext("Reset your LearnHub password"),
                calendar=(event, "REQUEST"), name="Ljiljana Đorđević", link="https://learnhub.example/r/1")
    db.session.commit()
    assert send_pending() == (1, 0)

    [raw] = smtp_sink.raw
    assert raw.isascii()
    [message] = smtp_sink.to("ljilja@example.org")
    leaves = [part for part in message.walk() if not part.is_multipart()]
    assert {part["Content-Transfer-Encoding"] for part in leaves} <= {"7bit", "quoted-printable", "base64"}
    assert "Љиљана Ђорђевић" in smtp_sink.text_of(message)
    calendars = [part.get_content() for part in leaves if part.get_content_type() == "text/calendar"]
    assert all(ical.Calendar.from_ical(text).walk("VEVENT")[0]["SUMMARY"] == "Менторство: Đurđevdan"
               for text in calendars) and len(calendars) == 2


def test_erasing_a_person_from_the_outbox_finds_their_earlier_addresses_and_keeps_others_mail(app):
    from learnhub.mail.services import erase_from_outbox

    queue_email("old@example.org", "en", "email_changed", "Changed", name="Ana Đukić", new_email="ana@example.org")
    queue_email("typed@example.org", "en", "email_change", "Confirm", name="Ana Đukić", link="https://x/1")
    queue_email("ana@example.org", "en", "password_reset", "Reset", name="Ana Đukić", link="https://x/2")
    queue_email("boss@example.org", "en", "invitation", "Join", organisation="Dnevni boravak", inviter="Ana Đukić",
                link="https://x/3")
    queue_email("ivo@example.org", "en", "password_reset", "Reset", name="Ivo Anić", link="https://x/4")
    db.session.commit()
    send_pending()

    erase_from_outbox("ana@example.org", "Ana Đukić", "erased-1@erased.invalid", "—")
    db.session.commit()
    rows = {row.to_address: row for row in db.session.scalars(select(OutboxMessage))}
    assert sorted(rows) == ["boss@example.org", "ivo@example.org"]
    assert "Ana" not in rows["boss@example.org"].context and rows["boss@example.org"].text_body is None
    assert "Ivo Anić" in rows["ivo@example.org"].text_body  # someone else's mail is left as it was


def test_erasing_a_person_finds_their_name_in_the_script_each_recipient_read_it_in(app):
    from learnhub.mail.services import erase_from_outbox

    for address, language in (("latin@example.org", "bs"), ("cyrillic@example.org", "sr_Cyrl")):
        queue_email(address, language, "invitation", lazy_gettext("%(name)s invites you", name="Ана Ђукић"),
                    organisation="Dnevni boravak", inviter="Ана Ђукић", link="https://x/3")
    db.session.commit()
    send_pending()
    assert {row.subject for row in db.session.scalars(select(OutboxMessage))} >= {"Ana Đukić invites you"}

    erase_from_outbox("ana@example.org", "Ана Ђукић", "erased-1@erased.invalid", "—")
    db.session.commit()
    for row in db.session.scalars(select(OutboxMessage)):
        assert "Ана" not in row.subject + row.context and "Ana" not in row.subject and row.text_body is None


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
