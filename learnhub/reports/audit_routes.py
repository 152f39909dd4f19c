from flask import Blueprint, render_template, request

from learnhub.audit.services import AuditFilter
from learnhub.navigation import requested_page
from learnhub.people.access import roles_required
from learnhub.people.models import Role
from learnhub.reports.audit_changes import log_page
from learnhub.reports.audit_forms import AuditFilterForm

# The audit log is read like a report; its blueprint keeps the name its URLs were given.
bp = Blueprint("audit", __name__)


@bp.get("/admin/audit")
@roles_required(Role.INSTITUTE_ADMIN)
def log():
    form = AuditFilterForm(formdata=request.args)
    if not form.validate():
        return render_template("audit/log.html", form=form, page=None), 400
    filters = AuditFilter(action=form.action.data or None, person_email=form.person.data or None,
                          since=form.since.data, until=form.until.data)
    page, lines = log_page(filters, requested_page(), per_page=50)
    return render_template("audit/log.html", form=form, page=page, lines=lines,
                           query={k: v for k, v in request.args.items() if k != "page"})
