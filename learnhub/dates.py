"""The one set of formatters for dates, times and ranges on pages, in mail and in PDFs.

Each language's own convention from CLDR (Babel): "Sun, Dec 27, 2026, 9:00 AM" in English,
"ned, 27. dec 2026, 09:00" in Serbian and Bosnian; never seconds or US short dates; a range is written
once ("ned, 27. dec 2026, 09:00–13:00"). Stored times are naive UTC and are shown in the reader's zone
(force_timezone makes that the recipient's in mail); a zone is named, briefly ("CET"), only when it is
not the reader's or when asked for (mail is read anywhere). Far dates never fail a page.
"""

from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel import dates as babel_dates
from flask_babel import get_locale, get_timezone

__all__ = ["format_date", "format_day", "format_time", "format_datetime", "format_range", "format_date_range",
           "format_relative_day", "format_month", "week_days", "format_zone", "zone_abbreviation"]

DAY_WITH_WEEKDAY = "yMMMEd"  # ned, 27. dec 2026. / Sun, Dec 27, 2026
DAY = "yMMMd"  # 27. dec 2026. / Dec 27, 2026


def _locale() -> Locale:
    return get_locale() or Locale.parse("en")


def _reader_zone() -> tzinfo:
    return get_timezone() or UTC


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _in_zone(value: datetime, zone: tzinfo) -> datetime:
    """A stored (naive UTC) or aware time in `zone`; one at the very edge of year 1 or 9999 that the zone
    cannot hold stays in UTC rather than failing the page."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        return aware.astimezone(zone)
    except OverflowError:
        return aware.astimezone(UTC)


def _zone_name(zone: tzinfo) -> str:
    return getattr(zone, "key", None) or getattr(zone, "zone", None) or str(zone)  # zoneinfo's or pytz's


def _is_reader_zone(zone: tzinfo) -> bool:
    return _zone_name(zone) == _zone_name(_reader_zone())


def _time_skeleton(locale: Locale) -> str:
    """The language's clock: 12 hours with AM/PM in English, 24 hours in Serbian and Bosnian."""
    return "hm" if "h" in locale.time_formats["short"].pattern else "Hm"


def zone_abbreviation(moment: datetime) -> str:
    """A zone as people write it ("CET", "CEST", "EDT"), or its offset ("UTC+04") where it has no letters."""
    name = moment.tzname() or "UTC"
    return f"UTC{name}" if name[:1] in "+-" else name


def format_zone(zone_name: str, at: datetime) -> str:
    """A zone by its name, with the abbreviation in use at `at` (naive UTC): "Europe/Sarajevo (CEST)"."""
    return f"{zone_name} ({zone_abbreviation(_in_zone(at, _zone(zone_name)))})"


def _with_zone(text: str, moment: datetime, zone: tzinfo, with_zone: bool) -> str:
    if with_zone or not _is_reader_zone(zone):
        return f"{text} {zone_abbreviation(moment)}"
    return text


# CLDR's narrow and thin spaces ("9:00\u202fAM", "Dec 27\u2009–\u200930") as plain ones: the same in every
# font, mail part and search box.
_PLAIN_SPACES = str.maketrans({"\u202f": " ", "\u2009": " ", "\u00a0": " "})


def _plain(text: str) -> str:
    return text.translate(_PLAIN_SPACES)


def _skeleton(skeleton: str, value: date | datetime, locale: Locale) -> str:
    return _plain(babel_dates.format_skeleton(skeleton, value, locale=locale, fuzzy=True))


def _as_day(value: date | datetime, zone: tzinfo | None = None) -> date | datetime:
    return _in_zone(value, zone or _reader_zone()) if isinstance(value, datetime) else value


def format_date(value: date | datetime, *, long: bool = False, relative: bool = False) -> str:
    """A day without weekday ("27. dec 2026."); `long` spells out the month ("27. decembar 2026.", certificates);
    `relative` adds "(tomorrow)", "(in 3 days)" for a day within the week."""
    if long:
        text = _plain(babel_dates.format_date(_as_day(value), "long", locale=_locale()))
    else:
        text = _skeleton(DAY, _as_day(value), _locale())
    return _with_relative(text, value) if relative else text


def _with_relative(text: str, value: date | datetime) -> str:
    words = format_relative_day(value)
    return f"{text} ({words})" if words else text


def format_day(value: date | datetime, *, long: bool = False) -> str:
    """A day with its weekday ("ned, 27. dec 2026."); `long` spells both out ("nedelja, 27. decembar 2026."),
    as a screen reader should say a day chosen from a calendar."""
    if long:
        return _plain(babel_dates.format_date(_as_day(value), "full", locale=_locale()))
    return _skeleton(DAY_WITH_WEEKDAY, _as_day(value), _locale())


def format_month(value: date) -> str:
    """A month of a year, as a calendar's heading names it ("mart 2027." / "March 2027")."""
    return _skeleton("yMMMM", value, _locale())


def week_days() -> list[tuple[int, str, str]]:
    """The days of a calendar's week in the language's order (Monday first in ours; Sunday where that is
    the custom), each as (weekday with Monday 0, short name, full name)."""
    locale = _locale()
    short = babel_dates.get_day_names("abbreviated", context="stand-alone", locale=locale)
    full = babel_dates.get_day_names("wide", context="stand-alone", locale=locale)
    return [(day % 7, short[day % 7], full[day % 7]) for day in range(locale.first_week_day, locale.first_week_day + 7)]


def format_time(moment: datetime, *, zone: str | None = None, with_zone: bool = False) -> str:
    """The time of day ("09:00", "9:00 AM")."""
    tz = _zone(zone) if zone else _reader_zone()
    local = _in_zone(moment, tz)
    return _with_zone(_skeleton(_time_skeleton(_locale()), local, _locale()), local, tz, with_zone)


def format_datetime(moment: datetime, *, zone: str | None = None, with_zone: bool = False,
                    relative: bool = False) -> str:
    """Day with weekday and time: "ned, 27. dec 2026, 09:00" / "Sun, Dec 27, 2026, 9:00 AM"; `relative`
    adds "(tomorrow)" and the like for a day within the week."""
    tz = _zone(zone) if zone else _reader_zone()
    local, locale = _in_zone(moment, tz), _locale()
    text = _join(locale, _skeleton(DAY_WITH_WEEKDAY, local, locale), _skeleton(_time_skeleton(locale), local, locale))
    text = _with_zone(text, local, tz, with_zone)
    return _with_relative(text, moment) if relative else text


def _join(locale: Locale, day: str, time: str) -> str:
    # CLDR's medium date-time glue is "{1} {0}" in Serbian: after a date ending in "2026." a comma reads better.
    return f"{day.rstrip('.')}, {time}" if locale.language != "en" else f"{day}, {time}"


def format_range(starts_at: datetime, ends_at: datetime | None = None, *, zone: str | None = None,
                 with_zone: bool = False) -> str:
    """A session: "ned, 27. dec 2026, 09:00–13:00"; over several days both ends in full."""
    if ends_at is None:
        return format_datetime(starts_at, zone=zone, with_zone=with_zone)
    tz = _zone(zone) if zone else _reader_zone()
    start, end, locale = _in_zone(starts_at, tz), _in_zone(ends_at, tz), _locale()
    if start.utcoffset() != end.utcoffset() and UTC in (start.tzinfo, end.tzinfo):
        start, end = _in_zone(starts_at, UTC), _in_zone(ends_at, UTC)  # one end too far for the zone: both in UTC
    if start.date() == end.date():
        times = _plain(babel_dates.format_interval(start, end, _time_skeleton(locale), tzinfo=start.tzinfo, locale=locale,
                                                   fuzzy=True))
        text = _join(locale, _skeleton(DAY_WITH_WEEKDAY, start, locale), times)
    else:
        text = "{} – {}".format(_join(locale, _skeleton(DAY_WITH_WEEKDAY, start, locale),
                                  _skeleton(_time_skeleton(locale), start, locale)),
                            _join(locale, _skeleton(DAY_WITH_WEEKDAY, end, locale),
                                  _skeleton(_time_skeleton(locale), end, locale)))
    return _with_zone(text, start, tz, with_zone)


def format_date_range(starts_on: date, ends_on: date) -> str:
    """A cohort's or programme's days, written once: "27.–29. dec 2026." / "Dec 27 – 29, 2026"."""
    if ends_on < starts_on:
        return f"{format_date(starts_on)} – {format_date(ends_on)}"
    return _plain(babel_dates.format_interval(starts_on, ends_on, DAY, locale=_locale(), fuzzy=True))


def format_relative_day(value: date | datetime, today: date | None = None, within_days: int = 6) -> str:
    """"today", "tomorrow", "in 3 days", "yesterday" in the reader's language, for a day up to
    `within_days` away; "" further off, where the date says more."""
    day = _as_day(value)
    day = day.date() if isinstance(day, datetime) else day
    today = today or _in_zone(datetime.now(UTC), _reader_zone()).date()
    offset = (day - today).days
    if abs(offset) > within_days:
        return ""
    locale = _locale()
    named = locale._data["date_fields"]["day"]["relative"]
    if offset in (-1, 0, 1):
        return named[offset]
    return _plain(babel_dates.format_timedelta(timedelta(days=offset), granularity="day", threshold=10,
                                               add_direction=True, locale=locale))
