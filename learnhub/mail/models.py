from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from learnhub.extensions import Model
from learnhub.timeutil import utcnow


class OutboxMessage(Model):
    """A mail as queued by a request: what to send, which the worker renders when it first sends it.

    The bodies stay empty until then and are kept for retries; rows queued with bodies already filled
    in (before mail was rendered by the worker) are sent as they are.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    template: Mapped[str | None] = mapped_column(String(60))  # templates/email/<template>.txt|.html
    language: Mapped[str | None] = mapped_column(String(10))  # the recipient's, and their time zone
    time_zone: Mapped[str | None] = mapped_column(String(64))
    context: Mapped[str | None] = mapped_column(Text)  # the template's values when queued, as tagged JSON
    calendar: Mapped[str | None] = mapped_column(Text)  # an invitation's event and iTIP method, likewise
    text_body: Mapped[str | None] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    ics_body: Mapped[str | None] = mapped_column(Text)  # an iTIP calendar message, sent inline and attached
    ics_method: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(index=True)


class InboundMessage(Model):
    """A message taken from the reply mailbox: its unique key claims it, so however many workers read the
    mailbox at once, one of them handles it, once."""

    id: Mapped[int] = mapped_column(primary_key=True)
    message_key: Mapped[str] = mapped_column(String(300), unique=True)  # its Message-ID, or a digest of it
    outcome: Mapped[str] = mapped_column(String(40), default="")  # what handling it did, for the log
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
