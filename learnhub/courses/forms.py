from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from learnhub.fields import REQUIRED, LocalDateField, LocalDateTimeField, WholeNumberField
from learnhub.i18n import _l
from learnhub.people.forms import CheckboxListField

_DATE = _l("Please enter a date.")
_DATETIME = _l("Please enter a date and time.")
_NUMBER = _l("Please enter a whole number.")


class CohortForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=200)],
                       description=_l("For example: Ruma, spring 2027"))
    is_online = BooleanField(_l("Online"))
    municipality_id = SelectField(_l("Municipality"), validate_choice=False)
    language = SelectField(_l("Language"), validate_choice=False)
    starts_on = LocalDateField(_l("First day"), validators=[InputRequired(_DATE)])
    ends_on = LocalDateField(_l("Last day"), validators=[InputRequired(_DATE)])
    capacity = WholeNumberField(_l("Places"), validators=[InputRequired(_NUMBER), NumberRange(1, 1000, _NUMBER)])
    enrolment_opens_at = LocalDateTimeField(_l("Enrolment opens"), validators=[InputRequired(_DATETIME)])
    enrolment_closes_at = LocalDateTimeField(_l("Enrolment closes"), validators=[InputRequired(_DATETIME)])
    approver = SelectField(_l("Approval"), validate_choice=False)
    promotion_policy = SelectField(_l("Who gets a freed place"), validate_choice=False)
    allowed_service_types = CheckboxListField(_l("Only for staff of these services (none ticked: open to all)"),
                                              validate_choice=False)
    records_perspective = BooleanField(_l("Record each participant's perspective (Trialogue)"))
    auto_issue_certificates = BooleanField(_l("Issue certificates automatically when someone meets the rule"))
    max_share_per_perspective = WholeNumberField(
        _l("Largest share of one perspective, in percent"),
        description=_l("From 33 (a third each) to 100. Places left over by rounding go to the perspectives that "
                       "need them first."),
        validators=[Optional(), NumberRange(33, 100, _l("Please enter a whole number from 33 to 100."))])


class SessionForm(FlaskForm):
    starts_at = LocalDateTimeField(_l("Starts"), validators=[InputRequired(_DATETIME)])
    ends_at = LocalDateTimeField(_l("Ends"), validators=[InputRequired(_DATETIME)])
    place = StringField(_l("Place"), validators=[Length(max=300)])
    online_url = StringField(_l("Online link"), validators=[Length(max=500)])


class EnrolForm(FlaskForm):
    perspective = RadioField(_l("I take part as"), validate_choice=False)


class BulkEnrolForm(FlaskForm):
    member_ids = CheckboxListField(_l("Members to enrol"), validate_choice=False)


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[Length(max=1000)])
