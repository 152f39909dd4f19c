"""Form fields whose parse errors are translated (WTForms' own messages are English only)."""

from datetime import date, datetime

from flask import current_app
from wtforms import DateField, DateTimeLocalField, IntegerField, SelectField
from wtforms.validators import ValidationError

from learnhub.i18n import _, _l
from learnhub.timeutil import local_to_utc
from learnhub.zones import is_valid_timezone, timezone_choices


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


class TimeZoneField(SelectField):
    """A time zone chosen by its name in the reader's language (learnhub.zones); the IANA id is what is sent
    and stored. A value that is no zone is refused here, at the field, and stays selected as it was sent."""

    def __init__(self, label=None, validators=None, **kwargs) -> None:
        # The list is built when first read, once the field holds its value: that value is always on it.
        # (WTForms 3.3 passes the form and the field to a callable; its stubs still describe 3.2's.)
        super().__init__(label, validators, choices=lambda form, field: timezone_choices(field.data),  # type: ignore[arg-type, misc]
                         validate_choice=False, default=lambda: current_app.config["LEARNHUB_TIMEZONE"], **kwargs)

    def pre_validate(self, form) -> None:
        if not is_valid_timezone(self.data or ""):
            raise ValidationError(_("Please choose a time zone from the list."))
