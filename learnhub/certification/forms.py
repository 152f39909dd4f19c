from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from learnhub.fields import REQUIRED, LocalDateField, WholeNumberField
from learnhub.i18n import _l


class CpdActivityForm(FlaskForm):
    title = StringField(_l("Activity"), validators=[DataRequired(REQUIRED), Length(max=200)],
                        description=_l("For example: conference on community mental health, Novi Sad"))
    points = WholeNumberField(_l("CPD points"), validators=[InputRequired(REQUIRED), NumberRange(1, 100, _l("Please enter a number from 1 to 100."))])
    completed_on = LocalDateField(_l("Date"), validators=[InputRequired(REQUIRED)])


class RequirementForm(FlaskForm):
    service_type = SelectField(_l("Service"), validate_choice=False)
    learning_set_id = SelectField(_l("Learning set"), validate_choice=False)
    min_staff = WholeNumberField(_l("Staff who must hold it, at least"), default=1,
                                 validators=[InputRequired(REQUIRED), NumberRange(1, 100, _l("Please enter a number from 1 to 100."))])


class ReasonedForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[Length(max=2000)])


class RevocationForm(FlaskForm):
    note = TextAreaField(_l("Internal note"), validators=[
        DataRequired(_l("Please write an internal note: why the certificate is revoked.")), Length(max=2000)],
        description=_l("Why the certificate is revoked. Only institute admins see it."))
    public_reason = TextAreaField(_l("Public reason, shown to anyone who verifies this certificate (optional)"),
                                  validators=[Length(max=2000)],
                                  description=_l("Shown on the verification page and in the machine-readable "
                                                 "certificate. Leave it empty to say only that it was revoked."))


class RenewalForm(FlaskForm):
    override_reason = TextAreaField(_l("Reason for renewing early"), validators=[Length(max=2000)],
                                    description=_l("Recorded in the certificate's history and the audit log."))
