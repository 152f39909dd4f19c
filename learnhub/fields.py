"""Form fields whose parse errors are translated (WTForms' own messages are English only)."""

from datetime import date, datetime

from wtforms import DateField, DateTimeLocalField, IntegerField

from learnhub.i18n import _, _l
from learnhub.timeutil import local_to_utc


class _TranslatedParseError:
    invalid_message = _l("Please check this value.")

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            self.data = None
            raise ValueError(str(self.invalid_message)) from error


# Every date a person types falls in this range: a year like 0001 or 9999 is a slip of the finger, and such a
# time breaks calendars and zone conversions later. Domains add their own, narrower rules.
FIRST_YEAR, YEARS_AHEAD = 1900, 10


class _PlausibleDate(_TranslatedParseError):
    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None:
            day = self.data.date() if isinstance(self.data, datetime) else self.data
            last_year = date.today().year + YEARS_AHEAD
            if not FIRST_YEAR <= day.year <= last_year:
                self.data = None
                raise ValueError(_("Please enter a date between %(first)s and %(last)s.",
                                   first=FIRST_YEAR, last=last_year))


class LocalDateField(_PlausibleDate, DateField):
    invalid_message = _l("Please enter a date.")


class LocalDateTimeField(_PlausibleDate, DateTimeLocalField):
    invalid_message = _l("Please enter a date and time.")

    def utc(self, time_zone: str) -> datetime:
        """What was typed, a time in `time_zone`, as naive UTC: read once the form validated (the field is
        required wherever it is used)."""
        if self.data is None:
            raise ValueError(f"{self.name} was read before its form was validated")
        return local_to_utc(self.data, time_zone)


class WholeNumberField(_TranslatedParseError, IntegerField):
    invalid_message = _l("Please enter a whole number.")


REQUIRED = _l("This field is required.")
