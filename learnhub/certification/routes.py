from flask import Blueprint, Response, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required

from learnhub.certification import services
from learnhub.certification.credentials import check, signed_credential
from learnhub.certification.documents import credential_for, institute_name, pdf_for, verification_url
from learnhub.certification.forms import CpdActivityForm, ReasonedForm, RenewalForm, RequirementForm, RevocationForm
from learnhub.certification.issuer import issuer_document, key_url, public_jwk, published_status_list
from learnhub.certification.staff import StaffFilter, StaffTable, staff_rows, staff_table
from learnhub.certification.status_list import list_count
from learnhub.confirmation import confirmation_page, is_confirmed
from learnhub.courses.services import cohort_for_trainer
from learnhub.curriculum.services import all_versions_for_trainers
from learnhub.curriculum.titles import learning_set_titles
from learnhub.dates import format_date
from learnhub.errors import NotFound
from learnhub.extensions import configured_limit, db, limiter
from learnhub.formflow import ConfirmForm, form_status, run_form
from learnhub.i18n import _, ngettext, select_locale, to_reader_script
from learnhub.navigation import optional_whole_number, requested_page, whole_number
from learnhub.people.access import roles_required
from learnhub.people.models import Organisation, Role, ServiceType
from learnhub.people.services import organisation_for_admin
from learnhub.spreadsheets import csv_bytes, xlsx_bytes
from learnhub.timeutil import utcnow

bp = Blueprint("certification", __name__)
teachers = roles_required(Role.TRAINER, Role.INSTITUTE_ADMIN)
admins = roles_required(Role.INSTITUTE_ADMIN)


# --- trainers and admins: who may be certified ------------------------------------------------------------

@bp.get("/trainer/cohorts/<int:cohort_id>/certificates")
@teachers
def cohort_certificates(cohort_id: int):
    cohort = cohort_for_trainer(current_user, cohort_id)
    return render_template("certification/cohort.html", cohort=cohort, standings=services.cohort_standings(cohort),
                           form=ReasonedForm(), confirm_form=ConfirmForm())


@bp.post("/trainer/cohorts/<int:cohort_id>/certificates")
@teachers
def issue(cohort_id: int):
    cohort = cohort_for_trainer(current_user, cohort_id)
    issued = services.issue_certificates(current_user, cohort, request.form.getlist("enrolment_id", type=whole_number),
                                         override_reason=ReasonedForm().reason.data or "")
    db.session.commit()
    flash(ngettext("%(num)d certificate issued.", "%(num)d certificates issued.", len(issued)), "success")
    return redirect(url_for("certification.cohort_certificates", cohort_id=cohort.id))


@bp.post("/trainer/cohorts/<int:cohort_id>/assessments/<int:enrolment_id>")
@teachers
def record_assessment(cohort_id: int, enrolment_id: int):
    cohort = cohort_for_trainer(current_user, cohort_id)
    services.record_assessment(current_user, cohort, enrolment_id, request.form.get("passed") == "1")
    db.session.commit()
    flash(_("Assessment result saved."), "success")
    return redirect(url_for("certification.cohort_certificates", cohort_id=cohort.id))


# --- holders ----------------------------------------------------------------------------------------------

@bp.get("/certificates")
@login_required
def my_certificates():
    return render_template("certification/mine.html", certificates=services.certificates_of(current_user),
                           record=services.cpd_record(current_user, services.institute_today()), form=CpdActivityForm())


@bp.post("/cpd")
@login_required
def add_cpd():
    form = CpdActivityForm()
    if run_form(form, lambda: services.add_cpd_activity(current_user, form.title.data, form.points.data,
                                                        form.completed_on.data, services.institute_today())):
        db.session.commit()
        flash(_("Activity recorded. It counts once the institute approves it."), "success")
        return redirect(url_for("certification.my_certificates"))
    return render_template("certification/mine.html", certificates=services.certificates_of(current_user),
                           record=services.cpd_record(current_user, services.institute_today()), form=form), form_status(form)


@bp.get("/certificates/<int:certificate_id>")
@login_required
def certificate(certificate_id: int):
    return _certificate_page(services.certificate_for(current_user, certificate_id))


def _certificate_page(certificate, revocation_form: RevocationForm | None = None,
                      renewal_form: RenewalForm | None = None, reinstatement_form: ReasonedForm | None = None):
    """The certificate's page; an admin's refused action shows on it with what they typed."""
    is_admin = current_user.has_role(Role.INSTITUTE_ADMIN)
    return render_template("certification/certificate.html", certificate=certificate,
                           share_url=verification_url(certificate), history=services.history(certificate),
                           form=reinstatement_form or ReasonedForm(formdata=None),
                           revocation_form=revocation_form or RevocationForm(formdata=None),
                           renewal=services.renewal_standing(certificate) if is_admin else None,
                           renewal_form=renewal_form or RenewalForm(formdata=None),
                           revocation_question=revocation_question())


@bp.get("/certificates/<int:certificate_id>.pdf")
@login_required
def certificate_pdf(certificate_id: int):
    certificate = services.certificate_for(current_user, certificate_id)
    # The holder's language (and script) unless they chose another one in the link.
    asked = request.args.get("lang", "")
    language = asked if asked in ("en", "sr_Latn", "sr_Cyrl", "bs") else (
        certificate.holder.preferred_language if certificate.holder_id == current_user.id else select_locale())
    return Response(pdf_for(certificate, language), mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="certificate-{certificate.readable_code}.pdf"'})


@bp.post("/certificates/<int:certificate_id>/revoke")
@admins
def revoke(certificate_id: int):
    certificate = services.get_certificate(certificate_id)
    form = RevocationForm()
    if not certificate.revoked_at and form.validate_on_submit() and not is_confirmed():
        return confirmation_page(*revocation_question(), _("Revoke"),
                                 url_for("certification.certificate", certificate_id=certificate.id))
    if run_form(form, lambda: services.revoke(current_user, certificate, form.note.data or "",
                                              form.public_reason.data or "")):
        db.session.commit()
        flash(_("The certificate has been revoked."), "success")
        return redirect(url_for("certification.certificate", certificate_id=certificate.id))
    return _certificate_page(certificate, revocation_form=form), form_status(form)


def revocation_question() -> tuple[str, str]:
    return (_("Revoke this certificate?"),
            _("Anyone who checks it, by its link or code, will see at once that it is no longer valid. "
              "It can be reinstated later."))


@bp.post("/certificates/<int:certificate_id>/reinstate")
@admins
def reinstate(certificate_id: int):
    certificate = services.get_certificate(certificate_id)
    form = ReasonedForm()
    if run_form(form, lambda: services.reinstate(current_user, certificate, form.reason.data or "")):
        db.session.commit()
        flash(_("The certificate is valid again."), "success")
        return redirect(url_for("certification.certificate", certificate_id=certificate.id))
    return _certificate_page(certificate, reinstatement_form=form), form_status(form)


@bp.post("/certificates/<int:certificate_id>/renew")
@admins
def renew(certificate_id: int):
    certificate = services.get_certificate(certificate_id)
    form = RenewalForm()
    if run_form(form, lambda: services.renew_by_cpd(current_user, certificate,
                                                    override_reason=form.override_reason.data or "")):
        db.session.commit()
        flash(_("The certificate has been renewed."), "success")
        return redirect(url_for("certification.certificate", certificate_id=certificate.id))
    return _certificate_page(certificate, renewal_form=form), form_status(form)


# --- public verification ------------------------------------------------------------------------------

def _typed_code(text: str) -> str:
    """What someone typed or pasted: a code with or without dashes, or the whole verification address."""
    text = text.strip()
    if "/verify/" in text:
        text = text.rsplit("/verify/", 1)[1].split("?", 1)[0].split("#", 1)[0].removesuffix(".json")
    return text[:80]


@bp.get("/verify")
@limiter.limit(configured_limit("VERIFY_RATE_LIMIT"))
def verify_lookup():
    typed = _typed_code(request.args.get("code", ""))
    issuer = institute_name(str(get_locale()))
    if "code" not in request.args:
        return render_template("certification/verify.html", certificate=None, code="", issuer=issuer)
    if not typed:
        return render_template("certification/verify.html", certificate=None, code="", issuer=issuer,
                               error=_("Please type or paste the code printed on the certificate.")), 400
    certificate = services.certificate_by_code(typed)
    if certificate is None:
        return render_template("certification/verify.html", certificate=None, code=typed, issuer=issuer,
                               error=_("No certificate has this code. Please check that it was copied completely.")), 404
    return redirect(url_for("certification.verify", code=certificate.code))


@bp.get("/verify/<code>")
@limiter.limit(configured_limit("VERIFY_RATE_LIMIT"))
def verify(code: str):
    certificate = services.certificate_by_code(code)
    issuer = institute_name(str(get_locale()))
    if certificate is None:
        return render_template("certification/verify.html", certificate=None, code=code[:40], issuer=issuer,
                               error=_("No certificate has this code. Please check that it was copied completely.")), 404
    # What the page says is what a stranger's verifier concludes from the signed credential, our published key
    # and status list; the database's own view (certificate.status) only adds the date and reason of a revocation.
    return render_template("certification/verify.html", certificate=certificate, status=certificate.status,
                           verdict=check(certificate), issuer=issuer, code="")


@bp.get("/verify/<code>.json")
@limiter.limit(configured_limit("VERIFY_RATE_LIMIT"))
def verify_json(code: str):
    certificate = services.certificate_by_code(code)
    if certificate is None:
        return jsonify(error=_("No certificate has this code.")), 404
    # After erasure the answer still says the certificate was issued and is valid, without a name.
    return jsonify(credential_for(certificate, show_holder=not certificate.holder.is_erased))


@bp.get("/verify/<code>.jwt")
@limiter.limit(configured_limit("VERIFY_RATE_LIMIT"))
def verify_jwt(code: str):
    """The signed credential (VC-JWT, a Compact JWS) as a file to keep, put in a wallet or hand to a verifier."""
    certificate = services.certificate_by_code(code)
    if certificate is None:
        return Response(_("No certificate has this code."), status=404, mimetype="text/plain")
    return Response(signed_credential(certificate), mimetype="text/plain", headers={
        "Content-Disposition": f'attachment; filename="certificate-{certificate.readable_code}.jwt"'})


# --- the issuer's published keys and status lists: what any verifier fetches ----------------------------------

def _published(response: Response, seconds: int) -> Response:
    # Public and the same for everyone: wallets in browsers may read it, and caches may keep it a while.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = f"public, max-age={seconds}"
    return response


@bp.get("/issuer")
def issuer_profile():
    return _published(jsonify(issuer_document(institute_name(str(get_locale())))), 300)


@bp.get("/issuer/keys/<key_id>")
def issuer_key(key_id: str):
    jwk = public_jwk(key_url(key_id))
    if jwk is None:
        return jsonify(error=_("No key has this address.")), 404
    return _published(jsonify(jwk), 300)


@bp.get("/credentials/status/<int:list_number>")
def status_list(list_number: int):
    if not 1 <= list_number <= list_count():
        return Response(_("No status list has this number."), status=404, mimetype="text/plain")
    # Revoking shows within a minute even where a verifier's cache keeps the list.
    return _published(Response(published_status_list(list_number), mimetype="application/vc+jwt"), 60)


# --- institute administration --------------------------------------------------------------------------

@bp.get("/admin/cpd")
@admins
def pending_cpd():
    return render_template("certification/pending_cpd.html", activities=services.pending_cpd_activities(),
                           form=ConfirmForm())


@bp.post("/admin/cpd/<int:activity_id>/approve")
@admins
def approve_cpd(activity_id: int):
    services.approve_cpd_activity(current_user, activity_id)
    db.session.commit()
    flash(_("Activity approved."), "success")
    return redirect(url_for("certification.pending_cpd"))


@bp.get("/organisations/status")
@login_required
def organisation_status():
    if current_user.has_role(Role.INSTITUTE_ADMIN):
        organisation_ids = None
    else:
        organisation_ids = [m.organisation_id for m in current_user.memberships if m.is_org_admin]
    statuses = services.organisation_statuses(organisation_ids, utcnow())
    titles = learning_set_titles({r.requirement.learning_set_id for status in statuses for r in status.requirements})
    return render_template("certification/status.html", statuses=statuses, titles=titles,
                           municipalities=services.municipality_summary(statuses) if organisation_ids is None else [],
                           labels=services.STATE_LABELS)


# --- organisation admins: their staff ---------------------------------------------------------------------

def _staff_of(organisation_id: int, page: int | None = None) -> tuple[Organisation, StaffTable]:
    organisation = organisation_for_admin(current_user, organisation_id)
    return organisation, staff_table(organisation, utcnow(), request.args.get("name", "")[:100],
                                     StaffFilter.parse(request.args.get("show")), page,
                                     current_app.config["PAGE_SIZE"])


@bp.get("/organisations/<int:organisation_id>/staff")
@login_required
def staff(organisation_id: int):
    organisation, table = _staff_of(organisation_id, requested_page())
    return render_template("certification/staff.html", organisation=organisation, table=table,
                           filters=list(StaffFilter), name=request.args.get("name", "")[:100],
                           show=StaffFilter.parse(request.args.get("show")).value)


@bp.get("/organisations/<int:organisation_id>/staff.<fmt>")
@login_required
def staff_export(organisation_id: int, fmt: str):
    if fmt not in ("csv", "xlsx"):
        raise NotFound(_("We could not find that page."))
    organisation, table = _staff_of(organisation_id)
    header, rows = staff_rows(table, format_date)
    filename = f"staff-{organisation.id}.{fmt}"
    if fmt == "csv":
        return Response(csv_bytes(header, rows), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})
    return Response(xlsx_bytes([(_("Staff"), header, rows)]),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/admin/requirements", methods=["GET", "POST"])
@admins
def requirements():
    form = RequirementForm()
    form.service_type.choices = ServiceType.choices()
    form.learning_set_id.choices = [(str(v.learning_set_id), to_reader_script(v.display_title)) for v in all_versions_for_trainers()]
    if run_form(form, lambda: services.set_requirement(
            form.service_type.data, optional_whole_number(form.learning_set_id.data), form.min_staff.data)):
        db.session.commit()
        flash(_("Requirement saved."), "success")
        return redirect(url_for("certification.requirements"))
    requirements = services.all_requirements()
    return render_template("certification/requirements.html", form=form, requirements=requirements,
                           titles=learning_set_titles({r.learning_set_id for r in requirements}),
                           service_labels={s.value: s.label for s in ServiceType}), form_status(form)
