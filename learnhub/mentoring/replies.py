"""Answers to group-session invitations given in a mail client (Outlook, Gmail, Apple Mail): the iTIP
REPLY (RFC 5546 §3.2.3) they mail to the invitation's ORGANIZER, which is LearnHub's own address for
that recipient and session (reply+s<session>.u<user>-<signature>@…). Each is applied as the same answer
given in the app (booking.respond: the session's row lock, its places); anything that does not come
from the invited person for this version of the session is logged and ignored."""

import logging
import re
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr

from icalendar import Calendar

from learnhub.errors import Conflict
from learnhub.extensions import db
from learnhub.i18n import _l
from learnhub.mail import receive
from learnhub.mail.services import queue_email
from learnhub.mentoring import access, booking, invitations
from learnhub.mentoring.models import MentoringSession, PartStat
from learnhub.people.models import User

log = logging.getLogger(__name__)

_KEY = re.compile(r"^s(\d{1,18})\.u(\d{1,18})$")
_ANSWERS = frozenset({PartStat.ACCEPTED, PartStat.DECLINED, PartStat.TENTATIVE})


def reply_address(session: MentoringSession, user: User) -> str | None:
    """Where `user`'s calendar app sends its answer to `session`; None while replies are not received."""
    if not receive.is_receiving():
        return None
    return receive.reply_address(f"s{session.id}.u{user.id}")


def receive_replies() -> int:
    """Apply the answers waiting in the reply mailbox; returns how many messages were handled."""
    return receive.receive(apply_reply)


def apply_reply(message: EmailMessage) -> str:
    """Apply one incoming message; returns what happened (also logged when it is ignored)."""
    events = _reply_events(message)
    if not events:
        return _ignored(message, "no iTIP REPLY")
    key = _addressed_key(message, events)
    found = _KEY.match(key or "")
    if found is None:
        return _ignored(message, "unknown or forged reply address")
    session = access.locked_with_answers(int(found[1]))  # an answer may take the last place: one at a time
    participant = next((p for p in session.active_participants if p.user_id == int(found[2])), None) if session else None
    if session is None or participant is None or not session.is_group:
        return _ignored(message, "no such invitation")
    user = participant.user
    sender = parseaddr(str(message.get("From", "")))[1].lower()
    if sender != user.email.lower():
        return _ignored(message, "sender is not the attendee")
    outcome = "no answer for this session"
    for event in events:
        if str(event.get("UID", "")) != invitations.session_uid(session):
            continue
        partstat = _partstat_of(event, user.email)
        if partstat is None:
            return _ignored(message, "attendee is not the invited person")
        if int(event.get("SEQUENCE", 0)) < session.sequence:
            return _ignored(message, "answers an older version")
        if partstat not in _ANSWERS:
            return _ignored(message, "unknown answer")
        outcome = _answer(user, session, PartStat(partstat))
    return outcome


def _answer(user: User, session: MentoringSession, partstat: PartStat) -> str:
    if session.is_cancelled:
        return _ignored_quietly(session, "session cancelled")
    try:
        with db.session.begin_nested():
            booking.respond(user, session, partstat)
    except Conflict:
        # Only a full session refuses an acceptance: the answer stays as it was, and they hear why.
        queue_email(user.email, user.preferred_language, "mentoring_reply_full",
                    _l("No place left: mentoring session %(programme)s", programme=session.programme.name),
                    time_zone=user.time_zone, name=user.display_name,
                    session={"id": session.id, "programme": session.programme.name,
                             "starts_at": session.starts_at, "ends_at": session.ends_at})
        return "full"
    return f"applied {partstat.value}"


def _reply_events(message: EmailMessage) -> list:
    """The VEVENTs of every calendar part with METHOD:REPLY (inline or attached, as clients send them)."""
    events = []
    for part in message.walk():
        if part.get_content_type() not in ("text/calendar", "application/ics") or part.is_multipart():
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):  # decoded, a single part's payload is bytes
            continue
        try:
            calendar = Calendar.from_ical(payload.decode(part.get_content_charset() or "utf-8", "replace"))
        except ValueError:
            continue
        if str(calendar.get("METHOD", "")).upper() == "REPLY":
            events.extend(calendar.walk("VEVENT"))
        if events:
            break  # the inline part and its attached copy are one answer
    return events


def _addressed_key(message: EmailMessage, events: list) -> str | None:
    """The key of the reply address it was sent to: in the recipients, or the REPLY's ORGANIZER."""
    headers = [str(value) for name in ("To", "Cc", "Delivered-To", "X-Original-To") for value in
               message.get_all(name, [])]
    addresses = [address for _name, address in getaddresses(headers)]
    addresses += [str(event.get("ORGANIZER", "")) for event in events]
    return next((key for address in addresses if (key := receive.reply_key(address))), None)


def _partstat_of(event, email_address: str) -> str | None:
    attendees = event.get("ATTENDEE", [])
    for attendee in attendees if isinstance(attendees, list) else [attendees]:
        address = str(attendee).strip().lower().removeprefix("mailto:")
        if address == email_address.lower():
            return str(attendee.params.get("PARTSTAT", "NEEDS-ACTION")).upper()
    return None


def _ignored(message: EmailMessage, reason: str) -> str:
    log.warning("Ignored calendar reply %s: %s", " ".join(str(message.get("Message-ID", "")).split()), reason)
    return f"ignored: {reason}"


def _ignored_quietly(session: MentoringSession, reason: str) -> str:
    log.info("Calendar reply for session %s not applied: %s", session.id, reason)
    return f"ignored: {reason}"
