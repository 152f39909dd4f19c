"""Answers given in Outlook, Gmail or Apple Mail reach LearnHub: invitations name LearnHub's reply address
for each person and session as their ORGANIZER, and `flask mail receive` reads the iTIP REPLY messages from
a real IMAP server (dovecot) and applies them like an answer in the app."""

import base64
import logging
import shutil
import tempfile
import threading
import uuid
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path

import icalendar
import pytest
from sqlalchemy import func, select

from learnhub.extensions import db
from learnhub.mail.models import InboundMessage
from learnhub.mail.services import send_pending
from learnhub.mentoring import booking, invitations
from learnhub.mentoring.models import PartStat, SessionParticipant
from learnhub.mentoring.replies import receive_replies
from learnhub.timeutil import utcnow
from tests.factories import member_of, mentoring_world
from tests.imap import DovecotServer
from tests.parallel import skip_unless_postgresql

REPLY_ADDRESS = "replies@learnhub.example"


@pytest.fixture(scope="module")
def imap_server():
    if not DovecotServer.is_installed():
        pytest.skip("needs Debian's dovecot-imapd (make test installs it)")
    # Not under pytest's own temporary folder: dovecot's unprivileged processes must reach it.
    folder = Path(tempfile.mkdtemp(prefix="learnhub-dovecot-"))
    server = DovecotServer(folder)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def replies_app(make_app, imap_server):
    app = make_app(MAIL_REPLY_ADDRESS=REPLY_ADDRESS, IMAP_HOST="127.0.0.1", IMAP_PORT=imap_server.port,
                   IMAP_USE_SSL=False, IMAP_USERNAME=imap_server.user, IMAP_PASSWORD=imap_server.password)
    with app.app_context():
        yield app


@pytest.fixture
def world(replies_app):
    return mentoring_world("Mentorstvo")


def _group(mentor, programme, capacity=10):
    session = booking.schedule_group_session(mentor, programme, booking.GroupSessionInput(
        starts_at=utcnow() + timedelta(days=3), duration_minutes=90, place="Ruma", online_url="", agenda="Plans",
        capacity=capacity))
    db.session.commit()
    return session


def _invitation(smtp_sink, address: str) -> icalendar.Event:
    """The event of the last invitation mailed to `address`, as their calendar app reads it."""
    send_pending()
    message = smtp_sink.to(address)[-1]
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    return icalendar.Calendar.from_ical(part.get_content()).walk("VEVENT")[0]


def _reply_calendar(invited: icalendar.Event, attendee: str, partstat: str, prodid: str,
                    sequence: int | None = None, **attendee_params: str) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", prodid)
    calendar.add("version", "2.0")
    calendar.add("method", "REPLY")
    event = icalendar.Event()
    for name in ("UID", "DTSTART", "DTEND", "SUMMARY", "ORGANIZER"):
        event[name] = invited[name]
    event.add("sequence", invited["SEQUENCE"] if sequence is None else sequence)
    event.add("dtstamp", datetime.now())
    address = icalendar.vCalAddress(attendee)
    address.params.update({"PARTSTAT": partstat, **attendee_params})
    event.add("attendee", address)
    calendar.add_component(event)
    return calendar.to_ical()


def _envelope(sender: str, to: str, subject: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Date"] = formatdate()
    message["Message-ID"] = f"<{uuid.uuid4()}@mail.example.org>"
    return message


def outlook_reply(invited, partstat, sender="Nikola Mentee <mentee@example.org>", attendee="mailto:mentee@example.org",
                  sequence=None) -> bytes:
    """Outlook: multipart/alternative, the calendar part base64 with method=REPLY, MAILTO: in capitals."""
    ics = _reply_calendar(invited, attendee.replace("mailto:", "MAILTO:"), partstat,
                          "Microsoft Exchange Server 2010", sequence, CN="Nikola Mentee", RSVP="TRUE")
    message = _envelope(sender, f'"Amra Mentor" <{str(invited["ORGANIZER"])[7:]}>', "Accepted: Group mentoring")
    message.set_content("Accepted.")
    message.add_alternative(ics, maintype="text", subtype="calendar", cte="base64",
                            params={"method": "REPLY", "charset": "utf-8"})
    return message.as_bytes()


def gmail_reply(invited, partstat, sender="mentee@example.org", attendee="mailto:mentee@example.org",
                sequence=None) -> bytes:
    """Gmail: the REPLY inline in multipart/alternative and again as invite.ics (application/ics)."""
    ics = _reply_calendar(invited, attendee, partstat, "-//Google Inc//Google Calendar 70.9054//EN", sequence,
                          CUTYPE="INDIVIDUAL", ROLE="REQ-PARTICIPANT", CN="mentee@example.org")
    message = _envelope(sender, str(invited["ORGANIZER"])[7:], "Invitation: Group mentoring")
    message.set_content("Nikola Mentee has declined this invitation.")
    message.add_alternative("<p>Nikola Mentee has declined this invitation.</p>", subtype="html")
    message.add_alternative(ics.decode(), subtype="calendar", params={"method": "REPLY"})
    message.add_attachment(base64.b64decode(base64.b64encode(ics)), maintype="application", subtype="ics",
                           filename="invite.ics")
    return message.as_bytes()


def apple_reply(invited, partstat, sender="Nikola Mentee <mentee@example.org>", attendee="mailto:mentee@example.org",
                sequence=None) -> bytes:
    """Apple Mail: a text part and the REPLY as a quoted-printable iCal-….ics attachment, EMAIL= on the attendee."""
    ics = _reply_calendar(invited, attendee, partstat, "-//Apple Inc.//macOS 14.4//EN", sequence,
                          CN="Nikola Mentee", CUTYPE="INDIVIDUAL", EMAIL="mentee@example.org")
    message = _envelope(sender, str(invited["ORGANIZER"])[7:], "Invitation: Group mentoring (Maybe)")
    message.set_content("")
    message.add_attachment(ics.decode(), subtype="calendar", cte="quoted-printable",
                           params={"method": "REPLY"}, filename="iCal-20270226-120000.ics")
    return message.as_bytes()


def _answer_of(session, user) -> str:
    db.session.expire_all()
    return db.session.scalar(select(SessionParticipant.partstat).where(
        SessionParticipant.session_id == session.id, SessionParticipant.user_id == user.id))


def test_invitations_asking_for_an_answer_name_a_reply_address_for_each_person_and_session(world, smtp_sink):
    programme, mentor, mentee, other = world
    session = _group(mentor, programme)
    mine, theirs = _invitation(smtp_sink, "mentee@example.org"), _invitation(smtp_sink, "other@example.org")
    for invited in (mine, theirs):
        organizer = invited["ORGANIZER"]
        assert str(organizer).startswith(f"mailto:replies+s{session.id}.u") and organizer.params["CN"] == "Amra Mentor"
        assert organizer.endswith("@learnhub.example") and "SENT-BY" not in organizer.params
    assert str(mine["ORGANIZER"]) != str(theirs["ORGANIZER"])


@pytest.mark.parametrize("shape, partstat", [
    (outlook_reply, "ACCEPTED"), (gmail_reply, "DECLINED"), (apple_reply, "TENTATIVE"),
])
def test_an_answer_from_a_mail_client_is_applied_once(world, smtp_sink, imap_server, replies_app, shape, partstat):
    programme, mentor, mentee, _other = world
    session = _group(mentor, programme)
    imap_server.deliver(shape(_invitation(smtp_sink, "mentee@example.org"), partstat))
    result = replies_app.test_cli_runner().invoke(args=["mail", "receive"])
    assert result.exit_code == 0 and "replies 1" in result.output
    assert _answer_of(session, mentee) == partstat
    assert imap_server.count() == 0  # handled messages leave the mailbox
    assert receive_replies() == 0


def test_an_acceptance_for_a_full_session_is_not_recorded_and_told_politely(world, smtp_sink, imap_server):
    programme, mentor, mentee, other = world
    session = _group(mentor, programme, capacity=1)
    invited = _invitation(smtp_sink, "mentee@example.org")
    booking.respond(other, session, PartStat.ACCEPTED)
    db.session.commit()
    imap_server.deliver(outlook_reply(invited, "ACCEPTED"))
    assert receive_replies() == 1
    assert _answer_of(session, mentee) == PartStat.NEEDS_ACTION
    send_pending()
    [told] = [m for m in smtp_sink.to("mentee@example.org") if m["Subject"].startswith("No place left")]
    assert "all its places were taken" in told.get_body(("plain",)).get_content()


def test_someone_who_declined_by_mail_gets_no_reminder_and_no_new_request_when_the_session_moves(
        world, smtp_sink, imap_server):
    programme, mentor, mentee, _other = world
    session = _group(mentor, programme)
    imap_server.deliver(gmail_reply(_invitation(smtp_sink, "mentee@example.org"), "DECLINED"))
    receive_replies()
    assert invitations.send_reminders(session.starts_at - timedelta(minutes=30), (60,)) == 2  # the other and the mentor
    db.session.commit()
    send_pending()
    smtp_sink.clear()
    booking.reschedule(mentor, session, session.starts_at + timedelta(days=1), "Sala zauzeta")
    db.session.commit()
    send_pending()
    [moved] = smtp_sink.to("mentee@example.org")
    assert moved["Subject"].startswith("Changed") and "Sala zauzeta" in moved.get_body(("plain",)).get_content()
    assert not [p for p in moved.walk() if p.get_content_type() == "text/calendar"]
    [theirs] = smtp_sink.to("other@example.org")
    assert [p for p in theirs.walk() if p.get_content_type() == "text/calendar"]


@pytest.mark.parametrize("forgery", ["signature", "sender", "attendee", "uid"])
def test_forged_or_unknown_replies_are_logged_and_never_applied(world, smtp_sink, imap_server, caplog, forgery):
    programme, mentor, mentee, _other = world
    session = _group(mentor, programme)
    invited = _invitation(smtp_sink, "mentee@example.org")
    if forgery == "signature":
        organizer = str(invited["ORGANIZER"])
        invited["ORGANIZER"] = icalendar.vCalAddress(organizer[:-20] + ("0" if organizer[-20] != "0" else "1")
                                                     + organizer[-19:])
        message = outlook_reply(invited, "ACCEPTED")
    elif forgery == "sender":
        message = outlook_reply(invited, "ACCEPTED", sender="Eve <eve@example.org>")
    elif forgery == "attendee":
        message = gmail_reply(invited, "ACCEPTED", attendee="mailto:other@example.org")
    else:
        invited["UID"] = "session-999@localhost"
        message = apple_reply(invited, "ACCEPTED")
    imap_server.deliver(message)
    with caplog.at_level(logging.INFO, logger="learnhub.mentoring.replies"):
        assert receive_replies() == 1
    assert _answer_of(session, mentee) == PartStat.NEEDS_ACTION
    assert db.session.scalar(select(InboundMessage.outcome)).startswith("ignored") or forgery == "uid"
    assert forgery == "uid" or "Ignored calendar reply" in caplog.text


def test_a_reply_to_the_session_before_it_was_moved_is_ignored(world, smtp_sink, imap_server, caplog):
    programme, mentor, mentee, _other = world
    session = _group(mentor, programme)
    before_the_move = _invitation(smtp_sink, "mentee@example.org")
    booking.reschedule(mentor, session, session.starts_at + timedelta(days=1), "Sala zauzeta")
    db.session.commit()
    imap_server.deliver(outlook_reply(before_the_move, "ACCEPTED"))
    with caplog.at_level(logging.WARNING, logger="learnhub.mentoring.replies"):
        assert receive_replies() == 1
    assert _answer_of(session, mentee) == PartStat.NEEDS_ACTION
    assert "answers an older version" in caplog.text

    imap_server.deliver(outlook_reply(_invitation(smtp_sink, "mentee@example.org"), "ACCEPTED"))  # the new one
    assert receive_replies() == 1 and _answer_of(session, mentee) == PartStat.ACCEPTED


def test_two_workers_reading_the_mailbox_at_once_apply_each_message_once(world, smtp_sink, imap_server, replies_app):
    skip_unless_postgresql()
    programme, mentor, mentee, other = world
    people = [mentee, other] + [member_of(programme.organisations[0].organisation, email=f"m{i}@example.org",
                                          display_name=f"Mentee {i}") for i in range(4)]
    db.session.commit()
    session = _group(mentor, programme, capacity=3)
    for person in people:
        invited = _invitation(smtp_sink, person.email)
        imap_server.deliver(outlook_reply(invited, "ACCEPTED", sender=person.email, attendee=f"mailto:{person.email}"))
    start, handled = threading.Barrier(2), []

    def worker() -> None:
        with replies_app.app_context():
            start.wait()
            handled.append(receive_replies())
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(handled) == len(people) and db.session.scalar(select(func.count()).select_from(InboundMessage)) == 6
    db.session.expire_all()
    accepted = [p for p in db.session.get(type(session), session.id).participants if p.partstat == PartStat.ACCEPTED]
    assert len(accepted) == 3  # the places held
    assert imap_server.count() == 0
