"""Incoming mail: addresses of LearnHub's own that carry who may answer what (reply+<key>@…), and reading
the mailbox they reach over IMAP, each message handled once however many workers read it at once."""

import email
import hashlib
import hmac
import imaplib
import logging
import re
from collections.abc import Callable
from email.message import EmailMessage
from email.policy import default as default_policy

from flask import current_app
from sqlalchemy.exc import IntegrityError

from learnhub.extensions import db
from learnhub.mail.models import InboundMessage

log = logging.getLogger(__name__)

_SIGNATURE_LENGTH = 20  # hex digits, 80 bits; lower case, as some servers lower-case addresses
_TAGGED = re.compile(r"^(?P<local>[^+@\s]+)\+(?P<key>[0-9a-z.\-]+)-(?P<signature>[0-9a-f]{20})@(?P<domain>[^@\s]+)$")


def is_receiving() -> bool:
    """Whether invitations carry reply addresses and a mailbox is read for the answers."""
    return bool(current_app.config["MAIL_REPLY_ADDRESS"])


def _signature(key: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"reply-address:{key}".encode(), hashlib.sha256).hexdigest()[:_SIGNATURE_LENGTH]


def reply_address(key: str) -> str:
    """MAIL_REPLY_ADDRESS tagged with `key` (lower-case letters, digits, dots, hyphens) and its signature."""
    local, _at, domain = current_app.config["MAIL_REPLY_ADDRESS"].partition("@")
    return f"{local}+{key}-{_signature(key)}@{domain}"


def reply_key(address: str) -> str | None:
    """The key an address of `reply_address` carries, or None for any other or forged address."""
    found = _TAGGED.match(address.strip().lower().removeprefix("mailto:"))
    if found is None:
        return None
    local, _at, domain = current_app.config["MAIL_REPLY_ADDRESS"].lower().partition("@")
    if (found["local"], found["domain"]) != (local, domain):
        return None
    return found["key"] if hmac.compare_digest(found["signature"], _signature(found["key"])) else None


def message_key(message: EmailMessage, raw: bytes) -> str:
    """The Message-ID, as every copy of one message has it; a digest of the message without one."""
    message_id = " ".join(str(message.get("Message-ID", "")).split())
    if message_id and len(message_id) <= 300:
        return message_id
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def receive(handle: Callable[[EmailMessage], str]) -> int:
    """Read every message in the reply mailbox (IMAP_*): claim it, `handle` it and commit, then delete
    it from the mailbox. Returns how many this call handled.

    The claim is a row with the message's unique key, written in the transaction that handles it: a
    second worker reading the same message waits on that row and then skips it, and a worker that
    dies before its commit leaves the message to the next round."""
    config = current_app.config
    if not config["IMAP_HOST"]:
        return 0
    client = _connect()
    handled = 0
    try:
        client.select(config["IMAP_MAILBOX"])
        status, data = client.uid("SEARCH", "UNDELETED")
        if status != "OK":
            raise imaplib.IMAP4.error(f"SEARCH answered {status}")
        for uid in data[0].split():
            status, parts = client.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((part[1] for part in parts if isinstance(part, tuple)), None)
            if status != "OK" or raw is None:
                continue  # deleted meanwhile by another worker
            if _claim_and_handle(raw, handle):
                handled += 1
            # Handled now or before (by this worker or another): it leaves the mailbox.
            client.uid("STORE", uid, "+FLAGS.SILENT", r"(\Deleted)")
        client.expunge()
    finally:
        try:
            client.logout()
        except (OSError, imaplib.IMAP4.error):
            pass
    return handled


def _connect() -> imaplib.IMAP4:
    config = current_app.config
    timeout = config["IMAP_TIMEOUT_SECONDS"]
    if config["IMAP_USE_SSL"]:
        client: imaplib.IMAP4 = imaplib.IMAP4_SSL(config["IMAP_HOST"], config["IMAP_PORT"], timeout=timeout)
    else:
        client = imaplib.IMAP4(config["IMAP_HOST"], config["IMAP_PORT"], timeout=timeout)
    try:
        client.login(config["IMAP_USERNAME"], config["IMAP_PASSWORD"])
    except BaseException:
        client.shutdown()
        raise
    return client


def _claim_and_handle(raw: bytes, handle: Callable[[EmailMessage], str]) -> bool:
    """True if this worker claimed the message and handled it; False if it was handled before."""
    message = email.message_from_bytes(raw, policy=default_policy)
    key = message_key(message, raw)
    claim = InboundMessage(message_key=key)
    db.session.add(claim)
    try:
        db.session.flush()  # waits for another worker's claim of the same message, then fails
    except IntegrityError:
        db.session.rollback()
        return False
    try:
        claim.outcome = handle(message)[:40]
    except Exception:  # a message that breaks the handler is logged and not tried again
        db.session.rollback()
        log.exception("Could not handle incoming message %s", key)
        db.session.add(InboundMessage(message_key=key, outcome="failed"))
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
        return True
    db.session.commit()
    return True
