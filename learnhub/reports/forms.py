from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import Optional, ValidationError

from learnhub.fields import LocalDateField
from learnhub.i18n import _, _l
from learnhub.people.models import ServiceType
from learnhub.reports.scope import ReportFilter
from learnhub.reports.services import Choices


def _optional_int(value: object) -> int | None:
    return int(value) if value not in (None, "") else None


class ReportFilterForm(FlaskForm):
    """Read from the query string, so a filtered report is a link people can share and bookmark."""

    class Meta:
        csrf = False  # a GET form that changes nothing

    scope = SelectField(_l("Report for"), validators=[Optional()], validate_choice=False)
    since = LocalDateField(_l("From"), validators=[Optional()])
    until = LocalDateField(_l("To"), validators=[Optional()])
    municipality = SelectField(_l("Municipality"), coerce=_optional_int, validators=[Optional()])
    service_type = SelectField(_l("Service type"), validators=[Optional()])
    learning_set = SelectField(_l("Learning set"), coerce=_optional_int, validators=[Optional()])
    programme = SelectField(_l("Mentoring programme"), coerce=_optional_int, validators=[Optional()])
    organisation = SelectField(_l("Organisation"), coerce=_optional_int, validators=[Optional()])

    def offer(self, choices: Choices, scopes: list) -> None:
        anything = ("", _("All"))
        self.scope.choices = [(s.key, s.label) for s in scopes]
        self.municipality.choices = [anything, *choices.municipalities.items()]
        self.service_type.choices = [anything, *[(s.value, s.label) for s in ServiceType]]
        self.learning_set.choices = [anything, *choices.learning_sets.items()]
        self.programme.choices = [anything, *choices.programmes.items()]
        self.organisation.choices = [anything, *choices.organisations.items()]

    def validate_until(self, field) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_("The end of the period must not be before its start."))

    def filters(self) -> ReportFilter:
        return ReportFilter(since=self.since.data, until=self.until.data, municipality_id=self.municipality.data,
                            service_type=self.service_type.data or None, learning_set_id=self.learning_set.data,
                            programme_id=self.programme.data, organisation_id=self.organisation.data)
