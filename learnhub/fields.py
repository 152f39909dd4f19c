"""Form fields whose parse errors are translated (WTForms' own messages are English only)."""

from wtforms import DateField, DateTimeLocalField, IntegerField

from learnhub.i18n import _l


class _TranslatedParseError:
    invalid_message = _l("Please check this value.")

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            self.data = None
            raise ValueError(str(self.invalid_message)) from error


class LocalDateField(_TranslatedParseError, DateField):
    invalid_message = _l("Please enter a date.")


class LocalDateTimeField(_TranslatedParseError, DateTimeLocalField):
    invalid_message = _l("Please enter a date and time.")


class WholeNumberField(_TranslatedParseError, IntegerField):
    invalid_message = _l("Please enter a whole number.")


REQUIRED = _l("This field is required.")
