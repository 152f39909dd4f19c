from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from learnhub.extensions import db, password_checks
from learnhub.formflow import ConfirmForm, form_status, run_form
from learnhub.i18n import _
from learnhub.people.access import roles_required
from learnhub.people.models import Role
from learnhub.privacy import services
from learnhub.privacy.forms import ErasureForm
from learnhub.timeutil import utcnow

bp = Blueprint("privacy", __name__)


def _overview(form: ErasureForm):
    return render_template("privacy/overview.html", form=form, confirm_form=ConfirmForm(),
                           erasure=services.open_erasure_request(current_user))


@bp.get("/account/privacy")
@login_required
def overview():
    return _overview(ErasureForm())


@bp.post("/account/personal-data")
@login_required
def download():
    body = services.export_personal_data(current_user)
    db.session.commit()
    return Response(body, mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="learnhub-personal-data-{utcnow():%Y%m%d}.zip"'})


@bp.post("/account/erasure")
@login_required
@password_checks
def request_erasure():
    form = ErasureForm()
    if run_form(form, lambda: services.request_erasure(current_user, form.current_password.data)):
        db.session.commit()
        flash(_("We received your request. Once an institute admin completes it, your account closes and your "
                "personal data is erased."), "success")
        return redirect(url_for("privacy.overview"))
    return _overview(form), form_status(form)


@bp.get("/admin/erasure-requests")
@roles_required(Role.INSTITUTE_ADMIN)
def erasure_requests():
    return render_template("privacy/erasure_requests.html", requests=services.pending_erasures(),
                           confirm_form=ConfirmForm())


@bp.post("/admin/erasure-requests/<int:request_id>/complete")
@roles_required(Role.INSTITUTE_ADMIN)
def complete_erasure(request_id: int):
    services.complete_erasure(current_user, request_id)
    db.session.commit()
    flash(_("The person's data was erased. Statistics and certificate checks remain."), "success")
    return redirect(url_for("privacy.erasure_requests"))
