"""Time is UTC inside: one helper so every default and comparison agrees."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    """Naive UTC, the form stored in every *_at column on SQLite and PostgreSQL alike."""
    return datetime.now(UTC).replace(tzinfo=None)


def end_of_day(day: date) -> datetime:
    """The last moment of `day`, for periods that include their last day: compared with <=, not with <
    the next midnight, since 9999-12-31 (a date anyone may type) has no next day."""
    return datetime.combine(day, time.max)


def local_to_utc(local: datetime, zone_name: str) -> datetime:
    """A wall-clock time typed in `zone_name` as naive UTC (a nonexistent DST time moves forward)."""
    aware = local.replace(tzinfo=ZoneInfo(zone_name))
    try:
        return aware.astimezone(UTC).replace(tzinfo=None)
    except OverflowError as error:  # the first or last hours of year 1 or 9999
        from learnhub.errors import InvalidInput
        from learnhub.i18n import _

        raise InvalidInput(_("Please enter a date and time.")) from error


def utc_to_local(moment: datetime, zone_name: str) -> datetime:
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(zone_name)).replace(tzinfo=None)


def is_in_calendar_range(moment: datetime) -> bool:
    """Whether a stored time can be moved into any zone (UTC-12 to UTC+14) and written to a calendar:
    a time typed before the date rule existed may sit at the very edge of year 1 or 9999."""
    return datetime(1, 1, 2) <= moment <= datetime(9999, 12, 30)


def nearest_due_lead(starts_at: datetime, now: datetime, leads_minutes: tuple[int, ...]) -> int | None:
    """Of the reminder lead times (minutes before `starts_at`), the shortest one that has been reached,
    or None if none has: only the nearest reminder is sent, so a session booked at short notice
    gets one reminder, not every one that is already due."""
    ahead = starts_at - now
    due = [lead for lead in leads_minutes if ahead <= timedelta(minutes=lead)]
    return min(due) if due else None
