from flask import Blueprint, Response, render_template, request
from flask_login import current_user, login_required

from learnhub.errors import NotFound
from learnhub.i18n import _
from learnhub.reports import exports, services
from learnhub.reports.forms import ReportFilterForm
from learnhub.reports.scope import scope_for
from learnhub.timeutil import utcnow

bp = Blueprint("reports", __name__, url_prefix="/reports")

FORMATS = ("csv", "xlsx")


def _report_from_request(for_page: bool) -> tuple[ReportFilterForm, services.Report | None]:
    scope, scopes = scope_for(current_user, request.args.get("scope"))
    form = ReportFilterForm(formdata=request.args)
    form.offer(services.municipality_names(), scopes, scope)
    form.scope.data = scope.key
    if not form.validate():
        return form, None
    return form, services.cached_report(scope, form.filters(), utcnow(), fresh=request.args.get("fresh") == "1",
                                        for_page=for_page)


def _refused_filters(form: ReportFilterForm):
    return render_template("reports/dashboard.html", form=form, report=None, query=form.query()), 400


@bp.get("/names/<any(learning_set, programme, organisation):kind>")
@login_required
def names(kind: str):
    """Names offered while the viewer types into a searched filter (htmx fills the box's datalist)."""
    scope, _scopes = scope_for(current_user, request.args.get("scope"))  # only people with a report search names
    typed = request.args.get(f"{kind}_name", "")
    return render_template("reports/_names.html", names=services.find_names(services.Named(kind), typed, scope))


@bp.get("/")
@login_required
def dashboard():
    form, report = _report_from_request(for_page=True)
    if report is None:
        return _refused_filters(form)
    return render_template("reports/dashboard.html", form=form, report=report, query=form.query())


@bp.get("/<name>.<fmt>")
@login_required
def export(name: str, fmt: str):
    if fmt not in FORMATS:  # before any figures are computed
        raise NotFound(_("We could not find that table."))
    form, report = _report_from_request(for_page=False)
    if report is None:
        return _refused_filters(form)
    if name == "all" and fmt == "xlsx":
        tables = list(report.tables.values())
    elif name in report.tables:
        tables = [report.tables[name]]
    else:
        raise NotFound(_("We could not find that table."))
    if fmt == "csv":
        delimiter = exports.DELIMITERS.get(request.args.get("delimiter", "comma"), ",")
        body, mimetype = exports.table_csv(tables[0], delimiter), "text/csv"
    else:
        body = exports.tables_xlsx(tables)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    filename = f"learnhub-{name}-{utcnow():%Y%m%d}.{fmt}"
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})
