from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from itertools import groupby
from operator import attrgetter
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
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

# WTForms 3.3's; its type stubs still describe 3.2, which had no SelectChoice.
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from learnhub.dates import format_day
from learnhub.errors import InvalidInput
from learnhub.fields import REQUIRED, LocalDateField, LocalDateTimeField, WholeNumberField
from learnhub.i18n import _, _l
from learnhub.mentoring.availability import RULE_LIMITS, AvailabilityPlan, BookingSettings
from learnhub.mentoring.hours import Problem, read_date, read_day_off, read_ranges, tidy_day, tidy_range
from learnhub.mentoring.meeting import check_online_url
from learnhub.mentoring.models import BusyCalendarKind, MentorProfile
from learnhub.mentoring.plans import ActionInput
from learnhub.mentoring.slots import DateWindow, DayOff, WeeklyWindow, Window
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


# The availability editor: rows of what was typed (kept as typed, so a refused save shows it again), read
# by mentoring/hours.py. Buttons named "edit" add, remove or copy rows without saving, so the grid works
# without JavaScript; htmx only spares the page reload.
MAX_RANGES = 6  # per weekday or date
MAX_DATES = 30  # dates with their own hours
MAX_DAYS_OFF = 30
MAX_NOTE = 200  # MentorDayOff.note
WORKING_DAYS = range(5)  # "copy to Monday-Friday"
DAY_FIELDS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class TimeRangeForm(Form):
    start = StringField(_l("From"))
    end = StringField(_l("To"))


class DayHoursForm(Form):
    ranges = FieldList(FormField(TimeRangeForm), min_entries=1, max_entries=MAX_RANGES)


class DateHoursForm(DayHoursForm):
    day = StringField(_l("Date"))


class DayOffForm(Form):
    first_day = StringField(_l("From"))
    last_day = StringField(_l("Until"))
    note = StringField(_l("Note"))


def _within(name: str) -> NumberRange:
    low, high = RULE_LIMITS[name]
    return NumberRange(low, high, _l("Please enter a whole number from %(min)s to %(max)s."))


def _setting(label, description: str, name: str) -> WholeNumberField:
    return WholeNumberField(label, description=description, validators=[InputRequired(_NUMBER), _within(name)])


class AvailabilityForm(FlaskForm):
    # Named, not a list: a day's rows keep their weekday whatever the other days send.
    monday = FormField(DayHoursForm)
    tuesday = FormField(DayHoursForm)
    wednesday = FormField(DayHoursForm)
    thursday = FormField(DayHoursForm)
    friday = FormField(DayHoursForm)
    saturday = FormField(DayHoursForm)
    sunday = FormField(DayHoursForm)
    dates = FieldList(FormField(DateHoursForm), min_entries=1, max_entries=MAX_DATES)
    days_off = FieldList(FormField(DayOffForm), min_entries=1, max_entries=MAX_DAYS_OFF)
    slot_minutes = _setting(_l("Session length (minutes)"), _l(
        "How long each individual session lasts. Times are offered one after another within your hours."),
        "slot_minutes")
    buffer_minutes = _setting(_l("Break between sessions (minutes)"), _l(
        "Kept free after each session before the next one, and around appointments in your other calendars."),
        "buffer_minutes")
    min_notice_hours = _setting(_l("Minimum notice (hours)"), _l(
        "Nobody can book a time that starts sooner than this; 24 gives you a day to prepare."),
        "min_notice_hours")
    max_days_ahead = _setting(_l("Booking horizon (days)"), _l(
        "How many days ahead, from today, mentees can book."), "max_days_ahead")
    max_sessions_per_mentee_per_month = _setting(_l("Sessions per mentee per month"), _l(
        "The most individual sessions one mentee can book with you in a calendar month."),
        "max_sessions_per_mentee_per_month")

    def __init__(self, *args, today: date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today  # the mentor's: dates before it have passed
        self._plan: AvailabilityPlan | None = None
        self.focus = ""  # the id of the input or button an edit leaves the keyboard on
        for row in (row for group in (*self.week, *self.dates) for row in group.form.ranges):
            row.form.start.data, row.form.end.data = tidy_range(_text(row.form.start), _text(row.form.end))
        for date_entry in self.dates:
            date_entry.form.day.data = tidy_day(_text(date_entry.form.day), today)
        for day_off in self.days_off:
            day_off.form.first_day.data = tidy_day(_text(day_off.form.first_day), today)
            day_off.form.last_day.data = tidy_day(_text(day_off.form.last_day), today)

    @classmethod
    def of(cls, profile: MentorProfile, today: date, **options) -> "AvailabilityForm":
        """The editor filled with the saved availability (unless it was sent), from today on."""
        form = cls(data={name: getattr(profile, name) for name in RULE_LIMITS}, today=today, **options)
        if form.is_submitted() and "formdata" not in options:
            return form

        def rows(windows) -> list[dict[str, str]]:
            return [{"start": f"{w.start:%H:%M}", "end": f"{w.end:%H:%M}"} for w in windows]

        weekly = [w for w in profile.windows if w.day is None]
        dated = sorted((w for w in profile.windows if w.day is not None and w.day >= today), key=attrgetter("day"))
        for weekday, day in enumerate(form.week):
            _refill(day.form.ranges, rows(w for w in weekly if w.weekday == weekday))
        _refill(form.dates, [{"day": day.isoformat(), "ranges": rows(windows)}
                             for day, windows in groupby(dated, attrgetter("day"))])
        _refill(form.days_off, [{"first_day": d.first_day.isoformat(),
                                 "last_day": d.last_day.isoformat() if d.last_day != d.first_day else "",
                                 "note": d.note} for d in profile.days_off if d.last_day >= today])
        return form

    @property
    def week(self) -> list[FormField]:
        return [self[name] for name in DAY_FIELDS]

    @property
    def plan(self) -> AvailabilityPlan:
        """What validate() read, once it has passed."""
        if self._plan is None:
            raise RuntimeError("the availability form has not been validated")
        return self._plan

    # --- reading -------------------------------------------------------------------------------------------

    def validate(self, extra_validators=None) -> bool:
        is_valid = super().validate(extra_validators)
        self._plan, problems = self.read()
        for field, message in problems:
            field.errors = [*field.errors, message]
        if not is_valid or problems:
            self.error_status = 422  # a refused save
            return False
        return True

    def read(self) -> tuple[AvailabilityPlan | None, list[tuple[Field, str]]]:
        """The plan the rows describe (None while anything is wrong) and each problem with its field."""
        problems: list[tuple[Field, str]] = []
        windows: list[Window] = []
        for weekday, day in enumerate(self.week):
            ranges, found = read_ranges(_texts(day.form.ranges))
            windows += [WeeklyWindow(weekday, start, end) for _row, start, end in ranges]
            problems += _placed(day.form.ranges, found, str(WEEKDAYS[weekday]))
        days_off = self._read_days_off(problems)
        windows += self._read_dates(days_off, problems)
        try:
            settings = BookingSettings(**{name: self[name].data for name in RULE_LIMITS})
        except (TypeError, ValueError):  # missing or out of range: said at the field by its validators
            return None, problems
        return (None if problems else AvailabilityPlan(tuple(windows), tuple(days_off), settings)), problems

    def _read_days_off(self, problems: list[tuple[Field, str]]) -> list[DayOff]:
        days_off: list[DayOff] = []
        for number, entry in enumerate(self.days_off, start=1):
            first, last, note = (_text(entry.form[name]) for name in ("first_day", "last_day", "note"))
            if not (first or last or note):
                continue
            where = _("Day off %(number)d", number=number)
            read = read_day_off(first, last, self.today)
            if isinstance(read, Problem):
                problems.append((entry.form[read.part], _at(where, read.message)))
            elif len(note) > MAX_NOTE:
                problems.append((entry.form.note, _at(where, _("please keep the note under %(count)d characters",
                                                                count=MAX_NOTE))))
            else:
                days_off.append(DayOff(*read, note))
        return days_off

    def _read_dates(self, days_off: list[DayOff], problems: list[tuple[Field, str]]) -> list[Window]:
        windows: list[Window] = []
        for number, entry in enumerate(self.dates, start=1):
            texts, day_text = _texts(entry.form.ranges), _text(entry.form.day)
            if not day_text and not any(start or end for start, end in texts):
                continue
            day, problem = None, _("please enter the date")
            if day_text:
                try:
                    day, problem = read_date(day_text, self.today), ""
                except ValueError as error:
                    problem = str(error)
            ranges, found = read_ranges(texts)
            if day in {window.day for window in windows if isinstance(window, DateWindow)}:
                problem = _("this date is listed above already: add the ranges there")
            elif day and any(day_off.covers(day) for day_off in days_off):
                problem = _("this date is a day off: remove one of the two")
            elif day and not ranges and not found:
                problem = _("please enter the hours for this date, or add it as a day off")
            where = format_day(day) if day else _("Date %(number)d", number=number)
            if problem:
                problems.append((entry.form.day, _at(where, problem)))
            problems += _placed(entry.form.ranges, found, where)
            if day:
                windows += [DateWindow(day, start, end) for _row, start, end in ranges]
        return windows

    def error_summary(self) -> list[tuple[str, str]]:
        """Every error on the page as (field id, message), in page order, for the list above the form."""
        summary = [("", message) for message in self.form_errors]
        for field in self:
            if isinstance(field, FieldList | FormField):
                summary += [(leaf.id, message) for leaf in _leaves(field) for message in leaf.errors]
            else:
                summary += [(field.id, f"{field.label.text}: {message}") for message in field.errors]
        return summary

    # --- editing -------------------------------------------------------------------------------------------

    def apply_edit(self, command: str) -> bool | None:
        """Apply the add, remove or copy button pressed: its value, `command`, is the id of what it acts on
        and a verb ("monday-add", "dates-2-ranges-0-remove"). None when no such button was pressed; False
        when the page was out of date and it cannot be done (nothing changes)."""
        if not command:
            return None
        target, _sep, verb = command.rpartition("-")
        if not self._edit(target, verb):
            self.form_errors.append(_("That change could not be made: the page was out of date. "
                                      "Please check it and try again."))
            return False
        return True

    def _edit(self, target: str, verb: str) -> bool:
        lists: tuple[tuple[FieldList, str], ...] = ((self.dates, "day"), (self.days_off, "first_day"))
        for entries, first_box in lists:  # a whole date or day off
            if target == entries.id and verb == "add" and len(entries) < (entries.max_entries or 0):
                self.focus = f"{entries.append_entry().id}-{first_box}"
                return True
            for index, entry in enumerate(entries):
                if target == entry.id and verb == "remove":
                    _remove(entries, index)
                    self.focus = f"{entries.id}-add"
                    return True
        for hours in (*self.week, *self.dates):  # the ranges of a weekday or a date
            ranges = hours.form.ranges
            if target == hours.id and verb == "add" and len(ranges) < (ranges.max_entries or 0):
                self.focus = ranges.append_entry().form.start.id
                return True
            for index, row in enumerate(ranges):
                if target == row.id and verb == "remove":
                    _remove(ranges, index)
                    self.focus = f"{hours.id}-add"
                    return True
        for weekday, day in enumerate(self.week):
            rows = [{"start": start, "end": end} for start, end in _texts(day.form.ranges) if start or end]
            if target == day.id and verb == "copy" and rows:
                for other in WORKING_DAYS:
                    if other != weekday:
                        _refill(self.week[other].form.ranges, rows)
                self.focus = f"{day.id}-copy"
                return True
        return False


def _text(field: Field) -> str:
    return (field.data or "").strip()


def _texts(ranges: FieldList) -> list[tuple[str, str]]:
    return [(_text(row.form.start), _text(row.form.end)) for row in ranges]


def _at(where: str, problem: str) -> str:
    return _("%(where)s: %(problem)s", where=where, problem=problem)


def _placed(ranges: FieldList, problems: list[Problem], day: str) -> list[tuple[Field, str]]:
    """Each problem at its range's box, saying which day and (among several) which range."""
    def where(row: int) -> str:
        return _("%(day)s, range %(number)d", day=day, number=row + 1) if len(ranges) > 1 else day
    return [(ranges[problem.row].form[problem.part], _at(where(problem.row), problem.message)) for problem in problems]


def _refill(entries: FieldList, rows: list) -> None:
    """Replace a list's entries with `rows` of data, keeping at least its minimum of (empty) entries."""
    while len(entries):
        entries.pop_entry()
    for row in rows:
        entries.append_entry(row)
    while len(entries) < entries.min_entries:
        entries.append_entry()


def _remove(entries: FieldList, index: int) -> None:
    """Remove one entry (the only one is emptied rather than removed)."""
    _refill(entries, [entry.data for at, entry in enumerate(entries) if at != index])


def _leaves(field: Field) -> Iterator[Field]:
    if isinstance(field, FieldList):
        for entry in field:
            yield from _leaves(entry)
    elif isinstance(field, FormField):
        for subfield in field.form:
            yield from _leaves(subfield)
    else:
        yield field


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
