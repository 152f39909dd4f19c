from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from learnhub.caching import kept_for_readers
from learnhub.confirmation import confirmation_page, is_confirmed
from learnhub.courses import admission, roster, services
from learnhub.courses.forms import BulkEnrolForm, CohortForm, EnrolForm, ReasonForm, SessionForm
from learnhub.courses.models import Approver, EnrolmentStatus, PromotionPolicy
from learnhub.courses.roster import RosterOrder, progress_roster
from learnhub.curriculum.models import Audience
from learnhub.curriculum.services import get_version, module_of
from learnhub.dates import format_datetime
from learnhub.evaluations.forms import evaluation_form, ratings_of
from learnhub.extensions import db
from learnhub.formflow import ConfirmForm, form_status, run_form
from learnhub.i18n import LANGUAGES, _, to_reader_script
from learnhub.navigation import optional_whole_number, requested_page, safe_next_url, whole_numbers
from learnhub.people.access import roles_required
from learnhub.people.models import Role, ServiceType
from learnhub.people.services import (
    administered_organisations,
    members_of,
    municipality_choices,
    organisation_for_admin,
)
from learnhub.timeutil import utcnow

bp = Blueprint("courses", __name__)
KEPT_CATALOGUE_PAGES = 20  # beyond them a page is empty; keeping every number asked for would fill the cache
trainers = roles_required(Role.TRAINER, Role.INSTITUTE_ADMIN)


# --- catalogue and cohort pages ---------------------------------------------------------------------

@bp.get("/catalogue")
def catalogue():
    municipalities = municipality_choices()
    filters = services.CatalogueFilter.from_args(request.args, {id_ for id_, _name in municipalities})
    results = _catalogue_results(filters, requested_page())
    if request.headers.get("HX-Request"):
        return results
    return render_template("courses/catalogue.html", results=results, filters=filters,
                           municipalities=municipalities, service_types=list(ServiceType))


def _catalogue_results(filters: services.CatalogueFilter, page_number: int) -> Markup:
    """The matching learning sets, rendered. A typed search is rarely repeated, so only the choices
    from the lists are kept (until a learning set or cohort changes), for the first pages."""
    today, query = utcnow().date(), filters.args()

    def render() -> str:
        return render_template("courses/_catalogue_results.html", query=query,
                               page=services.catalogue(filters, today, page_number))

    if filters.query or page_number > KEPT_CATALOGUE_PAGES:
        return Markup(render())
    return Markup(kept_for_readers(services.PUBLIC_CURRICULUM,
                                   f"catalogue:{today}:{page_number}:{sorted(query.items())}", render))


@bp.get("/cohorts/<int:cohort_id>")
def cohort(cohort_id: int):
    return _cohort_page(services.get_cohort(cohort_id))


def _cohort_page(cohort, enrol_form: EnrolForm | None = None, bulk_form: tuple[int, BulkEnrolForm] | None = None,
                 status: int = 200):
    """The cohort's page; a refused enrolment (`enrol_form`) or bulk enrolment (organisation id and form)
    shows there, at its form, with what was chosen."""
    context = {"cohort": cohort, "enrol_form": enrol_form or EnrolForm(formdata=None), "confirm_form": ConfirmForm(),
               "enrolment": None, "waiting": None, "bulk_forms": [], "bulk_form": bulk_form,
               "enrolment_window": cohort.enrolment_window(utcnow())}
    if current_user.is_authenticated:
        context["enrolment"] = enrolment = services.own_enrolment(current_user, cohort)
        if enrolment is not None and enrolment.status == EnrolmentStatus.WAITLISTED:
            context["waiting"] = admission.waiting(enrolment)
        context["bulk_forms"] = [(organisation, members_of(organisation))
                                 for organisation in administered_organisations(current_user)]
        if enrolment is not None:
            context["withdrawal_question"] = withdrawal_question(enrolment)
    context["perspectives"] = Audience.choices()
    context["perspective_places"] = admission.places_for_perspectives(cohort)
    return render_template("courses/cohort.html", **context), status


@bp.get("/cohorts/<int:cohort_id>/sessions.ics")
def cohort_ics(cohort_id: int):
    """'Add to calendar': every session of the cohort."""
    cohort = services.get_cohort(cohort_id)
    return Response(roster.cohort_calendar(cohort, utcnow()), mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="cohort-{cohort.id}.ics"'})


@bp.post("/cohorts/<int:cohort_id>/enrol")
@login_required
def enrol(cohort_id: int):
    cohort = services.cohort_to_enrol(cohort_id)
    form = EnrolForm()
    enrolment = run_form(form, lambda: admission.enrol(current_user, cohort, current_user, form.perspective.data or None))
    if not enrolment:
        return _cohort_page(services.get_cohort(cohort_id), enrol_form=form, status=form_status(form))
    message = enrolment.status.label  # read before the commit, which would have it reloaded
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("courses.cohort", cohort_id=cohort_id))


@bp.post("/cohorts/<int:cohort_id>/enrol-members/<int:organisation_id>")
@login_required
def enrol_members(cohort_id: int, organisation_id: int):
    cohort = services.cohort_to_enrol(cohort_id)
    organisation = organisation_for_admin(current_user, organisation_id)
    form = BulkEnrolForm()
    member_ids = whole_numbers(form.member_ids.data or [])
    perspectives = {member_id: request.form.get(f"perspective_{member_id}", "") for member_id in member_ids}
    results = run_form(form, lambda: admission.enrol_members(current_user, cohort, organisation, member_ids,
                                                            perspectives))
    if not results:
        return _cohort_page(services.get_cohort(cohort_id), bulk_form=(organisation.id, form),
                            status=form_status(form))
    db.session.commit()
    for result in results:
        message = result.enrolment.status.label if result.enrolment else result.problem
        flash(f"{to_reader_script(result.user.display_name)}: {message}", "info" if result.enrolment else "error")
    return redirect(url_for("courses.cohort", cohort_id=cohort.id))


@bp.post("/enrolments/<int:enrolment_id>/withdraw")
@login_required
def withdraw(enrolment_id: int):
    enrolment = services.enrolment_for(current_user, enrolment_id)
    if not is_confirmed():
        question, consequence = withdrawal_question(enrolment, is_own=enrolment.user_id == current_user.id)
        return confirmation_page(question, consequence, _("Withdraw"), url_for("courses.cohort", cohort_id=enrolment.cohort_id))
    admission.withdraw(current_user, enrolment, ReasonForm().reason.data or "")
    db.session.commit()
    flash(_("The enrolment has been withdrawn."), "info")
    return redirect(request.referrer if request.referrer and request.referrer.startswith(request.host_url)
                    else url_for("courses.my_learning"))


def withdrawal_question(enrolment, is_own: bool = True) -> tuple[str, str]:
    """What withdrawing asks, and what it costs: the place goes to someone else."""
    cohort = to_reader_script(enrolment.cohort.name)
    if is_own:
        question = _("Withdraw from %(cohort)s?", cohort=cohort)
    else:
        question = _("Withdraw %(name)s from %(cohort)s?", name=to_reader_script(enrolment.user.display_name),
                     cohort=cohort)
    return question, _("The place goes to the next person waiting. Enrolling again later means taking a free "
                       "place or joining the waitlist.")


@bp.post("/enrolments/<int:enrolment_id>/approve")
@login_required
def approve(enrolment_id: int):
    enrolment = services.enrolment_for(current_user, enrolment_id)
    waiting = admission.approve(current_user, enrolment)
    message = _approval_message(to_reader_script(enrolment.user.display_name), waiting)  # before the commit expires the enrolment
    target = _after_deciding(enrolment)
    db.session.commit()
    flash(message, "success" if waiting is None else "info")
    return redirect(target)


def _approval_message(name: str, waiting: admission.Waiting | None) -> str:
    """What an approval did: a place, or the waitlist and why."""
    if waiting is None:
        return _("%(name)s is approved and has a place.", name=name)
    if waiting.for_perspective:
        return _("%(name)s is approved, but the places for their perspective are taken: they are on the waitlist.",
                 name=name)
    if waiting.position:
        return _("%(name)s is approved, but the cohort is full: they are number %(position)d on the waitlist.",
                 name=name, position=waiting.position)
    return _("%(name)s is approved, but the cohort is full: they are on the waitlist.", name=name)


@bp.post("/enrolments/<int:enrolment_id>/reject")
@login_required
def reject(enrolment_id: int):
    enrolment = services.enrolment_for(current_user, enrolment_id)
    admission.reject(current_user, enrolment, ReasonForm().reason.data or "")
    message = _("%(name)s: %(status)s", name=to_reader_script(enrolment.user.display_name), status=enrolment.status.label)
    target = _after_deciding(enrolment)
    db.session.commit()
    flash(message, "info")
    return redirect(target)


def _after_deciding(enrolment) -> str:
    """Where a decision leads: back to the page it was made on (the approvals page says so), else to the
    cohort's page for those who run it, else to the approvals page (an organisation admin's)."""
    if target := safe_next_url(request.form.get("next")):
        return target
    if services.may_manage(current_user, enrolment.cohort):
        return url_for("courses.cohort_admin", cohort_id=enrolment.cohort_id)
    return url_for("courses.approvals")


@bp.get("/approvals")
@login_required
def approvals():
    page = admission.awaiting_decision(current_user, requested_page(), current_app.config["PAGE_SIZE"])
    return render_template("courses/approvals.html", page=page, confirm_form=ConfirmForm(), reason_form=ReasonForm())


# --- learners -------------------------------------------------------------------------------------------

@bp.get("/my/learning")
@login_required
def my_learning():
    return render_template("courses/my_learning.html", items=services.my_learning(current_user, utcnow()))


@bp.post("/versions/<int:version_id>/modules/<module_slug>/complete")
@login_required
def complete_module(version_id: int, module_slug: str):
    version = get_version(version_id)
    services.mark_module_complete(current_user, module_of(version, module_slug))
    db.session.commit()
    flash(_("Module marked as complete. Well done!"), "success")
    return redirect(url_for("curriculum.module", version_id=version.id, module_slug=module_slug))


@bp.route("/cohorts/<int:cohort_id>/evaluation", methods=["GET", "POST"])
@login_required
def evaluation(cohort_id: int):
    cohort = services.get_cohort(cohort_id)
    form = evaluation_form()
    if run_form(form, lambda: services.submit_evaluation(
            current_user, cohort, ratings_of(form), form.comment.data or "", utcnow().date())):
        db.session.commit()
        flash(_("Thank you for your evaluation."), "success")
        return redirect(url_for("courses.my_learning"))
    # Before the last day the form is not offered: only when it opens.
    opens_on = None if cohort.is_evaluation_open(utcnow().date()) else cohort.evaluation_opens_on
    return render_template("evaluations/evaluation.html", subject=cohort.name, form=form,
                           opens_on=opens_on), form_status(form)


# --- trainers --------------------------------------------------------------------------------------------

@bp.get("/trainer/cohorts")
@trainers
def trainer_cohorts():
    return render_template("courses/trainer_cohorts.html", page=services.cohorts_for_trainer(
        current_user, requested_page(), current_app.config["PAGE_SIZE"]))


def _cohort_form() -> CohortForm:
    form = CohortForm()
    form.municipality_id.choices = [("", "—")] + [(str(i), name) for i, name in municipality_choices()]
    form.language.choices = list(LANGUAGES.items())
    form.approver.choices = Approver.choices()
    form.promotion_policy.choices = PromotionPolicy.choices()
    form.allowed_service_types.choices = ServiceType.choices()
    return form


@bp.route("/trainer/versions/<int:version_id>/cohorts/new", methods=["GET", "POST"])
@trainers
def new_cohort(version_id: int):
    version = get_version(version_id)
    form = _cohort_form()

    def create():
        details = services.CohortDetails(
            name=form.name.data, municipality_id=optional_whole_number(form.municipality_id.data),
            is_online=form.is_online.data,
            language=form.language.data, starts_on=form.starts_on.data, ends_on=form.ends_on.data,
            capacity=form.capacity.data, enrolment_opens_at=form.enrolment_opens_at.utc(current_user.time_zone),
            enrolment_closes_at=form.enrolment_closes_at.utc(current_user.time_zone), approver=form.approver.data,
            promotion_policy=form.promotion_policy.data,
            allowed_service_types=tuple(form.allowed_service_types.data or ()),
            records_perspective=form.records_perspective.data,
            max_share_per_perspective=form.max_share_per_perspective.data,
            auto_issue_certificates=form.auto_issue_certificates.data)
        return services.create_cohort(current_user, version, details)

    cohort = run_form(form, create)
    if cohort:
        db.session.commit()
        flash(_("Cohort created. Add its sessions now."), "success")
        return redirect(url_for("courses.cohort_admin", cohort_id=cohort.id))
    return render_template("courses/cohort_form.html", form=form, version=version), form_status(form)


def _cohort_admin_page(cohort, session_form, status=200):
    order = RosterOrder.parse(request.args.get("sort"))
    page = progress_roster(cohort, order, requested_page(), current_app.config["PAGE_SIZE"])
    return render_template(
        "courses/cohort_admin.html", cohort=cohort, page=page, order=order.value, session_form=session_form,
        confirm_form=ConfirmForm(), reason_form=ReasonForm(), summary=services.evaluation_summary(cohort),
    ), status


@bp.get("/trainer/cohorts/<int:cohort_id>")
@trainers
def cohort_admin(cohort_id: int):
    return _cohort_admin_page(services.cohort_for_trainer(current_user, cohort_id), SessionForm())


@bp.post("/trainer/cohorts/<int:cohort_id>/sessions")
@trainers
def add_session(cohort_id: int):
    cohort = services.cohort_for_trainer(current_user, cohort_id)
    form = SessionForm()
    zone = current_user.time_zone
    if run_form(form, lambda: services.add_session(cohort, form.starts_at.utc(zone), form.ends_at.utc(zone),
                                                   form.place.data or "", form.online_url.data or "")):
        db.session.commit()
        flash(_("Session added."), "success")
        return redirect(url_for("courses.cohort_admin", cohort_id=cohort.id))
    return _cohort_admin_page(cohort, form, form_status(form))


@bp.post("/trainer/cohorts/<int:cohort_id>/trainers")
@trainers
def add_trainer(cohort_id: int):
    cohort = services.cohort_for_trainer(current_user, cohort_id)
    trainer = services.add_trainer(cohort, request.form.get("email", ""))
    db.session.commit()
    flash(_("%(name)s now trains this cohort too.", name=to_reader_script(trainer.display_name)), "success")
    return redirect(url_for("courses.cohort_admin", cohort_id=cohort.id))


@bp.post("/trainer/cohorts/<int:cohort_id>/move-version")
@trainers
def move_version(cohort_id: int):
    cohort = services.cohort_for_trainer(current_user, cohort_id)
    version = services.move_to_latest_version(cohort)
    db.session.commit()
    flash(_("The cohort now uses version %(number)d.", number=version.number), "success")
    return redirect(url_for("courses.cohort_admin", cohort_id=cohort.id))


@bp.route("/trainer/cohorts/<int:cohort_id>/sessions/<int:session_id>/attendance", methods=["GET", "POST"])
@trainers
def attendance(cohort_id: int, session_id: int):
    cohort = services.cohort_for_trainer(current_user, cohort_id)
    session = roster.session_of(cohort, session_id)
    if request.method == "POST":
        sent = request.form.getlist("enrolment_id")
        if not sent and request.form.get("present") != "1" and not is_confirmed():
            return confirmation_page(*everyone_absent_question(), _("Mark everyone absent"),
                                     url_for("courses.attendance", cohort_id=cohort.id, session_id=session.id))
        ids = whole_numbers(sent) if sent else None  # none sent: everyone enrolled
        present = request.form.get("present") == "1"
        roster.set_attendance(current_user, cohort, session.id, ids, present)
        if request.headers.get("HX-Request") and ids and len(ids) == 1:
            # Rendered before the commit, which would expire the cohort and session the row shows.
            row = render_template("courses/_attendance_row.html", cohort=cohort, session=session,
                                  line=roster.roster_line(cohort, ids[0]), mark=present)
            db.session.commit()
            return row
        db.session.commit()
        return redirect(url_for("courses.attendance", cohort_id=cohort.id, session_id=session.id))
    page = roster.roster(cohort, requested_page(), current_app.config["PAGE_SIZE"])
    enrolled = [e for e in page.items if e.holds_seat]
    marks = roster.attendance_marks([session.id], [e.id for e in enrolled])
    return render_template("courses/attendance.html", cohort=cohort, session=session, page=page,
                           enrolled=enrolled, marks=marks, confirm_form=ConfirmForm(),
                           everyone_absent_question=everyone_absent_question())


def everyone_absent_question() -> tuple[str, str]:
    return (_("Mark everyone absent?"),
            _("Every participant is recorded as absent from this session, including those already marked present. "
              "Absences count against the attendance a certificate needs."))


def _csv(text: bytes, filename: str) -> Response:
    return Response(text, mimetype="text/csv",  # Flask adds "; charset=utf-8" to text types
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/trainer/cohorts/<int:cohort_id>/roster.csv")
@trainers
def roster_csv(cohort_id: int):
    cohort = services.cohort_for_trainer(current_user, cohort_id)
    return _csv(roster.roster_csv(cohort), f"roster-{cohort.id}.csv")


@bp.get("/trainer/cohorts/<int:cohort_id>/attendance.csv")
@trainers
def attendance_csv(cohort_id: int):
    cohort = services.cohort_for_trainer(current_user, cohort_id)
    return _csv(roster.attendance_csv(cohort, lambda s: format_datetime(s.starts_at)),
                f"attendance-{cohort.id}.csv")
