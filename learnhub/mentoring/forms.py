from collections.abc import Mapping, Sequence
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from learnhub.fields import REQUIRED, LocalDateField, LocalDateTimeField, WholeNumberField
from learnhub.i18n import _, _l
from learnhub.mentoring.models import BusyCalendarKind
from learnhub.mentoring.plans import ActionInput
from learnhub.people.forms import CheckboxListField

_NUMBER = _l("Please enter a whole number.")
WEEKDAYS = (_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"), _l("Saturday"), _l("Sunday"))


class ProgrammeForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=200)],
                       description=_l("For example: Mentoring for day-care providers, 2027"))
    service_type = SelectField(_l("Service"), validate_choice=False)
    starts_on = LocalDateField(_l("First day"), validators=[InputRequired(REQUIRED)])
    ends_on = LocalDateField(_l("Last day"), validators=[InputRequired(REQUIRED)])
    learning_set_id = SelectField(_l("Builds on the learning set"), validate_choice=False)
    mentor_ids = CheckboxListField(_l("Mentors"), validate_choice=False)
    organisation_ids = CheckboxListField(_l("Mentee organisations"), validate_choice=False)
    mentee_emails = TextAreaField(_l("Individual mentees"), validators=[Length(max=20_000)],
                                  description=_l("E-mail addresses of professionals taking part on their own, one per line"))


class GroupSessionForm(FlaskForm):
    starts_at = LocalDateTimeField(_l("Starts"), validators=[InputRequired(REQUIRED)])
    duration_minutes = WholeNumberField(_l("Duration in minutes"), default=120,
                                        validators=[InputRequired(_NUMBER), NumberRange(15, 480, _NUMBER)])
    place = StringField(_l("Place"), validators=[Length(max=300)])
    online_url = StringField(_l("Online link"), validators=[Length(max=500)])
    agenda = TextAreaField(_l("Agenda"), validators=[Length(max=5000)])
    capacity = WholeNumberField(_l("Places"), default=20, validators=[InputRequired(_NUMBER),
                                                                      NumberRange(1, 500, _NUMBER)])


class AvailabilityForm(FlaskForm):
    monday = StringField(WEEKDAYS[0])
    tuesday = StringField(WEEKDAYS[1])
    wednesday = StringField(WEEKDAYS[2])
    thursday = StringField(WEEKDAYS[3])
    friday = StringField(WEEKDAYS[4])
    saturday = StringField(WEEKDAYS[5])
    sunday = StringField(WEEKDAYS[6])
    days_off = TextAreaField(_l("Days off"), description=_l(
        "One per line: first day, last day and a note, e.g. 2027-01-01 2027-01-07 Holidays"))
    slot_minutes = WholeNumberField(_l("Session length in minutes"), validators=[InputRequired(_NUMBER)])
    buffer_minutes = WholeNumberField(_l("Break between sessions in minutes"), validators=[InputRequired(_NUMBER)])
    min_notice_hours = WholeNumberField(_l("Book at least this many hours ahead"), validators=[InputRequired(_NUMBER)])
    max_days_ahead = WholeNumberField(_l("Book at most this many days ahead"), validators=[InputRequired(_NUMBER)])
    max_sessions_per_mentee_per_month = WholeNumberField(_l("Sessions per mentee per month, at most"),
                                                         validators=[InputRequired(_NUMBER)])

    DAY_FIELDS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class RescheduleForm(FlaskForm):
    starts_at = LocalDateTimeField(_l("New start"), validators=[InputRequired(REQUIRED)])
    reason = TextAreaField(_l("Reason"), validators=[Length(max=1000)])


class CancelForm(FlaskForm):
    reason = TextAreaField(_l("Reason (optional)"), validators=[Length(max=1000)],
                           description=_l("Everyone invited reads it with the cancellation."))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, prefix="cancel", **kwargs)  # the move form on the same page has a reason too


class NoteForm(FlaskForm):
    body = TextAreaField(_l("Note"), validators=[DataRequired(REQUIRED), Length(max=20_000)])
    is_shared = BooleanField(_l("Share with the mentees of this session"))


class ActionForm(Form):
    description = StringField(_l("Action"), validators=[Length(max=500)])
    owner = StringField(_l("Who"), validators=[Length(max=120)])
    due_on = LocalDateField(_l("By when"), validators=[Optional()])
    is_done = BooleanField(_l("Done"))

    def validate(self, extra_validators: Mapping[str, Sequence[Any]] | None = None) -> bool:
        """A row with an action written in it needs a date; the empty row offered for a new action does not."""
        is_valid = super().validate(extra_validators)
        if (self.description.data or "").strip() and self.due_on.data is None and not self.due_on.errors:
            self.due_on.errors = [_("Every action needs a date by when it should be done.")]
            return False
        return is_valid


class PlanForm(FlaskForm):
    goals = TextAreaField(_l("Goals"), validators=[Length(max=10_000)])
    challenges = TextAreaField(_l("Challenges and obstacles"), validators=[Length(max=10_000)])
    involvement_strategies = TextAreaField(_l("How parents and service users are involved"),
                                           validators=[Length(max=10_000)])
    status = SelectField(_l("Status"), validate_choice=False)
    is_good_practice = BooleanField(_l("Share as a good-practice example with the whole programme"))
    actions = FieldList(FormField(ActionForm), min_entries=1)
    # Which saved version the edit started from, so that saving over someone else's newer one is refused.
    based_on = HiddenField()

    def action_inputs(self) -> list[ActionInput]:
        """The rows with an action written in them (each has its date once the form validated); the empty
        row offered for a new action is left out."""
        rows = [entry.form for entry in self.actions]  # entry.description would be the field's own help text
        return [ActionInput(row.description.data or "", row.owner.data or "", row.due_on.data, row.is_done.data)
                for row in rows if (row.description.data or "").strip()]


class BusyCalendarForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=BusyCalendarKind.choices)
    url = StringField(_l("Calendar address"), validators=[DataRequired(REQUIRED), Length(max=2000)],
                      description=_l("The private address your calendar gives for subscribing (Google: "
                                     "“Secret address in iCal format”; Outlook: “Publish calendar”, ICS "
                                     "link), or a CalDAV calendar's address. LearnHub keeps only when you are busy."))
