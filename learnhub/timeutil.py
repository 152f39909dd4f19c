"""Time is UTC inside: one helper so every default and comparison agrees."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    """Naive UTC, the form stored in every *_at column on SQLite and PostgreSQL alike."""
    return datetime.now(UTC).replace(tzinfo=None)


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
