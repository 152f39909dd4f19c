from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from learnhub.errors import InvalidInput
from learnhub.fields import REQUIRED, LocalDateField, LocalDateTimeField, WholeNumberField
from learnhub.i18n import _, _l
from learnhub.mentoring.meeting import check_online_url
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


def _check_online_url(_form, field) -> None:
    """The service's rule, said at the field."""
    try:
        check_online_url(field.data or "")
    except InvalidInput as error:
        raise ValidationError(error.message) from error


class GroupSessionForm(FlaskForm):
    starts_at = LocalDateTimeField(_l("Starts"), validators=[InputRequired(REQUIRED)])
    duration_minutes = WholeNumberField(_l("Duration in minutes"), default=120,
                                        validators=[InputRequired(_NUMBER), NumberRange(15, 480, _NUMBER)])
    place = StringField(_l("Place"), validators=[Length(max=300)],
                        description=_l("The address, if you meet in person; leave it empty for an online session."))
    online_url = StringField(_l("Online link"), validators=[Length(max=500), _check_online_url],
                             description=_l("Your own meeting link, if you meet online there."))
    new_video_room = BooleanField(_l("Meet online in a new video room (its link is made for this session)"))
    agenda = TextAreaField(_l("Agenda"), validators=[Length(max=5000)])
    capacity = WholeNumberField(_l("Places"), default=20, validators=[InputRequired(_NUMBER),
                                                                      NumberRange(1, 500, _NUMBER)])

    def validate_place(self, field) -> None:
        if not (field.data or "").strip() and not self.online_url.data and not self.new_video_room.data:
            raise ValidationError(_("Please give a place or an online link."))

    def validate_new_video_room(self, field) -> None:
        if field.data and self.online_url.data:
            raise ValidationError(_("Please give either your own online link or a new video room, not both."))


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
    """A group session's new time, typed (group meetings need not keep to the 1:1 availability)."""

    starts_at = LocalDateTimeField(_l("New start"), validators=[InputRequired(REQUIRED)])
    reason = TextAreaField(_l("Reason (optional)"), validators=[Length(max=1000)],
                           description=_l("Everyone invited reads it with the new time."))


class BookingForm(FlaskForm):
    """The confirmation step: the chosen time travels with it, and the mentee may write to the mentor."""

    starts_at = HiddenField()
    zone = HiddenField()
    note = TextAreaField(_l("A note for the mentor (optional)"), validators=[Length(max=1000)],
                         description=_l("What you would like to talk about, or what the mentor should know "
                                        "beforehand. Only the mentor reads it."))


class MoveForm(FlaskForm):
    """Confirming a move to a time chosen in the calendar."""

    starts_at = HiddenField()
    zone = HiddenField()
    reason = TextAreaField(_l("Reason (optional)"), validators=[Length(max=1000)],
                           description=_l("Everyone invited reads it with the new time."))


class MeetingForm(FlaskForm):
    """Where a mentor's sessions meet; the fields carry MentorProfile's names, so obj= fills them."""

    meeting_kind = RadioField(_l("Your sessions meet"), default="room", validate_choice=False)
    meeting_url = StringField(_l("Your meeting link"), validators=[Length(max=500), _check_online_url],
                              description=_l("For example your own Zoom, Teams or Jitsi room."))
    meeting_place = StringField(_l("Address"), validators=[Length(max=300)],
                                description=_l("Where mentees find you, for example: Centar za socijalni rad "
                                               "Ruma, Glavna 12, room 4."))

    def validate_meeting_url(self, field) -> None:
        if self.meeting_kind.data == "link" and not (field.data or "").strip():
            raise ValidationError(_("Please give your meeting link."))

    def validate_meeting_place(self, field) -> None:
        if self.meeting_kind.data == "place" and not (field.data or "").strip():
            raise ValidationError(_("Please give the address where you meet."))


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


class BusyCalendarForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=[SelectChoice("ics", _l("Subscription address (ICS)")),
                                            SelectChoice("caldav", _l("CalDAV calendar"))])
    url = StringField(_l("Calendar address"), validators=[DataRequired(REQUIRED), Length(max=2000)],
                      description=_l("The private address your calendar gives for subscribing (Google: "
                                     "“Secret address in iCal format”; Outlook: “Publish calendar”, ICS "
                                     "link), or a CalDAV calendar's address. LearnHub keeps only when you are busy."))
