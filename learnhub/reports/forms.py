from flask_wtf import FlaskForm
from wtforms import HiddenField, SearchField, SelectField
from wtforms.validators import Optional, ValidationError

from learnhub.fields import LocalDateField
from learnhub.i18n import _, _l
from learnhub.people.models import ServiceType
from learnhub.reports.scope import ReportFilter, ReportScope
from learnhub.reports.services import NameChoice, Named, resolve_name


def _optional_int(value: str | int | None) -> int | None:
    return int(value) if value not in (None, "") else None


_NOT_FOUND = {
    Named.LEARNING_SET: _l("No learning set matches “%(name)s”."),
    Named.PROGRAMME: _l("No mentoring programme matches “%(name)s”."),
    Named.ORGANISATION: _l("No organisation matches “%(name)s”."),
}
_SEVERAL = {
    Named.LEARNING_SET: _l("Several learning sets match “%(name)s”: choose one below or type more of the name."),
    Named.PROGRAMME: _l("Several mentoring programmes match “%(name)s”: choose one below or type more of the name."),
    Named.ORGANISATION: _l("Several organisations match “%(name)s”: choose one below or type more of the name."),
}
_UNKNOWN_ID = {
    Named.LEARNING_SET: _l("We could not find that learning set."),
    Named.PROGRAMME: _l("We could not find that mentoring programme."),
    Named.ORGANISATION: _l("We could not find that organisation."),
}


# The help under each named filter: part of a name is enough to find it.
_TYPE_PART = _l("Type part of the name.")


class ReportFilterForm(FlaskForm):
    """Read from the query string, so a filtered report is a link people can share and bookmark.

    Learning sets, programmes and organisations are searched by name: the id of the one last chosen
    travels in a hidden field (and alone in links), the name in the text box the viewer types into."""

    class Meta:
        csrf = False  # a GET form that changes nothing

    scope = SelectField(_l("Report for"), validators=[Optional()], validate_choice=False)
    since = LocalDateField(_l("From"), validators=[Optional()])
    until = LocalDateField(_l("To"), validators=[Optional()])
    municipality = SelectField(_l("Municipality"), coerce=_optional_int, validators=[Optional()])
    service_type = SelectField(_l("Service type"), validators=[Optional()])
    learning_set = HiddenField()
    learning_set_name = SearchField(_l("Learning set"), description=_TYPE_PART)
    programme = HiddenField()
    programme_name = SearchField(_l("Mentoring programme"), description=_TYPE_PART)
    organisation = HiddenField()
    organisation_name = SearchField(_l("Organisation"), description=_TYPE_PART)

    def __init__(self, formdata) -> None:
        super().__init__(formdata=formdata)
        # None when the query string has no such name (a shared link), "" when the viewer emptied the box
        self._typed = {kind: formdata.get(f"{kind}_name") for kind in Named}
        self.chosen: dict[Named, NameChoice] = {}

    def offer(self, municipalities: dict[int, str], scopes: list[ReportScope], scope: ReportScope) -> None:
        self.report_scope = scope  # names are looked up among what it may report on
        anything = ("", _("All"))
        self.scope.choices = [(s.key, s.label) for s in scopes]
        self.municipality.choices = [anything, *municipalities.items()]
        self.service_type.choices = [anything, *ServiceType.choices()]

    def validate_until(self, field) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_("The end of the period must not be before its start."))

    def validate_learning_set_name(self, field) -> None:
        self._resolve(Named.LEARNING_SET, field)

    def validate_programme_name(self, field) -> None:
        self._resolve(Named.PROGRAMME, field)

    def validate_organisation_name(self, field) -> None:
        self._resolve(Named.ORGANISATION, field)

    def _resolve(self, kind: Named, field) -> None:
        choice = self.chosen[kind] = resolve_name(kind, self[kind].data, self._typed[kind], self.report_scope)
        self[kind].data, field.data = (str(choice.id) if choice.id else ""), choice.name
        if choice.candidates:
            raise ValidationError(_SEVERAL[kind] % {"name": choice.name})
        if choice.unknown:
            raise ValidationError(_NOT_FOUND[kind] % {"name": choice.name} if choice.name else _UNKNOWN_ID[kind])

    def filters(self) -> ReportFilter:
        return ReportFilter(since=self.since.data, until=self.until.data, municipality_id=self.municipality.data,
                            service_type=self.service_type.data or None,
                            learning_set_id=self.chosen[Named.LEARNING_SET].id,
                            programme_id=self.chosen[Named.PROGRAMME].id,
                            organisation_id=self.chosen[Named.ORGANISATION].id)

    def query(self) -> dict[str, str]:
        """The filters as chosen, for links to downloads and to "Recalculate now" (ids, not typed names)."""
        values = {"scope": self.scope.data, "since": self.since.data and self.since.data.isoformat(),
                  "until": self.until.data and self.until.data.isoformat(),
                  "municipality": self.municipality.data or "", "service_type": self.service_type.data or "",
                  **{kind.value: self[kind].data for kind in Named}}
        return {key: str(value) for key, value in values.items() if value}
