"""The one set of date and time formatters, in each language's convention (learnhub/dates.py)."""

from datetime import date, datetime

import pytest
from flask_babel import force_locale

from learnhub import dates
from learnhub.i18n import force_timezone

# Stored as naive UTC: 09:00-13:00 and the next day 13:00 in Belgrade (CET, UTC+1).
START, END, NEXT_DAY = datetime(2026, 12, 27, 8), datetime(2026, 12, 27, 12), datetime(2026, 12, 28, 12)

EXPECTED = {
    "en": {"datetime": "Sun, Dec 27, 2026, 9:00 AM", "range": "Sun, Dec 27, 2026, 9:00 AM – 1:00 PM",
           "days": "Sun, Dec 27, 2026, 9:00 AM – Mon, Dec 28, 2026, 1:00 PM", "date": "Dec 27, 2026",
           "long": "December 27, 2026", "day": "Sun, Dec 27, 2026", "date_range": "Dec 27 – 30, 2026",
           "tomorrow": "tomorrow", "in_3_days": "in 3 days", "yesterday": "yesterday"},
    "sr_Latn": {"datetime": "ned, 27. dec 2026, 09:00", "range": "ned, 27. dec 2026, 09:00–13:00",
                "days": "ned, 27. dec 2026, 09:00 – pon, 28. dec 2026, 13:00", "date": "27. dec 2026.",
                "long": "27. decembar 2026.", "day": "ned, 27. dec 2026.", "date_range": "27.–30. dec 2026.",
                "tomorrow": "sutra", "in_3_days": "za 3 dana", "yesterday": "juče"},
    "sr_Cyrl": {"datetime": "нед, 27. дец 2026, 09:00", "range": "нед, 27. дец 2026, 09:00–13:00",
                "days": "нед, 27. дец 2026, 09:00 – пон, 28. дец 2026, 13:00", "date": "27. дец 2026.",
                "long": "27. децембар 2026.", "day": "нед, 27. дец 2026.", "date_range": "27.–30. дец 2026.",
                "tomorrow": "сутра", "in_3_days": "за 3 дана", "yesterday": "јуче"},
    "bs": {"datetime": "ned, 27. dec 2026, 09:00", "range": "ned, 27. dec 2026, 09:00 – 13:00",
           "days": "ned, 27. dec 2026, 09:00 – pon, 28. dec 2026, 13:00", "date": "27. dec 2026.",
           "long": "27. decembar 2026.", "day": "ned, 27. dec 2026.", "date_range": "27–30. dec 2026.",
           "tomorrow": "sutra", "in_3_days": "za 3 dana", "yesterday": "jučer"},
}


@pytest.fixture
def reader(app):
    """A request of a reader in Belgrade."""
    with app.test_request_context(), force_timezone("Europe/Belgrade"):
        yield


@pytest.mark.parametrize("language", EXPECTED)
def test_each_language_writes_dates_times_and_ranges_in_its_own_convention(reader, language):
    expected = EXPECTED[language]
    with force_locale(language):
        assert dates.format_datetime(START) == expected["datetime"]
        assert dates.format_range(START, END) == expected["range"]
        assert dates.format_range(START, NEXT_DAY) == expected["days"]
        assert dates.format_date(START) == expected["date"]
        assert dates.format_date(date(2026, 12, 27), long=True) == expected["long"]
        assert dates.format_day(date(2026, 12, 27)) == expected["day"]
        assert dates.format_date_range(date(2026, 12, 27), date(2026, 12, 30)) == expected["date_range"]
        today = date(2026, 12, 27)
        assert dates.format_relative_day(date(2026, 12, 28), today) == expected["tomorrow"]
        assert dates.format_relative_day(date(2026, 12, 30), today) == expected["in_3_days"]
        assert dates.format_relative_day(date(2026, 12, 26), today) == expected["yesterday"]
        assert dates.format_relative_day(date(2027, 1, 27), today) == ""  # far off: the date says it


@pytest.mark.parametrize("language", EXPECTED)
def test_no_seconds_no_long_zone_names_and_no_us_short_dates(reader, language):
    with force_locale(language):
        shown = [dates.format_datetime(START), dates.format_range(START, END), dates.format_date(START),
                 dates.format_datetime(START, with_zone=True)]
    text = " ".join(shown)
    assert ":00:00" not in text and "Standard" not in text and "standard" not in text and "12/27/26" not in text


def test_the_zone_is_named_briefly_only_when_it_is_not_the_readers(reader):
    with force_locale("sr_Latn"):
        assert dates.format_datetime(START) == "ned, 27. dec 2026, 09:00"
        assert dates.format_datetime(START, zone="Europe/Belgrade") == "ned, 27. dec 2026, 09:00"
        assert dates.format_range(START, END, zone="America/New_York") == "ned, 27. dec 2026, 03:00–07:00 EST"
        assert dates.format_time(START, with_zone=True) == "09:00 CET"
        assert dates.format_datetime(datetime(2026, 7, 1, 7), with_zone=True) == "sre, 1. jul 2026, 09:00 CEST"
        assert dates.format_datetime(START, zone="Asia/Dubai").endswith("12:00 UTC+04")


def test_a_mail_reads_in_its_recipients_zone(reader):
    with force_locale("en"), force_timezone("America/New_York"):
        assert dates.format_range(START, END, with_zone=True) == "Sun, Dec 27, 2026, 3:00 – 7:00 AM EST"


def test_relative_words_are_added_where_asked_for_a_day_within_the_week(reader):
    from learnhub.timeutil import utcnow

    with force_locale("bs"):
        assert dates.format_datetime(utcnow(), relative=True).endswith("(danas)")
        assert "(" not in dates.format_date(date(2000, 1, 1), relative=True)


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_far_dates_never_fail(app, zone):
    with app.test_request_context(), force_timezone(zone), force_locale("sr_Latn"):
        assert "9999" in dates.format_datetime(datetime(9999, 12, 31, 23))
        assert "9999" in dates.format_range(datetime(9999, 12, 31, 22), datetime(9999, 12, 31, 23, 59))
        assert dates.format_date(datetime(1, 1, 1, 0, 30)).startswith("1.")
