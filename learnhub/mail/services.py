"""Queue e-mail inside the caller's transaction; render and deliver it later over SMTP, retrying with back-off."""

import smtplib
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import urlsplit

from flask import current_app, has_request_context, render_template, request, url_for
from flask.json.tag import JSONTag, TaggedJSONSerializer
from flask_babel import force_locale, refresh
from sqlalchemy import select
from sqlalchemy.orm import Session

from learnhub import ical
from learnhub.extensions import db
from learnhub.i18n import recipient_time_zone, to_reader_script
from learnhub.mail.models import OutboxMessage
from learnhub.timeutil import utcnow


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


def render(message: OutboxMessage) -> None:
    """Fill in a queued message's bodies and invitation, once: a retry sends what the first try rendered."""
    if message.text_body is not None:
        return
    context = _SNAPSHOT.loads(message.context)
    zone_token = recipient_time_zone.set(message.time_zone)
    try:
        # Rendered as if requested at BASE_URL, so links are right behind proxies and in workers.
        with current_app.test_request_context(base_url=current_app.config["BASE_URL"]), \
                force_locale(message.language):
            refresh()  # a zone the request already looked up (kept on `g`) is the sender's, not the recipient's
            text_body = render_template(f"email/{message.template}.txt", **context)
            html_body = render_template(f"email/{message.template}.html", **context)
    finally:
        recipient_time_zone.reset(zone_token)
    if message.calendar:
        event, method = _SNAPSHOT.loads(message.calendar)
        invitation = ical.invitation(ical.event_from_data(event), method, stamp=message.created_at)
        message.ics_body, message.ics_method = ical.to_bytes(invitation).decode(), method
    message.text_body, message.html_body = text_body, html_body


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


def build_message(row: OutboxMessage) -> EmailMessage:
    config = current_app.config
    msg = EmailMessage()
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


def _deliver(msg: EmailMessage) -> None:
    config = current_app.config
    if not config["MAIL_SERVER"]:
        # Development without an SMTP server: show the mail in the terminal instead.
        current_app.logger.warning("Mail (no MAIL_SERVER set):\n%s", msg.get_body(("plain",)).get_content())
        return
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(msg)


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4 … minutes, at most six hours between tries."""
    return timedelta(minutes=min(2 ** (attempts - 1), 360))


def _postpone(row: OutboxMessage, error: Exception) -> None:
    row.attempts += 1
    row.last_error = str(error)[:1000]
    row.next_attempt_at = utcnow() + retry_delay(row.attempts)


def send_pending(limit: int = 100) -> tuple[int, int]:
    """Send due messages; returns (sent, failed). Safe to run in several workers at once.

    Uses its own session so it never commits a request's unfinished work.
    """
    max_attempts = current_app.config["MAIL_MAX_ATTEMPTS"]
    sent = failed = 0
    with Session(db.engine) as session:
        now = utcnow()
        rows = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at <= now)
            .where(OutboxMessage.attempts < max_attempts)
            .order_by(OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        for row in rows:
            # Rendered apart from delivery: a missing template is an OSError too, but a bug to log,
            # not a network problem to retry quietly.
            try:
                render(row)
            except Exception as error:  # a bug in one mail must not hold up the others: log and retry later
                current_app.logger.exception("Could not render queued mail %s", row.id)
                _postpone(row, error)
                failed += 1
                continue
            try:
                _deliver(build_message(row))
            except (OSError, smtplib.SMTPException) as error:
                _postpone(row, error)
                failed += 1
            else:
                row.attempts += 1
                row.sent_at = utcnow()
                sent += 1
        session.commit()
    return sent, failed
