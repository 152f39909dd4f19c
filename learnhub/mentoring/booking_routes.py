"""The booking calendar's pages: picking a time in a month calendar, confirming it with a note for the
mentor, moving a session through the same calendar, and where a mentor's sessions meet.

A time is chosen with a GET (links and buttons that work without JavaScript; htmx swaps only the calendar),
and only the confirmation's POST books or moves. Whatever refuses it sends the person back to the calendar
with the reason, their note or reason kept.
"""

from datetime import datetime
from urllib.parse import urlencode

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from learnhub.dates import week_days
from learnhub.errors import DomainError, NotFound
from learnhub.extensions import db
from learnhub.formflow import form_status, run_form
from learnhub.i18n import _, force_timezone
from learnhub.mentoring import access, booking, meeting, offers, picking
from learnhub.mentoring.blueprint import bp
from learnhub.mentoring.forms import BookingForm, MeetingForm, MoveForm, RescheduleForm
from learnhub.mentoring.models import MeetingKind, MentoringSession, MentorProfile
from learnhub.mentoring.routes import session_page
from learnhub.mentoring.slots import Slot
from learnhub.people.access import roles_required
from learnhub.people.models import Role
from learnhub.timeutil import is_in_calendar_range, local_to_utc, utc_to_local, utcnow
from learnhub.zones import is_valid_timezone, timezone_choices

KEPT_TEXT_LENGTH = 1000  # a note or reason carried back to the calendar in its links


def _zone() -> str:
    """The zone times are read in: the one chosen on the page, else the person's own."""
    zone = request.values.get("zone", "")
    return zone if is_valid_timezone(zone) else current_user.time_zone


def _instant(text: str | None) -> datetime | None:
    """A chosen slot's start as its button sent it (naive UTC); anything else is no time."""
    try:
        return datetime.fromisoformat(text or "").replace(tzinfo=None)
    except ValueError:
        return None


def _kept(name: str) -> str:
    return request.values.get(name, "")[:KEPT_TEXT_LENGTH]


def _render_in_zone(zone: str, template: str, status: int, **context):
    """Every time on the page in the zone the person chose, as if it were theirs (so none is marked)."""
    with force_timezone(zone):
        return render_template(template, zone=zone, **context), status


def _chosen(offer: offers.Offer, starts_at: datetime | None) -> Slot | None:
    return next((slot for slot in offer.slots if slot.starts_at == starts_at), None)


def _calendar(offer: offers.Offer, zone: str, *, base_url: str, choose_url: str, kept: tuple[str, str], title: str,
              back: tuple[str, str], message: str = "", status: int = 200, near: datetime | None = None,
              unavailable: str = "", typed: tuple[RescheduleForm, str] | None = None):
    """The month calendar of `offer` at `base_url`: the month and day the query string asks for, else the
    month `near` a time chosen before; for htmx only the calendar itself. A chosen time goes to `choose_url`
    with `kept` (a note or reason: its field name and text), which every link of the calendar carries too.
    `unavailable`: why nothing at all is offered; `typed`: a form for a typed time instead, and where it goes."""
    days = picking.slots_by_day(offer.slots, zone)
    if near is not None and not is_in_calendar_range(near):  # a hand-made time at the end of the calendar
        near = None
    day = picking.parse_day(request.args.get("day")) or (near and utc_to_local(near, zone).date())
    month = picking.shown_month(picking.parse_month(request.args.get("month")) or day, offer.first_day,
                                offer.last_day, days)
    if day and day.replace(day=1) != month:
        day = None
    name, text = kept

    def here(**args) -> str:
        return f"{base_url}?{urlencode({'zone': zone, **({name: text} if text else {}), **args})}"

    context = {
        "offer": offer, "view": picking.month_view(days, month, offer.first_day, offer.last_day, week_days()[0][0]),
        "day": day, "day_slots": days.get(day, []) if day else [], "here": here, "base_url": base_url, "choose_url": choose_url,
        "kept": kept,
        "month_days": [(each, slots) for each, slots in days.items() if each.replace(day=1) == month],
        "full_months": [full for full in offer.full_months if full == month], "zones": timezone_choices(zone),
        "title": title, "back": back, "message": message, "unavailable": unavailable, "typed": typed,
        "focus": request.args.get("focus", "") if _is_swap() else "",
    }
    template = "mentoring/_picker.html" if _is_swap() else "mentoring/pick.html"
    return _render_in_zone(zone, template, status, **context)


def _is_swap() -> bool:
    """An htmx request for the calendar alone; going back to a page htmx no longer keeps asks for all of it."""
    return bool(request.headers.get("HX-Request")) and not request.headers.get("HX-History-Restore-Request")


def _refusal(form, starts_at: datetime | None) -> tuple[str, int]:
    """Why a chosen time goes back to the calendar, and the status that says so."""
    if form.form_errors:
        return form.form_errors[0], form_status(form)
    if starts_at is None:
        return _("Please choose one of the offered times."), 400
    return _("This time is no longer free. Please choose another slot."), 409


# --- picking and booking ----------------------------------------------------------------------------------

def _booking_calendar(programme_id: int, mentor_id: int, offer: offers.Offer, zone: str, note: str,
                      message: str = "", status: int = 200, near: datetime | None = None):
    return _calendar(offer, zone,
                     base_url=url_for("mentoring.slots", programme_id=programme_id, mentor_id=mentor_id),
                     choose_url=url_for("mentoring.book", programme_id=programme_id, mentor_id=mentor_id),
                     kept=("note", note),
                     title=_("Book an individual session with %(name)s", name=offer.mentor.display_name),
                     back=(url_for("mentoring.programme", programme_id=programme_id), _("Back to the programme")),
                     message=message, status=status, near=near,
                     unavailable=meeting.NoMeetingPlace().message if offer.meeting is None else "")


@bp.get("/mentoring/programmes/<int:programme_id>/mentors/<int:mentor_id>/slots")
@login_required
def slots(programme_id: int, mentor_id: int):
    zone = _zone()
    _programme, offer = offers.booking_offer(current_user, programme_id, mentor_id, zone, utcnow())
    return _booking_calendar(programme_id, mentor_id, offer, zone, _kept("note"))


@bp.route("/mentoring/programmes/<int:programme_id>/mentors/<int:mentor_id>/book", methods=["GET", "POST"])
@login_required
def book(programme_id: int, mentor_id: int):
    """GET: the chosen time to confirm, with a note for the mentor; POST: book it."""
    zone, form = _zone(), BookingForm()
    starts_at = _instant(request.values.get("starts_at"))
    if form.is_submitted():
        session = run_form(form, lambda: booking.book_slot(current_user, programme_id, mentor_id, starts_at,
                                                           note=form.note.data or ""))
        if session:
            session_id = session.id
            db.session.commit()  # after it, reading the session would reload it with its programme and people
            flash(_("Booked. You will receive an invitation by e-mail."), "success")
            return redirect(url_for("mentoring.session", session_id=session_id))
    else:
        form.note.data = _kept("note")
    programme, offer = offers.booking_offer(current_user, programme_id, mentor_id, zone, utcnow())
    slot = _chosen(offer, starts_at)
    if slot is None or form.form_errors:  # taken meanwhile, or never offered: choose again, the note kept
        return _booking_calendar(programme_id, mentor_id, offer, zone, (form.note.data or "")[:KEPT_TEXT_LENGTH],
                                 *_refusal(form, starts_at), near=starts_at)
    back = url_for("mentoring.slots", programme_id=programme_id, mentor_id=mentor_id, zone=zone,
                   day=utc_to_local(slot.starts_at, zone).date().isoformat())
    return _render_in_zone(zone, "mentoring/confirm_booking.html", form_status(form), programme=programme,
                           offer=offer, slot=slot, form=form, back=back)


# --- moving -------------------------------------------------------------------------------------------------

def _move_offer_or_page(session: MentoringSession, zone: str):
    """The times the session can move to; or, when it can no longer move (it started or was cancelled
    meanwhile), the session page saying so."""
    try:
        return offers.move_offer(current_user, session, zone, utcnow()), None
    except NotFound:
        raise
    except DomainError as error:
        return None, session_page(session, error.status_code, message=error.message)


def _move_calendar(session: MentoringSession, offer: offers.Offer, zone: str, reason: str, message: str = "",
                   status: int = 200, near: datetime | None = None, typed_form: RescheduleForm | None = None):
    if session.is_group and typed_form is None:  # group meetings may also go outside the 1:1 hours
        typed_form = RescheduleForm(formdata=None, reason=reason)
    return _calendar(offer, zone, base_url=url_for("mentoring.move", session_id=session.id),
                     choose_url=url_for("mentoring.confirm_move", session_id=session.id), kept=("reason", reason),
                     title=_("Move the session"),
                     back=(url_for("mentoring.session", session_id=session.id), _("Back to the session")),
                     message=message, status=status, near=near or session.starts_at,
                     typed=typed_form and (typed_form, url_for("mentoring.reschedule", session_id=session.id)))


@bp.get("/mentoring/sessions/<int:session_id>/move")
@login_required
def move(session_id: int):
    session, zone = access.session_for(current_user, session_id), _zone()
    offer, refused = _move_offer_or_page(session, zone)
    return refused or _move_calendar(session, offer, zone, _kept("reason"))


@bp.route("/mentoring/sessions/<int:session_id>/move/confirm", methods=["GET", "POST"])
@login_required
def confirm_move(session_id: int):
    """GET: the new time chosen in the calendar, to confirm with a reason if one likes; POST: move."""
    session, zone, form = access.session_for(current_user, session_id), _zone(), MoveForm()
    starts_at = _instant(request.values.get("starts_at"))
    if form.is_submitted():
        if run_form(form, lambda: booking.reschedule(current_user, session, starts_at, form.reason.data or "")):
            db.session.commit()
            flash(_("The session has been moved; everyone gets an updated invitation."), "success")
            return redirect(url_for("mentoring.session", session_id=session_id))
    else:
        form.reason.data = _kept("reason")
    offer, refused = _move_offer_or_page(session, zone)
    if refused:
        return refused
    slot = _chosen(offer, starts_at)
    if slot is None or form.form_errors:
        return _move_calendar(session, offer, zone, (form.reason.data or "")[:KEPT_TEXT_LENGTH],
                              *_refusal(form, starts_at), near=starts_at)
    back = url_for("mentoring.move", session_id=session_id, zone=zone,
                   day=utc_to_local(slot.starts_at, zone).date().isoformat())
    return _render_in_zone(zone, "mentoring/confirm_move.html", form_status(form), session=session, slot=slot,
                           form=form, back=back)


@bp.post("/mentoring/sessions/<int:session_id>/reschedule")
@login_required
def reschedule(session_id: int):
    """A typed new time (the move page offers it for group sessions); a refusal is told at the field."""
    session, zone, form = access.session_for(current_user, session_id), _zone(), RescheduleForm()
    if run_form(form, lambda: booking.reschedule(
            current_user, session, form.starts_at.data and local_to_utc(form.starts_at.data, current_user.time_zone),
            form.reason.data or "")):
        db.session.commit()
        flash(_("The session has been moved; everyone gets an updated invitation."), "success")
        return redirect(url_for("mentoring.session", session_id=session_id))
    offer, refused = _move_offer_or_page(session, zone)
    if refused:
        return refused
    form.starts_at.errors = [*form.starts_at.errors, *form.form_errors]  # every refusal is about the time
    form.form_errors.clear()
    return _move_calendar(session, offer, zone, "", status=form_status(form), typed_form=form)


# --- where a mentor meets -------------------------------------------------------------------------------------

@bp.route("/mentoring/meeting-place", methods=["GET", "POST"])
@roles_required(Role.MENTOR)
def meeting_place():
    form = MeetingForm(obj=db.session.get(MentorProfile, current_user.id))
    form.meeting_kind.choices = [(kind.value, label) for kind, label in _meeting_kinds()]
    if run_form(form, lambda: meeting.set_meeting_default(current_user, form.meeting_kind.data or "",
                                                          form.meeting_place.data or "", form.meeting_url.data or "")):
        db.session.commit()
        flash(_("Saved. New sessions meet there; sessions already booked keep their place."), "success")
        return redirect(url_for("mentoring.meeting_place"))
    return render_template("mentoring/meeting_place.html", form=form), form_status(form)


def _meeting_kinds() -> list[tuple[MeetingKind, str]]:
    kinds = [(MeetingKind.LINK, _("Online, at my own meeting link")), (MeetingKind.PLACE, _("In person, at an address"))]
    if meeting.video_rooms_offered():
        kinds.insert(0, (MeetingKind.ROOM, _("Online, in a new video room for each session")))
    return kinds
