"""Queue e-mail inside the caller's transaction; render and deliver it later over SMTP, retrying with back-off."""

import smtplib
import time
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from flask import current_app, has_request_context, render_template, request, url_for
from flask.json.tag import JSONTag, TaggedJSONSerializer
from flask_babel import force_locale
from markupsafe import escape
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from learnhub import ical
from learnhub.extensions import db
from learnhub.i18n import force_timezone, latin_to_cyrillic, to_reader_script
from learnhub.locking import added_once
from learnhub.mail.models import OutboxMessage
from learnhub.timeutil import utcnow

if TYPE_CHECKING:
    from learnhub.people.models import User


def _single_line(text: str) -> str:
    # Header values must never carry CR/LF: that is how header injection works.
    return " ".join(text.split())


class _TagDate(JSONTag):
    """Dates and times exactly as given, naive or not (Flask's own tag keeps whole seconds, in UTC)."""

    __slots__ = ()
    key = " iso"

    def check(self, value: object) -> bool:
        return isinstance(value, date)

    def to_json(self, value: date) -> str:
        return value.isoformat()

    def to_python(self, value: str) -> date:
        return datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)


# What a queued mail shows is stored as JSON that keeps dates and tuples apart from strings and lists.
_SNAPSHOT = TaggedJSONSerializer()
_SNAPSHOT.register(_TagDate, index=0)  # before Flask's own datetime tag


def queue_email(to_address: str, language: str, template: str, subject: str, *,
                calendar: tuple[ical.CalendarEvent, str] | None = None, time_zone: str | None = None,
                **context: object) -> OutboxMessage:
    """Queue `templates/email/<template>.txt|.html`; the worker renders it in `language` and `time_zone`.

    `context` holds plain values (text, numbers, dates, lists and dicts of them), so the mail says
    what was true when it was queued, however late it goes out; anything else is refused here.
    `subject` should be a lazy string (_l), translated now into the recipient's language; `calendar`
    is an optional (event, iTIP METHOD) pair sent as an invitation.
    """
    with force_locale(language):
        subject = to_reader_script(str(subject))
    message = OutboxMessage(
        to_address=_single_line(to_address), subject=_single_line(subject), template=template,
        language=language, time_zone=time_zone, context=_SNAPSHOT.dumps(context),
        calendar=_SNAPSHOT.dumps((ical.event_to_data(calendar[0]), calendar[1])) if calendar else None,
    )
    # Written with the rest of the caller's work when it flushes: the messages of one request go in
    # together, not one flush each.
    db.session.add(message)
    return message


def queue_reminder(marker: object, person: "User", template: str, subject: str, facts: dict) -> bool:
    """Queue a reminder of a session to `person`, unless `marker` (a row unique per session, person and
    lead time) is there already: each reminder goes once, whichever worker gets to it first."""
    if not added_once(marker):
        return False
    queue_email(person.email, person.preferred_language, template, subject, time_zone=person.time_zone,
                session=facts, name=person.display_name)
    return True


def render(message: OutboxMessage) -> None:
    """Fill in a queued message's bodies and invitation, once: a retry sends what the first try rendered."""
    if message.text_body is not None:
        return
    context = _SNAPSHOT.loads(message.context)
    zone = message.time_zone or current_app.config["LEARNHUB_TIMEZONE"]
    # Rendered as if requested at BASE_URL, so links are right behind proxies and in workers; in the
    # recipient's language and zone, whatever the request or the batch's previous mail used.
    with current_app.test_request_context(base_url=current_app.config["BASE_URL"]), \
            force_locale(message.language), force_timezone(zone):
        text_body = render_template(f"email/{message.template}.txt", **context)
        html_body = render_template(f"email/{message.template}.html", **context)
    if message.calendar:
        data, method = _SNAPSHOT.loads(message.calendar)
        event = ical.event_from_data(data)
        if not event.attendees:  # an organiser's own copy, queued as a REQUEST or CANCEL before they were published
            method = "PUBLISH"
        invitation = ical.invitation(event, method, stamp=message.created_at)
        message.ics_body, message.ics_method = ical.to_bytes(invitation).decode(), method
    message.text_body, message.html_body = text_body, html_body


def erase_from_outbox(address: str, name: str, erased_address: str, erased_name: str) -> None:
    """Leave a person whose data is erased in no stored mail, sent or not: mail to them (at this address,
    at earlier ones their address changes were mailed to, and confirmations of a change) goes; mail to
    others that names them keeps going, with `erased_name` and `erased_address` in their place, and is
    rendered again from that. Mail queued with its bodies already rendered that names them goes too."""
    addresses = {address.lower()}
    name_forms = {name, str(escape(name)), latin_to_cyrillic(name), _SNAPSHOT.dumps(name)[1:-1]} - {""}
    needles = addresses | name_forms
    columns = (OutboxMessage.to_address, OutboxMessage.subject, OutboxMessage.context, OutboxMessage.calendar,
               OutboxMessage.text_body, OutboxMessage.html_body, OutboxMessage.ics_body)
    rows = db.session.scalars(select(OutboxMessage).where(or_(
        *(column.contains(needle, autoescape=True) for column in columns for needle in needles)))).all()

    def erased(value: object) -> object:
        if isinstance(value, str):
            return {name: erased_name}.get(value, erased_address if value.lower() in addresses else value)
        if isinstance(value, dict):
            return {key: erased(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(erased(item) for item in value)
        return value

    # Where their address was changed from: that mail says the new address.
    for row in rows:
        if row.template == "email_changed" and str(_SNAPSHOT.loads(row.context).get("new_email")).lower() in addresses:
            addresses.add(row.to_address.lower())
    for row in rows:
        context = _SNAPSHOT.loads(row.context) if row.context else None
        if row.to_address.lower() in addresses or row.template is None or (
                row.template == "email_change" and context.get("name") == name):
            db.session.delete(row)
            continue
        calendar = _SNAPSHOT.loads(row.calendar) if row.calendar else None
        if erased(context) == context and erased(calendar) == calendar:
            continue  # their name or address only as part of other words
        row.context, row.calendar = _SNAPSHOT.dumps(erased(context)), calendar and _SNAPSHOT.dumps(erased(calendar))
        row.subject = _single_line(row.subject.replace(name, erased_name))
        row.text_body = row.html_body = row.ics_body = row.ics_method = None


def site_host() -> str:
    """The host name of BASE_URL, used in Message-IDs and calendar UIDs."""
    return urlsplit(current_app.config["BASE_URL"]).hostname or "learnhub.local"


def external_url(endpoint: str, **values: object) -> str:
    """An absolute link for e-mail and calendars, on BASE_URL whatever host the request came in on."""
    base_url = current_app.config["BASE_URL"]
    if has_request_context() and request.url_root.rstrip("/") == base_url:
        return url_for(endpoint, _external=True, **values)  # already on BASE_URL: cheap in loops
    with current_app.test_request_context(base_url=base_url):
        return url_for(endpoint, _external=True, **values)


# Parts that are not ASCII go quoted-printable or base64 (whichever is shorter), never 8bit: we do not
# ask whether the server speaks 8BITMIME, and a relay that does not may break such a part. CRLF line
# ends, as SMTP and iCalendar want them, also inside encoded parts.
_MAIL_POLICY = SMTP.clone(cte_type="7bit")


def build_message(row: OutboxMessage) -> EmailMessage:
    config = current_app.config
    msg = EmailMessage(policy=_MAIL_POLICY)
    msg["From"] = config["MAIL_DEFAULT_SENDER"]
    msg["To"] = row.to_address
    msg["Subject"] = row.subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=site_host())
    msg.set_content(row.text_body)
    msg.add_alternative(row.html_body, subtype="html")
    if row.ics_body:
        # The inline part makes Outlook and Gmail show Accept/Decline; the attachment serves the rest.
        msg.add_alternative(row.ics_body, subtype="calendar", params={"method": row.ics_method})
        msg.add_attachment(row.ics_body.encode(), maintype="text", subtype="calendar", filename="invite.ics",
                           params={"method": row.ics_method, "charset": "UTF-8"})
    return msg


class _SmtpConnection:
    """One connection to the SMTP server for a run of deliveries: opened for the first message, and
    opened afresh after a failure (the server may have dropped it)."""

    def __init__(self) -> None:
        self._smtp: smtplib.SMTP | None = None

    def deliver(self, msg: EmailMessage) -> None:
        config = current_app.config
        if not config["MAIL_SERVER"]:
            # Development without an SMTP server: show the mail in the terminal instead.
            current_app.logger.warning("Mail (no MAIL_SERVER set)\nTo: %s\nSubject: %s\n\n%s", msg["To"], msg["Subject"],
                                       msg.get_body(("plain",)).get_content())
            return
        try:
            if self._smtp is None:
                self._smtp = self._connect()
            self._smtp.send_message(msg)
        except (OSError, smtplib.SMTPException):
            self.close()
            raise

    @staticmethod
    def _connect() -> smtplib.SMTP:
        config = current_app.config
        smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10)
        try:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        except BaseException:
            smtp.close()
            raise
        return smtp

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4 … minutes, at most six hours between tries."""
    return timedelta(minutes=min(2 ** (attempts - 1), 360))


def _postpone(row: OutboxMessage, error: Exception) -> None:
    row.attempts += 1
    row.last_error = str(error)[:1000]
    row.next_attempt_at = utcnow() + retry_delay(row.attempts)


def send_pending(seconds: float | None = None) -> tuple[int, int]:
    """Send due messages until none is left or `seconds` (MAIL_SEND_SECONDS) have passed; returns
    (sent, failed). A run always sends at least one due message; what is left waits for the next run.

    Each message is taken, sent and recorded as sent in a transaction of its own, with SKIP LOCKED so
    several workers never take the same one: a worker that dies repeats at most the message it was
    sending. Uses its own session so it never commits a request's unfinished work.
    """
    config = current_app.config
    deadline = time.monotonic() + (config["MAIL_SEND_SECONDS"] if seconds is None else seconds)
    sent = failed = 0
    smtp = _SmtpConnection()
    try:
        with Session(db.engine) as session:
            while (row := _take_next_due(session, config["MAIL_MAX_ATTEMPTS"])) is not None:
                if _send(row, smtp):
                    sent += 1
                else:
                    failed += 1
                session.commit()  # the SMTP server has it (or it waits for a retry): recorded at once
                if time.monotonic() >= deadline:
                    break
    finally:
        smtp.close()
    return sent, failed


def has_due_mail() -> bool:
    """Whether a message is waiting to be sent now that no other worker is sending (messages waiting
    for their next try do not count)."""
    with Session(db.engine) as session:  # its own: the row it finds is locked only while it looks
        return _take_next_due(session, current_app.config["MAIL_MAX_ATTEMPTS"]) is not None


def _take_next_due(session: Session, max_attempts: int) -> OutboxMessage | None:
    """The oldest due message no other worker is sending, locked until `session` ends its transaction."""
    return session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at <= utcnow())
        .where(OutboxMessage.attempts < max_attempts)
        .order_by(OutboxMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()


def _send(row: OutboxMessage, smtp: _SmtpConnection) -> bool:
    """Render and deliver one message, noting the outcome on its row; True if the server took it."""
    # Rendered apart from delivery: a missing template is an OSError too, but a bug to log,
    # not a network problem to retry quietly.
    try:
        render(row)
    except Exception as error:  # a bug in one mail must not hold up the others: log and retry later
        current_app.logger.exception("Could not render queued mail %s", row.id)
        _postpone(row, error)
        return False
    try:
        smtp.deliver(build_message(row))
    except (OSError, smtplib.SMTPException) as error:
        _postpone(row, error)
        return False
    row.attempts += 1
    row.sent_at = utcnow()
    return True
