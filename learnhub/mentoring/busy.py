"""Mentors' own calendars block their free slots.

A mentor adds private ICS subscription addresses (Google, Outlook, Apple) or CalDAV calendars. The worker
(and "refresh now") reads each one through the guarded fetcher (learnhub/netguard.py), expands recurring
events with their moved and cancelled occurrences in the events' own zones (recurring-ical-events), and
keeps only the busy intervals, in naive UTC: no titles, places or attendees. A failed read keeps the last
good intervals and records what went wrong for the mentor's page. Addresses are secrets: they are shown
shortened and never logged (log lines name the calendar's id).
"""

import logging
import time as monotonic_clock
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
from flask import current_app
from sqlalchemy import bindparam, delete, or_, select, update

from learnhub.errors import InvalidInput, NotFound
from learnhub.extensions import db
from learnhub.i18n import _, _l
from learnhub.mentoring.models import BusyCalendar, BusyCalendarKind, BusyInterval
from learnhub.netguard import FetchLimits, FetchRefused, check_url, fetch
from learnhub.people.models import User

log = logging.getLogger(__name__)

DAYS_BEHIND, DAYS_AHEAD = 1, 400  # covers the longest booking horizon (365 days) with room to spare
MAX_INTERVALS = 5000  # per calendar: more is no calendar a person keeps
MAX_CALENDARS = 5  # per mentor
ROUND_SECONDS = 30.0  # a worker round starts no new read after this long; the rest wait for the next round

ERROR_LABELS = {
    "scheme": _l("The address must start with https://."),
    "address": _l("The address leads to a private network, which LearnHub does not read."),
    "unreachable": _l("The calendar server could not be reached."),
    "timeout": _l("The calendar server did not answer in time."),
    "too_large": _l("The calendar is too large to read."),
    "status": _l("The calendar server refused the request: check that the address is still shared."),
    "not_calendar": _l("The address did not give a calendar."),
}

# The mentor's time taken elsewhere in a period: one more branch of the free-slot query (services._busy).
BUSY_ELSEWHERE = select(BusyInterval.starts_at, BusyInterval.ends_at).where(
    BusyInterval.mentor_id == bindparam("mentor_id"), BusyInterval.ends_at > bindparam("since"),
    BusyInterval.starts_at < bindparam("until"))

_CALDAV_QUERY = """<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><C:calendar-data/></D:prop>
  <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">
    <C:time-range start="{start}" end="{end}"/>
  </C:comp-filter></C:comp-filter></C:filter>
</C:calendar-query>"""


def fetch_limits() -> FetchLimits:
    config = current_app.config
    return FetchLimits(is_strict=config["ENV_NAME"] == "production",
                       timeout_seconds=config["BUSY_CALENDAR_TIMEOUT_SECONDS"],
                       max_bytes=config["BUSY_CALENDAR_MAX_BYTES"])


def shown_address(calendar: BusyCalendar) -> str:
    """The address as the page shows it: scheme and host only, the secret path left out."""
    parts = urlsplit(calendar.url)
    return f"{parts.scheme}://{parts.hostname}/…"


def error_label(calendar: BusyCalendar) -> str:
    return str(ERROR_LABELS.get(calendar.last_error, ERROR_LABELS["unreachable"]))


# --- the mentor's list ------------------------------------------------------------------------------

def busy_calendars_of(mentor: User) -> list[BusyCalendar]:
    return list(db.session.scalars(select(BusyCalendar).where(BusyCalendar.mentor_id == mentor.id)
                                   .order_by(BusyCalendar.id)))


def busy_calendar_for(mentor: User, calendar_id: int) -> BusyCalendar:
    """One of the mentor's own calendars; anyone else's is not found."""
    calendar = db.session.scalar(select(BusyCalendar).where(BusyCalendar.id == calendar_id,
                                                            BusyCalendar.mentor_id == mentor.id))
    if calendar is None:
        raise NotFound(_("We could not find that calendar."))
    return calendar


def add_busy_calendar(mentor: User, kind: str, url: str) -> BusyCalendar:
    """Checks the address (in production: https to a public host) and keeps it; reading it is separate."""
    url = url.strip()
    if url.lower().startswith("webcal://"):  # what Apple and Outlook hand out for https subscriptions
        url = "https://" + url[len("webcal://"):]
    if kind not in set(BusyCalendarKind):
        raise InvalidInput(_("Please choose the kind of calendar."))
    if not url or len(url) > 2000:
        raise InvalidInput(_("Please paste the calendar's address."))
    try:
        check_url(url, fetch_limits())
    except FetchRefused as refused:
        raise InvalidInput(str(ERROR_LABELS.get(refused.kind, ERROR_LABELS["unreachable"]))) from refused
    if len(busy_calendars_of(mentor)) >= MAX_CALENDARS:
        raise InvalidInput(_("You can add at most %(count)d calendars.", count=MAX_CALENDARS))
    calendar = BusyCalendar(mentor_id=mentor.id, kind=kind, url=url)
    db.session.add(calendar)
    db.session.flush()
    return calendar


def remove_busy_calendar(calendar: BusyCalendar) -> None:
    """The calendar and every busy interval read from it: its times free up at once."""
    db.session.execute(delete(BusyInterval).where(BusyInterval.calendar_id == calendar.id))
    db.session.delete(calendar)
    db.session.flush()


# --- reading -----------------------------------------------------------------------------------------

def refresh_calendar(calendar: BusyCalendar, now: datetime) -> bool:
    """Read the calendar and replace its busy intervals; on failure keep them and record the error."""
    calendar.last_attempt_at = now
    zone = db.session.scalar(select(User.time_zone).where(User.id == calendar.mentor_id)) or "UTC"
    since, until = now - timedelta(days=DAYS_BEHIND), now + timedelta(days=DAYS_AHEAD)
    try:
        intervals = busy_intervals(_download(calendar, since, until), zone, since, until)
    except FetchRefused as refused:
        return _failed(calendar, now, refused.kind)
    except (ValueError, KeyError, ET.ParseError) as error:  # not iCalendar (a login page, say)
        log.warning("Busy calendar %s is not a calendar: %s", calendar.id, type(error).__name__)
        return _failed(calendar, now, "not_calendar")
    db.session.execute(delete(BusyInterval).where(BusyInterval.calendar_id == calendar.id))
    db.session.add_all(BusyInterval(calendar_id=calendar.id, mentor_id=calendar.mentor_id, starts_at=start,
                                    ends_at=end) for start, end in intervals[:MAX_INTERVALS])
    calendar.last_success_at, calendar.last_error = now, ""
    db.session.flush()
    return True


def _failed(calendar: BusyCalendar, now: datetime, kind: str) -> bool:
    log.warning("Busy calendar %s of mentor %s could not be read: %s", calendar.id, calendar.mentor_id, kind)
    calendar.last_error, calendar.last_error_at = kind, now
    db.session.flush()
    return False


def refresh_due_calendars(now: datetime) -> int:
    """The worker's step: read every calendar not tried for BUSY_CALENDAR_REFRESH_MINUTES; returns how many
    were read. Each is claimed first (its attempt time moved on, committed), so two workers never read one
    calendar in the same round, and each is committed on its own, as the mail steps are."""
    every = timedelta(minutes=current_app.config["BUSY_CALENDAR_REFRESH_MINUTES"])
    is_due = or_(BusyCalendar.last_attempt_at.is_(None), BusyCalendar.last_attempt_at <= now - every)
    due_ids = list(db.session.scalars(select(BusyCalendar.id).where(is_due).order_by(BusyCalendar.id)))
    db.session.commit()
    read, deadline = 0, monotonic_clock.monotonic() + ROUND_SECONDS
    for calendar_id in due_ids:
        if monotonic_clock.monotonic() > deadline:
            break
        claimed = db.session.scalar(update(BusyCalendar).where(BusyCalendar.id == calendar_id, is_due)
                                    .values(last_attempt_at=now).returning(BusyCalendar.id))
        db.session.commit()
        calendar = db.session.get(BusyCalendar, calendar_id) if claimed else None
        if calendar is not None:
            refresh_calendar(calendar, now)
            db.session.commit()
            read += 1
    return read


def _download(calendar: BusyCalendar, since: datetime, until: datetime) -> list[icalendar.Calendar]:
    limits = fetch_limits()
    if calendar.kind == BusyCalendarKind.CALDAV:
        body = _CALDAV_QUERY.format(start=f"{since:%Y%m%dT%H%M%SZ}", end=f"{until:%Y%m%dT%H%M%SZ}").encode()
        answer = fetch(calendar.url, limits, method="REPORT", body=body,
                       headers={"Content-Type": "application/xml; charset=utf-8", "Depth": "1"})
        return [icalendar.Calendar.from_ical(data.text) for data in ET.fromstring(answer).iter(
            "{urn:ietf:params:xml:ns:caldav}calendar-data") if data.text and data.text.strip()]
    answer = fetch(calendar.url, limits, headers={"Accept": "text/calendar"})
    if not answer.lstrip().startswith(b"BEGIN:VCALENDAR"):
        raise ValueError("not iCalendar")
    return [icalendar.Calendar.from_ical(answer)]


# --- expanding ---------------------------------------------------------------------------------------

def busy_intervals(calendars: list[icalendar.Calendar], zone: str, since: datetime,
                   until: datetime) -> list[tuple[datetime, datetime]]:
    """Busy time in naive UTC between `since` and `until`, merged where it overlaps. Events marked free
    (TRANSP:TRANSPARENT, Outlook's FREE) and cancelled ones are left out; all-day events block the
    mentor's whole day; times without a zone are the mentor's."""
    tz = ZoneInfo(zone)
    found: list[tuple[datetime, datetime]] = []
    for calendar in calendars:
        query = recurring_ical_events.of(calendar, components=["VEVENT"])
        for event in query.between(since.replace(tzinfo=UTC), until.replace(tzinfo=UTC)):
            if _is_free(event):
                continue
            start, end = _instant(event.start, tz), _instant(event.end, tz)
            if end > start:
                found.append((max(start, since), min(end, until)))
    return _merged(found)


def _is_free(event: icalendar.Event) -> bool:
    return (str(event.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT"
            or str(event.get("STATUS", "")).upper() == "CANCELLED"
            or str(event.get("X-MICROSOFT-CDO-BUSYSTATUS", "")).upper() == "FREE")


def _instant(moment: date | datetime, tz: ZoneInfo) -> datetime:
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(UTC).replace(tzinfo=None)


def _merged(intervals: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
