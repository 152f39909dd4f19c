from dataclasses import asdict

from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from learnhub.curriculum.certification_rule import CertificationRule
from learnhub.fields import REQUIRED, WholeNumberField
from learnhub.i18n import _l
from learnhub.people.forms import CheckboxListField

_NUMBER = _l("Please enter a whole number.")


class LearningSetForm(FlaskForm):
    slug = StringField(_l("Short name (for the web address)"), validators=[Length(max=80)],
                       description=_l("Lower-case letters, digits and dashes, e.g. recovery-into-practice."))
    title_en = StringField(_l("Title in English"), validators=[DataRequired(REQUIRED), Length(max=200)])
    title_sr_Latn = StringField(_l("Title in Serbian (Latin script)"), validators=[Length(max=200)],
                                description=_l("Cyrillic is produced automatically."))
    title_bs = StringField(_l("Title in Bosnian"), validators=[Length(max=200)])
    summary_en = TextAreaField(_l("Summary in English"), validators=[DataRequired(REQUIRED), Length(max=2000)])
    summary_sr_Latn = TextAreaField(_l("Summary in Serbian (Latin script)"), validators=[Length(max=2000)])
    summary_bs = TextAreaField(_l("Summary in Bosnian"), validators=[Length(max=2000)])
    service_types = CheckboxListField(_l("For which services"), validate_choice=False)
    languages = CheckboxListField(_l("Languages it can be delivered in"), validate_choice=False)
    hours = WholeNumberField(_l("Hours"), validators=[InputRequired(_NUMBER), NumberRange(1, 1000, _NUMBER)])
    cpd_points = WholeNumberField(_l("CPD points"), validators=[InputRequired(_NUMBER), NumberRange(0, 1000, _NUMBER)])
    # The certification rule
    min_attendance_percent = WholeNumberField(_l("Attendance needed, in percent of sessions"), default=80,
                                              validators=[InputRequired(_NUMBER), NumberRange(0, 100, _NUMBER)])
    require_all_modules = BooleanField(_l("All modules must be completed (otherwise only the required ones)"),
                                       default=True)
    min_mentoring_sessions = WholeNumberField(_l("Mentoring sessions to attend"), default=0,
                                              validators=[InputRequired(_NUMBER), NumberRange(0, 50, _NUMBER)])
    mentoring_within_months = WholeNumberField(_l("… within this many months after the cohort (empty: any time)"),
                                               validators=[Optional(), NumberRange(1, 60, _NUMBER)])
    requires_assessment = BooleanField(_l("An assessment must be passed"))
    validity_months = WholeNumberField(_l("Certificate valid for this many months (empty: no expiry)"),
                                       validators=[Optional(), NumberRange(1, 240, _NUMBER)])
    renewal_cpd_points = WholeNumberField(_l("CPD points that renew an expiring certificate (empty: not possible)"),
                                          validators=[Optional(), NumberRange(1, 1000, _NUMBER)])

    def rule_fields(self) -> list[Field]:
        """The certification rule's fields, in the rule's order; a field per rule field, same name."""
        return [self[knob.name] for knob in CertificationRule.knobs()]

    def show_rule(self, rule: CertificationRule) -> None:
        for name, value in asdict(rule).items():
            self[name].data = value

    def rule(self) -> CertificationRule:
        return CertificationRule(**{field.name: field.data for field in self.rule_fields()})


class ModuleForm(FlaskForm):
    title_en = StringField(_l("Title in English"), validators=[DataRequired(REQUIRED), Length(max=200)])
    title_sr_Latn = StringField(_l("Title in Serbian (Latin script)"), validators=[Length(max=200)])
    title_bs = StringField(_l("Title in Bosnian"), validators=[Length(max=200)])
    body_en = TextAreaField(_l("Content in English (Markdown)"), validators=[Length(max=100_000)])
    body_sr_Latn = TextAreaField(_l("Content in Serbian, Latin script (Markdown)"), validators=[Length(max=100_000)])
    body_bs = TextAreaField(_l("Content in Bosnian (Markdown)"), validators=[Length(max=100_000)])
    outcomes_en = TextAreaField(_l("Learning outcomes in English, one per line"), validators=[Length(max=5000)])
    outcomes_sr_Latn = TextAreaField(_l("Learning outcomes in Serbian (Latin script), one per line"),
                                     validators=[Length(max=5000)])
    outcomes_bs = TextAreaField(_l("Learning outcomes in Bosnian, one per line"), validators=[Length(max=5000)])
    duration_minutes = WholeNumberField(_l("Duration in minutes"),
                                    validators=[InputRequired(_NUMBER), NumberRange(1, 1440, _NUMBER)])
    is_required = BooleanField(_l("Required for certification"), default=True)
