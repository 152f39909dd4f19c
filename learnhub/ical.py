"""Sessions and cohort meetings as iCalendar (RFC 5545): iTIP e-mail invitations (RFC 5546),
subscription feeds (RFC 7986) and CalDAV calendar objects (RFC 4791).

Pure functions: the caller passes everything in, already translated, and gets an
`icalendar.Calendar` back. Times arrive as naive UTC and leave in the event's own zone,
with a VTIMEZONE, so recipients' clients show the wall-clock time the organiser meant.
"""

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vDuration, vText

__all__ = [
    "Person", "Attendee", "CalendarEvent", "METHODS", "PRODID",
    "invitation", "feed", "as_calendar_object", "to_bytes", "event_to_data", "event_from_data",
]

PRODID = "-//LearnHub//LearnHub//EN"
METHODS = frozenset({"REQUEST", "CANCEL", "PUBLISH"})
ROLES = frozenset({"REQ-PARTICIPANT", "OPT-PARTICIPANT", "NON-PARTICIPANT", "CHAIR"})
PARTSTATS = frozenset({"NEEDS-ACTION", "ACCEPTED", "DECLINED", "TENTATIVE", "DELEGATED"})

# C0/C1 controls and the Unicode line/paragraph separators: some parsers split lines on any of them.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_NOT_IN_ADDRESS = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")


@dataclass(frozen=True)
class Person:
    name: str
    email: str


@dataclass(frozen=True)
class Attendee:
    person: Person
    role: str = "REQ-PARTICIPANT"
    partstat: str = "NEEDS-ACTION"
    rsvp: bool = True


@dataclass(frozen=True)
class CalendarEvent:
    uid: str  # stable across updates: clients match REQUEST/CANCEL to the stored event by it
    sequence: int  # the caller increments it on every significant change (time, place, cancellation)
    starts_at: datetime  # naive UTC
    ends_at: datetime  # naive UTC
    summary: str
    description: str
    location: str = ""
    url: str = ""
    organizer: Person | None = None
    sent_by: str = ""  # the platform address, when it mails on the organiser's behalf
    attendees: tuple[Attendee, ...] = ()
    cancelled: bool = False
    time_zone: str = "Europe/Belgrade"


def invitation(event: CalendarEvent, method: str, stamp: datetime) -> Calendar:
    """An iTIP message for e-mail: REQUEST (new or changed), CANCEL, or PUBLISH (a download)."""
    if method not in METHODS:
        raise ValueError(f"unsupported iTIP method {method!r}")
    if method != "PUBLISH" and event.organizer is None:
        raise ValueError("REQUEST and CANCEL need an organizer (RFC 5546)")
    calendar = _calendar(method)
    cancelled = event.cancelled or method == "CANCEL"
    calendar.add_component(_vevent(event, stamp, cancelled=cancelled, with_attendees=True))
    _add_timezones(calendar, [event])
    return calendar


def feed(events: Iterable[CalendarEvent], name: str, stamp: datetime,
         refresh: timedelta = timedelta(hours=1)) -> Calendar:
    """A subscription feed; it never lists attendees, because anyone holding its URL can read it."""
    listed = list(events)
    calendar = _calendar("PUBLISH")
    # Explicit vText: icalendar writes NAME and X- properties verbatim (no escaping) otherwise.
    calendar.add("name", vText(_one_line(name)))
    calendar.add("x-wr-calname", vText(_one_line(name)))
    calendar.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(refresh))  # what Outlook and older Apple clients read instead
    for event in listed:
        calendar.add_component(_vevent(event, stamp, cancelled=event.cancelled, with_attendees=False))
    _add_timezones(calendar, listed)
    return calendar


def as_calendar_object(calendar: Calendar) -> Calendar:
    """A copy to store over CalDAV: a calendar object resource must not carry an iTIP METHOD."""
    stored = Calendar.from_ical(to_bytes(calendar))
    stored.pop("METHOD", None)
    return stored


def to_bytes(calendar: Calendar) -> bytes:
    """CRLF-terminated, folded at 75 octets, as RFC 5545 requires."""
    return calendar.to_ical()


def event_to_data(event: CalendarEvent) -> dict:
    """The event as plain values (for JSON), e.g. to render its invitation later."""
    return asdict(event)


def event_from_data(data: dict) -> CalendarEvent:
    """The event `event_to_data` gave."""
    organizer = data["organizer"]
    attendees = tuple(Attendee(**{**attendee, "person": Person(**attendee["person"])})
                      for attendee in data["attendees"])
    return CalendarEvent(**{**data, "organizer": organizer and Person(**organizer), "attendees": attendees})


def _calendar(method: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    return calendar


def _vevent(event: CalendarEvent, stamp: datetime, *, cancelled: bool, with_attendees: bool) -> Event:
    zone = ZoneInfo(event.time_zone)
    vevent = Event()
    vevent.add("uid", _one_line(event.uid))
    vevent.add("sequence", event.sequence)
    vevent.add("dtstamp", stamp.replace(tzinfo=UTC))
    vevent.add("dtstart", event.starts_at.replace(tzinfo=UTC).astimezone(zone))
    vevent.add("dtend", event.ends_at.replace(tzinfo=UTC).astimezone(zone))
    vevent.add("summary", _one_line(event.summary))
    if description := _multi_line(event.description):
        vevent.add("description", description)
    if location := _one_line(event.location):
        vevent.add("location", location)
    if url := _NOT_IN_ADDRESS.sub("", event.url):
        vevent.add("url", url)
    vevent.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if event.organizer is not None:
        vevent.add("organizer", _organizer(event.organizer, event.sent_by))
    if with_attendees:
        for attendee in event.attendees:
            vevent.add("attendee", _attendee(attendee))
    return vevent


def _organizer(person: Person, sent_by: str) -> vCalAddress:
    address = _address(person)
    if sent_by:
        address.params["SENT-BY"] = _mailto(sent_by)
    return address


def _attendee(attendee: Attendee) -> vCalAddress:
    role, partstat = str(attendee.role), str(attendee.partstat)
    if role not in ROLES or partstat not in PARTSTATS:
        raise ValueError(f"unknown ROLE {role!r} or PARTSTAT {partstat!r}")
    address = _address(attendee.person)
    address.params["ROLE"] = role
    address.params["PARTSTAT"] = partstat
    address.params["RSVP"] = "TRUE" if attendee.rsvp else "FALSE"
    return address


def _address(person: Person) -> vCalAddress:
    address = vCalAddress(_mailto(person.email))
    if name := _one_line(person.name).replace('"', "'"):
        # A double quote would need RFC 6868 (^'), which vobject and many clients show raw.
        address.params["CN"] = name
    return address


def _mailto(email: str) -> str:
    # A URI value is written verbatim, so nothing that could end the line may reach it.
    return f"mailto:{_NOT_IN_ADDRESS.sub('', email)}"


def _add_timezones(calendar: Calendar, events: list[CalendarEvent]) -> None:
    """One VTIMEZONE per zone used, covering only the years the events fall in (a day's margin for offsets)."""
    if not events:
        return
    first = min(event.starts_at for event in events) - timedelta(days=1)
    last = max(event.ends_at for event in events) + timedelta(days=1)
    calendar.add_missing_timezones(first_date=date(first.year, 1, 1), last_date=date(last.year + 1, 1, 1))


def _one_line(text: str) -> str:
    """User-typed titles, names and places: a line break here would start a new property elsewhere."""
    return _CONTROL.sub(" ", text).strip()


def _multi_line(text: str) -> str:
    """Descriptions keep their line breaks (icalendar escapes them as \\n); other controls go."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(_CONTROL.sub(" ", line).rstrip() for line in lines).strip()
