"""Reading what a mentor types into the availability editor: times, time ranges and dates.

Browsers send `<input type="time">` and `<input type="date">` as "09:30" and "2027-03-01", but where they
show a plain text box (and in what people paste) the same values arrive as "9", "9.30", "14-17" or
"1. 3. 2027.": each is read as what it plainly means. Problems come back in the reader's language and
without context; the form says which day and range they belong to.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time

from learnhub.fields import FIRST_YEAR, YEARS_AHEAD
from learnhub.i18n import _
from learnhub.mentoring.slots import overlaps

# 9 / 09 / 9:30 / 9.30 / 9h / 9h30 / 930 / 0930
_CLOCK = re.compile(r"(?P<hour>\d{1,2})(?:\s*[:.h]\s*(?P<minute>\d{2}))?\s*h?|(?P<hhmm>\d{3,4})")
# A whole range typed into one box: "14-17", "9:00 – 12:30"
_RANGE = re.compile(r"(?P<start>[^-–—]+?)\s*[-–—]\s*(?P<end>[^-–—]+)")
# 2027-03-01 (what date inputs send) / 1.3.2027 / 1. 3. 2027. / 01/03/2027
_ISO_DAY = re.compile(r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})")
_LOCAL_DAY = re.compile(r"(?P<day>\d{1,2})\s*[./]\s*(?P<month>\d{1,2})\s*[./]\s*(?P<year>\d{4})\.?")


@dataclass(frozen=True)
class Problem:
    """What is wrong in one row, shown at the row's field named `part`."""

    row: int  # from 0
    part: str
    message: str


def parse_clock(text: str) -> time:
    """A time of day typed by hand; ValueError with the reader's message when it is none."""
    match = _CLOCK.fullmatch(text.strip())
    if match:
        if match["hhmm"]:
            hour, minute = divmod(int(match["hhmm"]), 100)
        else:
            hour, minute = int(match["hour"]), int(match["minute"] or 0)
        if hour < 24 and minute < 60:
            return time(hour, minute)
    raise ValueError(_("please enter a time such as 09:00 or 14:30"))


def parse_day(text: str, today: date) -> date:
    """A date typed by hand or sent by a date picker, within the years a person plausibly means."""
    match = _ISO_DAY.fullmatch(text.strip()) or _LOCAL_DAY.fullmatch(text.strip())
    try:
        if not match:
            raise ValueError
        day = date(int(match["year"]), int(match["month"]), int(match["day"]))
    except ValueError:
        raise ValueError(_("please enter a date such as %(example)s", example="2027-03-01")) from None
    if not FIRST_YEAR <= day.year <= today.year + YEARS_AHEAD:
        raise ValueError(_("please enter a date between %(first)s and %(last)s", first=FIRST_YEAR,
                           last=today.year + YEARS_AHEAD))
    return day


def read_date(text: str, today: date) -> date:
    """The date of date-specific hours: today or later."""
    day = parse_day(text, today)
    if day < today:
        raise ValueError(_("this date has passed"))
    return day


def _split(start_text: str, end_text: str) -> tuple[str, str]:
    whole = _RANGE.fullmatch(start_text) if not end_text else None
    return (whole["start"], whole["end"]) if whole else (start_text, end_text)


def tidy_range(start_text: str, end_text: str) -> tuple[str, str]:
    """A range's two boxes as time inputs show them ("09:00"), each where it can be read and as typed
    where not: a browser's time input shows "9" or "14-17" as empty, losing what was meant."""
    def tidy(text: str) -> str:
        try:
            return f"{parse_clock(text):%H:%M}"
        except ValueError:
            return text
    start_text, end_text = _split(start_text.strip(), end_text.strip())
    return tidy(start_text) if start_text else "", tidy(end_text) if end_text else ""


def tidy_day(text: str, today: date) -> str:
    """A date as date inputs show it ("2027-03-01") where it can be read; as typed where not."""
    try:
        return parse_day(text, today).isoformat()
    except ValueError:
        return text.strip()


def read_ranges(rows: Sequence[tuple[str, str]]) -> tuple[list[tuple[int, time, time]], list[Problem]]:
    """The ranges typed on one day as (row, start, end), blank rows left out, and the problems found.

    A row whose start box holds a whole range ("14-17") and whose end box is empty is read as that range.
    Each problem is shown once, where the mentor has to change something: an unreadable time at its box,
    an end not after its start at the end, an overlap at the later range's start.
    """
    ranges: list[tuple[int, time, time]] = []
    problems: list[Problem] = []
    for row, (start_text, end_text) in enumerate(rows):
        start_text, end_text = _split(start_text.strip(), end_text.strip())
        if not start_text and not end_text:
            continue
        if not start_text or not end_text:
            missing = "start" if not start_text else "end"
            problems.append(Problem(row, missing, _("please enter the start too") if missing == "start"
                                    else _("please enter the end too")))
            continue
        times: dict[str, time] = {}
        for part, text in (("start", start_text), ("end", end_text)):
            try:
                times[part] = parse_clock(text)
            except ValueError as error:
                problems.append(Problem(row, part, str(error)))
        if len(times) < 2:
            continue
        if times["end"] <= times["start"]:
            problems.append(Problem(row, "end", _("the end must be after the start")))
            continue
        clash = next((other for other, start, end in ranges if overlaps(start, end, times["start"], times["end"])),
                     None)
        if clash is not None:
            problems.append(Problem(row, "start", _("it overlaps range %(number)d", number=clash + 1)))
            continue
        ranges.append((row, times["start"], times["end"]))
    return ranges, problems


def read_day_off(first_text: str, last_text: str, today: date) -> tuple[date, date] | Problem:
    """A day off, or a stretch of them ("until" left empty: one day), that has not ended before today; or
    the Problem (row 0) to show. A stretch that began before today is kept as typed."""
    if not first_text.strip():
        return Problem(0, "first_day", _("please enter the first day"))
    try:
        first = parse_day(first_text, today)
    except ValueError as error:
        return Problem(0, "first_day", str(error))
    try:
        last = parse_day(last_text, today) if last_text.strip() else first
    except ValueError as error:
        return Problem(0, "last_day", str(error))
    if last < first:
        return Problem(0, "last_day", _("the last day cannot be before the first"))
    if last < today:
        return Problem(0, "last_day" if last_text.strip() else "first_day", _("this date has passed"))
    return first, last
