"""Sessions and cohort meetings as iCalendar (RFC 5545): iTIP e-mail invitations (RFC 5546),
subscription feeds (RFC 7986) and CalDAV calendar objects (RFC 4791).

Pure functions: the caller passes everything in, already translated, and gets an
`icalendar.Calendar` back. Times arrive as naive UTC and leave in the event's own zone,
with a VTIMEZONE, so recipients' clients show the wall-clock time the organiser meant.
"""

import calendar as month_calendar
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from zoneinfo import TZPATH, ZoneInfo

from icalendar import (
    Calendar,
    Event,
    Timezone,
    TimezoneDaylight,
    TimezoneStandard,
    vCalAddress,
    vDuration,
    vRecur,
    vText,
    vUri,
)

__all__ = [
    "Person", "Attendee", "CalendarEvent", "METHODS", "PRODID",
    "invitation", "feed", "feed_bytes", "as_calendar_object", "to_bytes", "event_to_data", "event_from_data",
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
    conference_url: str = ""  # an online meeting's link (RFC 7986 CONFERENCE), for audio and video
    conference_label: str = ""  # what clients show on the link's button
    organizer: Person | None = None
    sent_by: str = ""  # the platform address, when it mails on the organiser's behalf
    attendees: tuple[Attendee, ...] = ()
    cancelled: bool = False
    time_zone: str = "Europe/Belgrade"
    stamp: datetime | None = None  # naive UTC: when this version was made (a feed's DTSTAMP); None: when sent
    is_transparent: bool = False  # takes no time in free/busy (a session its reader declined)


def invitation(event: CalendarEvent, method: str, stamp: datetime) -> Calendar:
    """An iTIP message for e-mail: REQUEST (new or changed) or CANCEL to attendees, or PUBLISH (a
    download, or the organiser's own copy: they are no attendee to ask)."""
    if method not in METHODS:
        raise ValueError(f"unsupported iTIP method {method!r}")
    if method != "PUBLISH" and (event.organizer is None or not event.attendees):
        raise ValueError("REQUEST and CANCEL need an organizer and attendees (RFC 5546 §3.2.2, §3.2.5)")
    calendar = _calendar(method)
    cancelled = event.cancelled or method == "CANCEL"
    _add_timezones(calendar, [event])
    calendar.add_component(_vevent(event, stamp, cancelled=cancelled, with_attendees=True))
    return calendar


def feed(events: Iterable[CalendarEvent], name: str, stamp: datetime,
         refresh: timedelta = timedelta(hours=1)) -> Calendar:
    """A subscription feed as a Calendar (see `feed_bytes`)."""
    return Calendar.from_ical(feed_bytes(events, name, stamp, refresh))


def feed_bytes(events: Iterable[CalendarEvent], name: str, stamp: datetime,
               refresh: timedelta = timedelta(hours=1)) -> bytes:
    """A subscription feed; it never lists attendees, because anyone holding its URL can read it.

    Each event's DTSTAMP is its own `stamp` (`stamp` only for events without one), so fetching an
    unchanged feed twice gives the same bytes. The events are written directly, not through
    icalendar's objects: a feed holds thousands and calendar apps fetch it again and again."""
    listed = list(events)
    calendar = _calendar("PUBLISH")
    # Explicit vText: icalendar writes NAME and X- properties verbatim (no escaping) otherwise.
    calendar.add("name", vText(_one_line(name)))
    calendar.add("x-wr-calname", vText(_one_line(name)))
    calendar.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(refresh))  # what Outlook and older Apple clients read instead
    _add_timezones(calendar, listed)
    head = to_bytes(calendar)
    end = b"END:VCALENDAR\r\n"
    assert head.endswith(end)
    lines: list[str] = []
    for event in listed:
        _feed_vevent(lines, event, stamp)
    return head[:-len(end)] + "".join(lines).encode() + end


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
    # A zone whose rules a VTIMEZONE cannot carry (see _zone_rules) leaves in UTC: the same moments.
    zone = ZoneInfo(event.time_zone) if _zone_rules(event.time_zone) else UTC
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
    if conference_url := _NOT_IN_ADDRESS.sub("", event.conference_url):
        vevent.add("conference", vUri(conference_url), parameters=_conference_parameters(event.conference_label))
    vevent.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if event.organizer is not None:
        vevent.add("organizer", _organizer(event.organizer, event.sent_by))
    if with_attendees:
        for attendee in event.attendees:
            vevent.add("attendee", _attendee(attendee))
    return vevent


def _conference_parameters(label: str) -> dict:
    # A parameter value cannot hold a double quote (RFC 6868's ^' is shown raw by many clients).
    parameters = {"VALUE": "URI", "FEATURE": ["AUDIO", "VIDEO"]}
    if label := _one_line(label).replace('"', "'"):
        parameters["LABEL"] = label
    return parameters


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
    """One VTIMEZONE per zone used, before the events that use it."""
    for zone_name in sorted({event.time_zone for event in events}):
        if rules := _zone_rules(zone_name):
            calendar.add_component(_vtimezone(zone_name, rules))


# --- feeds, written directly --------------------------------------------------------------------------------

def _feed_vevent(lines: list[str], event: CalendarEvent, default_stamp: datetime) -> None:
    """The event as _vevent would write it for a feed (no attendees), appended to `lines`. Titles, places,
    descriptions and organisers repeat across a feed's events: each is escaped and folded once."""
    zone_name = event.time_zone if _zone_rules(event.time_zone) else ""
    stamp = event.stamp or default_stamp
    add = lines.append
    add("BEGIN:VEVENT\r\n")
    add(_text_line("SUMMARY", event.summary))
    add(_feed_time("DTSTART", event.starts_at, zone_name))
    add(_feed_time("DTEND", event.ends_at, zone_name))
    add(f"DTSTAMP:{stamp:%Y%m%dT%H%M%S}Z\r\n")
    add(_text_line("UID", event.uid, repeats=False))
    add(f"SEQUENCE:{int(event.sequence)}\r\n")
    if event.description:
        add(_text_line("DESCRIPTION", event.description, multi_line=True))
    if event.location:
        add(_text_line("LOCATION", event.location))
    if event.url:
        add(_folded(f"URL:{_NOT_IN_ADDRESS.sub('', event.url)}"))
    if conference_url := _NOT_IN_ADDRESS.sub("", event.conference_url):
        add(_conference_line(conference_url, event.conference_label))
    add("STATUS:CANCELLED\r\n" if event.cancelled else "STATUS:CONFIRMED\r\n")
    add("TRANSP:TRANSPARENT\r\n" if event.is_transparent else "TRANSP:OPAQUE\r\n")
    if event.organizer is not None:
        add(_organizer_line(event.organizer))
    add("END:VEVENT\r\n")


def _text_line(name: str, text: str, *, multi_line: bool = False, repeats: bool = True) -> str:
    return (_repeated_text_line if repeats else _unique_text_line)(name, text, multi_line)


def _unique_text_line(name: str, text: str, multi_line: bool) -> str:
    value = _multi_line(text) if multi_line else _one_line(text)
    return _folded(f"{name}:{_escaped(value)}") if value else ""


_repeated_text_line = lru_cache(maxsize=4096)(_unique_text_line)


@lru_cache(maxsize=1024)
def _organizer_line(person: Person) -> str:
    name = _one_line(person.name).replace('"', "'")
    common_name = f';CN="{name}"' if name else ""
    return _folded(f"ORGANIZER{common_name}:{_mailto(person.email)}")


@lru_cache(maxsize=1024)
def _conference_line(url: str, label: str) -> str:
    parameters = _conference_parameters(label)
    label_part = f';LABEL="{parameters["LABEL"]}"' if "LABEL" in parameters else ""
    return _folded(f"CONFERENCE;VALUE=URI;FEATURE=AUDIO,VIDEO{label_part}:{url}")


def _feed_time(name: str, moment: datetime, zone_name: str) -> str:
    if not zone_name:
        return f"{name}:{moment:%Y%m%dT%H%M%S}Z\r\n"
    local = moment.replace(tzinfo=UTC).astimezone(_zone(zone_name))
    return f"{name};TZID={zone_name}:{local:%Y%m%dT%H%M%S}\r\n" if len(zone_name) < 40 else _folded(
        f"{name};TZID={zone_name}:{local:%Y%m%dT%H%M%S}")


@cache
def _zone(zone_name: str) -> ZoneInfo:
    return ZoneInfo(zone_name)


_TEXT_ESCAPES = str.maketrans({"\\": "\\\\", ";": "\\;", ",": "\\,", "\n": "\\n"})


def _escaped(text: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11)."""
    return text.translate(_TEXT_ESCAPES)


def _folded(line: str) -> str:
    """The content line folded at 75 octets (RFC 5545 §3.1), never inside a UTF-8 character, with CRLF."""
    if len(line) <= 75 and line.isascii() or len(line.encode()) <= 75:
        return line + "\r\n"
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for character in line:
        width = len(character.encode())
        if size + width > (75 if not parts else 74):  # continuation lines start with a space
            parts.append("".join(current))
            current, size = [], 0
        current.append(character)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts) + "\r\n"


# --- time zones ------------------------------------------------------------------------------------------
# Every VTIMEZONE for a zone is the same whatever the events' dates: the zone's present rules as yearly
# RRULEs from 1970, without end. Clients keep the first definition of a TZID they meet (vobject does;
# Outlook builds its zone from the invitation), so a definition covering only some years made later
# invitations an hour wrong. icalendar only writes dated observances for a range of years, so the
# rules come from the zone file's POSIX TZ string (RFC 8536 §3.3), which tzdata writes for exactly this.

_NAME = r"(?:[A-Za-z]{3,}|<[+\-0-9A-Za-z]+>)"
_OFFSET = r"[+-]?\d{1,2}(?::\d{2}(?::\d{2})?)?"
_DAY_RULE = rf"M(\d{{1,2}})\.([1-5])\.([0-6])(?:/({_OFFSET}))?"
_POSIX_TZ = re.compile(rf"({_NAME})({_OFFSET})(?:({_NAME})({_OFFSET})?,{_DAY_RULE},{_DAY_RULE})?")
_WEEKDAYS = ("SU", "MO", "TU", "WE", "TH", "FR", "SA")  # POSIX numbers them from Sunday
_RULES_FROM = 1970


@dataclass(frozen=True)
class _Change:
    """A yearly change of offset: on the `week`th (5: last) `weekday` of `month`, at `at` local time."""
    month: int
    week: int
    weekday: int
    at: timedelta
    to_offset: timedelta
    name: str
    is_daylight: bool


@dataclass(frozen=True)
class _ZoneRules:
    standard_offset: timedelta
    standard_name: str
    changes: tuple[_Change, ...]  # none, or to daylight time and back


def _duration(text: str) -> timedelta:
    sign = -1 if text.startswith("-") else 1
    hours, minutes, seconds = ([int(part) for part in text.lstrip("+-").split(":")] + [0, 0])[:3]
    return sign * timedelta(hours=hours, minutes=minutes, seconds=seconds)


def _posix_tz_string(zone_name: str) -> str:
    """The last line of the zone's TZif file (RFC 8536 §3.3), from where ZoneInfo reads the zone."""
    for directory in TZPATH:
        path = Path(directory, zone_name)
        if path.is_file():
            data = path.read_bytes()
            break
    else:
        data = resources.files("tzdata.zoneinfo").joinpath(*zone_name.split("/")).read_bytes()
    if not data.startswith(b"TZif") or data[4:5] < b"2" or not data.endswith(b"\n"):
        return ""
    return data[:-1].rpartition(b"\n")[2].decode("ascii", "replace")


@cache
def _zone_rules(zone_name: str) -> _ZoneRules | None:
    """The zone's present rules, or None for UTC and for the few zones whose rules an RRULE cannot
    say (a change at 24:00 or later, or before midnight, or Morocco's dated changes)."""
    zone = ZoneInfo(zone_name)  # refuses names that are no zone
    if zone_name in ("UTC", "Etc/UTC"):
        return None
    found = _POSIX_TZ.fullmatch(_posix_tz_string(zone_name))
    if found is None:
        return None
    std_name, std_offset, dst_name, dst_offset = found.group(1, 2, 3, 4)
    standard = -_duration(std_offset)  # POSIX counts hours west of Greenwich
    changes: tuple[_Change, ...] = ()
    if dst_name:
        daylight = -_duration(dst_offset) if dst_offset else standard + timedelta(hours=1)
        start, end = found.group(5, 6, 7, 8), found.group(9, 10, 11, 12)
        changes = tuple(
            _Change(int(month), int(week), int(weekday), _duration(at or "2"), offset, name.strip("<>"), is_daylight)
            for (month, week, weekday, at), offset, name, is_daylight in (
                (start, daylight, dst_name, True), (end, standard, std_name, False)))
        if any(not timedelta(0) <= change.at < timedelta(hours=24) for change in changes):
            return None
    rules = _ZoneRules(standard, std_name.strip("<>"), changes)
    return rules if _agrees_with_zoneinfo(rules, zone) else None


def _change_day(change: _Change, year: int) -> datetime:
    days_in_month = month_calendar.monthrange(year, change.month)[1]
    first_weekday = (month_calendar.weekday(year, change.month, 1) + 1) % 7  # counted from Sunday
    day = 1 + (change.weekday - first_weekday) % 7 + 7 * (change.week - 1)
    while day > days_in_month:  # week 5: the last one
        day -= 7
    return datetime(year, change.month, day) + change.at


def _offset_at(rules: _ZoneRules, moment: datetime) -> timedelta:
    """The offset the rules give at `moment` (naive UTC)."""
    if not rules.changes:
        return rules.standard_offset
    changes = sorted((_change_day(change, moment.year) - previous.to_offset, change)
                     for change, previous in zip(rules.changes, rules.changes[::-1]))
    offset = changes[-1][1].to_offset  # the year's last change holds until the year's first
    for at_utc, change in changes:
        if moment >= at_utc:
            offset = change.to_offset
    return offset


def _agrees_with_zoneinfo(rules: _ZoneRules, zone: ZoneInfo) -> bool:
    """Whether the rules give the zone's offsets from last year to ten years on (where the zone's file
    lists dated changes instead, as for Morocco, they do not): around each change and every day."""
    this_year = datetime.now(UTC).year
    moments = [datetime(year, 1, 1) + timedelta(days=day, hours=12)
               for year in range(this_year - 1, this_year + 11) for day in range(0, 365, 1)]
    for year in range(this_year - 1, this_year + 11):
        for change, previous in zip(rules.changes, rules.changes[::-1]):
            at_utc = _change_day(change, year) - previous.to_offset
            moments += [at_utc - timedelta(minutes=1), at_utc]
    return all(moment.replace(tzinfo=UTC).astimezone(zone).utcoffset() == _offset_at(rules, moment)
               for moment in moments)


def _vtimezone(zone_name: str, rules: _ZoneRules) -> Timezone:
    timezone = Timezone()
    timezone.add("tzid", zone_name)
    timezone.add("x-lic-location", zone_name)  # libical clients (Thunderbird, Evolution) match their own zone
    if not rules.changes:
        standard = TimezoneStandard()
        standard.add("dtstart", datetime(_RULES_FROM, 1, 1))
        standard.add("tzoffsetfrom", rules.standard_offset)
        standard.add("tzoffsetto", rules.standard_offset)
        standard.add("tzname", rules.standard_name)
        timezone.add_component(standard)
        return timezone
    for change, previous in zip(rules.changes, rules.changes[::-1]):
        observance = TimezoneDaylight() if change.is_daylight else TimezoneStandard()
        observance.add("dtstart", _change_day(change, _RULES_FROM))
        observance.add("tzoffsetfrom", previous.to_offset)
        observance.add("tzoffsetto", change.to_offset)
        observance.add("tzname", change.name)
        week = -1 if change.week == 5 else change.week
        observance.add("rrule", vRecur({"FREQ": "YEARLY", "BYMONTH": change.month,
                                        "BYDAY": f"{week}{_WEEKDAYS[change.weekday]}"}))
        timezone.add_component(observance)
    return timezone


def _one_line(text: str) -> str:
    """User-typed titles, names and places: a line break here would start a new property elsewhere."""
    return _CONTROL.sub(" ", text).strip()


def _multi_line(text: str) -> str:
    """Descriptions keep their line breaks (icalendar escapes them as \\n); other controls go."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(_CONTROL.sub(" ", line).rstrip() for line in lines).strip()
