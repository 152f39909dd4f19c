from datetime import UTC, datetime

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.http import is_resource_modified

from learnhub.confirmation import confirmation_page, is_confirmed
from learnhub.curriculum.services import all_versions_for_trainers
from learnhub.evaluations.forms import evaluation_form, ratings_of
from learnhub.extensions import db
from learnhub.formflow import ConfirmForm, form_status, run_form
from learnhub.i18n import _, to_reader_script
from learnhub.mentoring import access, booking, busy, feeds, invitations, meeting, plans
from learnhub.mentoring import availability as mentor_availability
from learnhub.mentoring import overview as dashboard
from learnhub.mentoring.actions import session_actions
from learnhub.mentoring.blueprint import bp
from learnhub.mentoring.forms import (
    WEEKDAYS,
    AvailabilityForm,
    BusyCalendarForm,
    CancelForm,
    GroupSessionForm,
    NoteForm,
    PlanForm,
    ProgrammeForm,
)
from learnhub.mentoring.models import MentoringProgramme, PartStat, PlanStatus
from learnhub.navigation import optional_whole_number, requested_page, whole_number, whole_numbers
from learnhub.people.access import roles_required
from learnhub.people.models import Role, ServiceType
from learnhub.people.services import all_organisations, users_with_role
from learnhub.timeutil import utc_to_local, utcnow

# --- overview and programmes ------------------------------------------------------------------------

@bp.get("/mentoring")
@login_required
def overview():
    return render_template("mentoring/overview.html", overview=dashboard.overview(current_user, utcnow()),
                           programmes=access.programmes_for(current_user))


@bp.route("/mentoring/programmes/new", methods=["GET", "POST"])
@roles_required(Role.INSTITUTE_ADMIN)
def new_programme():
    form = ProgrammeForm()
    form.service_type.choices = [("", "—")] + ServiceType.choices()
    form.mentor_ids.choices = [(str(u.id), to_reader_script(u.display_name)) for u in users_with_role(Role.MENTOR)]
    form.organisation_ids.choices = [(str(o.id), to_reader_script(f"{o.name} ({o.municipality.name})"))
                                   for o in all_organisations()]
    form.learning_set_id.choices = [("", "—")] + [(str(v.learning_set_id), to_reader_script(v.display_title))
                                                  for v in all_versions_for_trainers()]
    programme = run_form(form, lambda: access.create_programme(
        form.name.data, form.service_type.data, form.starts_on.data, form.ends_on.data,
        whole_numbers(form.mentor_ids.data or []), whole_numbers(form.organisation_ids.data or []),
        (form.mentee_emails.data or "").splitlines(), optional_whole_number(form.learning_set_id.data)))
    if programme:
        db.session.commit()
        flash(_("Mentoring programme created."), "success")
        return redirect(url_for("mentoring.programme", programme_id=programme.id))
    return render_template("mentoring/programme_form.html", form=form), form_status(form)


@bp.get("/mentoring/programmes/<int:programme_id>")
@login_required
def programme(programme_id: int):
    programme = access.programme_for(current_user, programme_id)
    group_form = GroupSessionForm(formdata=None)
    if programme.has_mentor(current_user):  # the form starts where the mentor's sessions meet
        group_form.place.data, group_form.online_url.data, group_form.new_video_room.data = \
            meeting.group_session_defaults(current_user)
    return _programme_page(programme, group_form)


def _programme_page(programme: MentoringProgramme, group_form: GroupSessionForm) -> str:
    """The programme page, also shown again with the group-session form's errors."""
    is_mentor = programme.has_mentor(current_user)
    return render_template(
        "mentoring/programme.html", programme=programme,
        sessions=access.programme_sessions(current_user, programme, requested_page(), current_app.config["PAGE_SIZE"]),
        group_form=group_form, is_mentor=is_mentor, video_rooms=meeting.video_rooms_offered(),
        may_book=not is_mentor and access.is_mentee(current_user, programme),
        good_practice=plans.good_practice(programme), plans=access.editable_plans(current_user, programme),
    )


@bp.post("/mentoring/programmes/<int:programme_id>/group-sessions")
@login_required
def schedule_group_session(programme_id: int):
    programme = access.programme_for_mentor(current_user, programme_id)
    form = GroupSessionForm()
    session = run_form(form, lambda: booking.schedule_group_session(current_user, programme, booking.GroupSessionInput(
        starts_at=form.starts_at.utc(current_user.time_zone), duration_minutes=form.duration_minutes.data,
        place=form.place.data or "", online_url=form.online_url.data or "", agenda=form.agenda.data or "",
        capacity=form.capacity.data, new_video_room=form.new_video_room.data)))
    if session:
        db.session.commit()
        flash(_("Group session scheduled; invitations are on their way."), "success")
        return redirect(url_for("mentoring.session", session_id=session.id))
    return _programme_page(programme, form), form_status(form)


# --- availability ---------------------------------------------------------------------------------------

@bp.route("/mentoring/availability", methods=["GET", "POST"])
@roles_required(Role.MENTOR)
def availability():
    now = utcnow()
    form = _availability_form(now)
    edited = form.apply_edit(request.form.get("edit", ""))
    if edited is not None:  # a range, date or day off added, removed or copied: shown again, nothing saved
        return _availability_page(form, BusyCalendarForm(formdata=None), 200 if edited else 400, now)
    if "preview" in request.form:
        days = run_form(form, lambda: mentor_availability.preview_availability(current_user, form.plan, now))
        return _availability_page(form, BusyCalendarForm(formdata=None), form_status(form) if days is None else 200,
                                  now, days)
    if run_form(form, lambda: mentor_availability.set_availability(current_user, form.plan)):
        db.session.commit()
        flash(_("Availability saved."), "success")
        return redirect(url_for("mentoring.availability"))
    return _availability_page(form, BusyCalendarForm(formdata=None), form_status(form), now)


@bp.post("/mentoring/availability/preview")
@roles_required(Role.MENTOR)
def availability_preview():
    """htmx: the free times what is being typed would give, saving nothing; or what stands in the way."""
    now = utcnow()
    form = _availability_form(now)
    days = run_form(form, lambda: mentor_availability.preview_availability(current_user, form.plan, now))
    return render_template("mentoring/_availability_preview.html", form=form, preview=days, oob=True)


def _availability_form(now: datetime, **options) -> AvailabilityForm:
    profile = mentor_availability.mentor_profile(current_user)
    return AvailabilityForm.of(profile, utc_to_local(now, current_user.time_zone).date(), **options)


def _availability_page(form: AvailabilityForm, calendar_form: BusyCalendarForm, status: int, now: datetime,
                       preview: list[mentor_availability.PreviewDay] | None = None):
    if preview is None and not form.errors:
        # What the rows on the page give, saved or not yet: nothing when they cannot be read.
        plan, _problems = form.read()
        preview = mentor_availability.preview_availability(current_user, plan, now) if plan else None
    return render_template("mentoring/availability.html", form=form, weekdays=WEEKDAYS, calendar_form=calendar_form,
                           calendars=busy.busy_calendars_of(current_user), busy=busy, preview=preview), status


@bp.post("/mentoring/availability/calendars")
@roles_required(Role.MENTOR)
def add_busy_calendar():
    calendar_form = BusyCalendarForm()
    calendar = run_form(calendar_form, lambda: busy.add_busy_calendar(current_user, calendar_form.kind.data,
                                                                       calendar_form.url.data))
    if not calendar:
        now = utcnow()
        return _availability_page(_availability_form(now, formdata=None), calendar_form, form_status(calendar_form),
                                  now)
    is_read = busy.refresh_calendar(calendar, utcnow())
    db.session.commit()
    _flash_refresh(calendar, is_read, _("Calendar added."))
    return redirect(url_for("mentoring.availability"))


@bp.post("/mentoring/availability/calendars/<int:calendar_id>/refresh")
@roles_required(Role.MENTOR)
def refresh_busy_calendar(calendar_id: int):
    calendar = busy.busy_calendar_for(current_user, calendar_id)
    is_read = busy.refresh_calendar(calendar, utcnow())
    db.session.commit()
    _flash_refresh(calendar, is_read, _("Calendar read again."))
    return redirect(url_for("mentoring.availability"))


@bp.post("/mentoring/availability/calendars/<int:calendar_id>/remove")
@roles_required(Role.MENTOR)
def remove_busy_calendar(calendar_id: int):
    busy.remove_busy_calendar(busy.busy_calendar_for(current_user, calendar_id))
    db.session.commit()
    flash(_("Calendar removed; its busy times no longer block your slots."), "success")
    return redirect(url_for("mentoring.availability"))


def _flash_refresh(calendar, is_read: bool, done: str) -> None:
    if is_read:
        flash(done, "success")
    else:
        flash(_("The calendar could not be read: %(reason)s Its last busy times still count.",
                reason=busy.error_label(calendar)), "error")


# --- sessions -------------------------------------------------------------------------------------------

def session_page(session, status=200, message: str = "", **forms):
    """The session page; a refused change shows here: its `message`, or its form as it was sent (`forms`)."""
    context = {"reason_form": CancelForm(), "note_form": NoteForm(), "confirm_form": ConfirmForm(), **forms}
    me = next((p for p in session.active_participants if p.user_id == current_user.id), None)
    return render_template(
        "mentoring/session.html", session=session, is_mentor=session.mentor_id == current_user.id,
        actions=session_actions(current_user, session, utcnow()), me=me,
        takes_part=me is not None or session.mentor_id == current_user.id,
        notes=plans.notes_for(current_user, session), partstats=list(PartStat)[1:],
        summary=booking.session_evaluation_summary(session) if session.mentor_id == current_user.id else None,
        message=message, **context,
    ), status


@bp.get("/mentoring/sessions/<int:session_id>")
@login_required
def session(session_id: int):
    return session_page(access.session_for(current_user, session_id))


@bp.get("/mentoring/sessions/<int:session_id>.ics")
@login_required
def session_ics(session_id: int):
    session = access.session_for(current_user, session_id)
    return Response(invitations.session_ics(session, current_user), mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="mentoring-{session.id}.ics"'})


def _change_session(session_id: int, change, done: str, category: str = "success", answers_only: bool = False):
    """Run `change(session)`; a refusal (the session started, was cancelled, filled up meanwhile) is told
    on the session page with its status, never on an error page."""
    session = access.session_for(current_user, session_id, answers_only=answers_only)
    form = ConfirmForm()
    if run_form(form, lambda: change(session)):
        db.session.commit()
        flash(done, category)
        return redirect(url_for("mentoring.session", session_id=session_id))  # not session.id: read again after the commit
    return session_page(session, form_status(form), message=next(iter(form.form_errors), ""))


@bp.post("/mentoring/sessions/<int:session_id>/respond")
@login_required
def respond(session_id: int):
    return _change_session(session_id, lambda session: booking.respond(
        current_user, session, request.form.get("partstat", "")), _("Thank you, your answer is saved."),
        answers_only=True)


@bp.post("/mentoring/sessions/<int:session_id>/cancel")
@login_required
def cancel(session_id: int):
    session = access.session_for(current_user, session_id)
    form = CancelForm()
    if run_form(form, lambda: booking.cancel_session(current_user, session, form.reason.data or "")):
        db.session.commit()
        flash(_("The session has been cancelled and everyone has been told."), "info")
        return redirect(url_for("mentoring.session", session_id=session.id))
    if form.form_errors:  # it can no longer be cancelled (started, or cancelled meanwhile): the form is gone
        return session_page(session, form_status(form), message=form.form_errors[0])
    return session_page(session, form_status(form), reason_form=form)


@bp.post("/mentoring/sessions/<int:session_id>/participants/<int:user_id>/remove")
@login_required
def remove_participant(session_id: int, user_id: int):
    return _change_session(session_id, lambda session: booking.remove_participant(current_user, session, user_id),
                           _("The participant has been removed and told."), "info")


@bp.post("/mentoring/sessions/<int:session_id>/attendance")
@login_required
def attendance(session_id: int):
    present = set(request.form.getlist("present", type=whole_number))
    return _change_session(session_id, lambda session: booking.record_attendance(current_user, session, present),
                           _("Attendance saved."))


@bp.post("/mentoring/sessions/<int:session_id>/notes")
@login_required
def add_note(session_id: int):
    session = access.session_for(current_user, session_id)
    form = NoteForm()
    if run_form(form, lambda: plans.add_note(current_user, session, form.body.data or "", form.is_shared.data)):
        db.session.commit()
        flash(_("Note saved."), "success")
        return redirect(url_for("mentoring.session", session_id=session.id))
    return session_page(session, form_status(form), note_form=form)


@bp.route("/mentoring/sessions/<int:session_id>/evaluation", methods=["GET", "POST"])
@login_required
def evaluation(session_id: int):
    session = access.session_for(current_user, session_id)
    form = evaluation_form()
    if run_form(form, lambda: booking.evaluate_session(current_user, session, ratings_of(form),
                                                        form.comment.data or "")):
        db.session.commit()
        flash(_("Thank you for your evaluation."), "success")
        return redirect(url_for("mentoring.session", session_id=session.id))
    return render_template("evaluations/evaluation.html", subject=session.programme.name, form=form), form_status(form)


# --- implementation plans -------------------------------------------------------------------------------

@bp.route("/mentoring/programmes/<int:programme_id>/plans/<int:organisation_id>", methods=["GET", "POST"])
@login_required
def plan(programme_id: int, organisation_id: int):
    programme = access.programme_for(current_user, programme_id)
    plan = plans.plan_for(current_user, programme, organisation_id)
    form = PlanForm(obj=plan)
    form.status.choices = PlanStatus.choices()
    if not form.is_submitted():
        while len(form.actions) > 0:
            form.actions.pop_entry()
        for action in plan.actions:
            form.actions.append_entry(action)
        form.actions.append_entry()  # one empty row to add an action
        form.based_on.data = plans.plan_version(plan)
    elif "add_action" in request.form:  # another empty row; nothing is saved, everything typed stays
        form.actions.append_entry()
        return render_template("mentoring/plan.html", programme=programme, plan=plan, form=form,
                               history=plans.plan_history(plan), focus_action=len(form.actions) - 1)

    if run_form(form, lambda: plans.update_plan(
            current_user, plan, form.goals.data or "", form.challenges.data or "", form.involvement_strategies.data or "",
            form.status.data, form.action_inputs(), form.is_good_practice.data, form.based_on.data)):
        db.session.commit()
        flash(_("Plan saved."), "success")
        return redirect(url_for("mentoring.plan", programme_id=programme.id, organisation_id=organisation_id))
    if form_status(form) == 409:  # told about the newer version: saving again now keeps this one
        form.based_on.data = plans.plan_version(plan)
    return render_template("mentoring/plan.html", programme=programme, plan=plan, form=form,
                           history=plans.plan_history(plan)), form_status(form)


# --- calendar feed ------------------------------------------------------------------------------------

@bp.route("/account/calendar", methods=["GET", "POST"])
@login_required
def calendar_settings():
    form = ConfirmForm()
    if form.validate_on_submit() and not is_confirmed():
        return confirmation_page(*new_calendar_address_question(), _("Make a new address"),
                                 url_for("mentoring.calendar_settings"))
    if form.validate_on_submit():
        feeds.rotate_feed_token(current_user)
        db.session.commit()
        flash(_("Your calendar address has changed. Update it in your calendar app; the old one no longer works."),
              "success")
        return redirect(url_for("mentoring.calendar_settings"))
    token = feeds.feed_token(current_user)
    db.session.commit()  # the first visit creates the feed
    feed_url = url_for("mentoring.calendar_feed", token=token, _external=True)
    # webcal: makes the reader's calendar app offer to subscribe (http(s): would only download the file).
    return render_template("mentoring/calendar.html", form=form, feed_url=feed_url,
                           webcal_url="webcal://" + feed_url.split("://", 1)[1],
                           confirming=request.args.get("confirm") == "new-address")


def new_calendar_address_question() -> tuple[str, str]:
    return (_("Make a new calendar address?"),
            _("The current address stops working at once: every calendar app subscribed to it stops showing your "
              "sessions until you add the new address."))


@bp.get("/calendar/<token>.ics")
def calendar_feed(token: str):
    feed = feeds.feed_for_token(token, utcnow(), lambda etag, last_modified: not is_resource_modified(
        request.environ, etag, last_modified=last_modified.replace(tzinfo=UTC)))
    response = Response(feed.body or b"", mimetype="text/calendar", headers={"Cache-Control": "private, max-age=300"})
    response.set_etag(feed.etag)
    response.last_modified = feed.last_modified.replace(tzinfo=UTC)
    return response.make_conditional(request)  # 304 without a body to If-None-Match / If-Modified-Since
