"""The reports pages and their downloads, as admins, org admins and trainers meet them."""

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from learnhub.people.models import MembershipRole, OrganisationService, Role, ServiceType
from tests.factories import (
    CohortFactory,
    EnrolmentFactory,
    OrganisationFactory,
    UserFactory,
    certificate_for,
    member_of,
)

YEAR = "since=2025-01-01&until=2025-12-31"


def _csv_rows(response) -> list[list[str]]:
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")  # the byte-order mark Excel needs to read UTF-8
    delimiter = ";" if "delimiter=semicolon" in response.request.url else ","
    return list(csv.reader(io.StringIO(text[1:]), delimiter=delimiter))


def test_institute_admin_sees_figures_narrative_and_accessible_charts(client, auth, world):
    auth.login("admin@example.org")
    page = client.get(f"/reports/?{YEAR}").get_data(as_text=True)
    assert "In 2025, 3 participants from 2 organisations in 2 municipalities took part in training" in page
    assert page.count('role="img"') >= 5 and "<title id=" in page and "<desc id=" in page
    assert "Užice: 2" in page  # the chart's text alternative
    assert '<caption class="visually-hidden">By municipality</caption>' in page  # the table beside the chart


def test_org_admin_sees_only_their_organisation(client, auth, world):
    auth.login("boss@example.org")
    rows = dict(r[:2] for r in _csv_rows(client.get(f"/reports/summary.csv?{YEAR}&delimiter=comma")))
    assert rows["Participants trained (people)"] == "2"
    assert rows["Certificates issued"] == "1"


def test_an_org_admin_cannot_open_another_organisations_report(client, auth, world):
    auth.login("boss@example.org")
    assert client.get(f"/reports/?scope=organisation-{world.counselling.id}").status_code == 404


def test_a_professional_has_no_reports(client, auth, world):
    UserFactory(email="someone@example.org", roles=[Role.PROFESSIONAL])
    auth.login("someone@example.org")
    response = client.get("/reports/")
    assert response.status_code == 403
    assert "Reports are for institute admins" in response.get_data(as_text=True)


def test_trainer_report_has_no_mentoring_columns(client, auth, world):
    auth.login("trainer@example.org")
    header = _csv_rows(client.get(f"/reports/months.csv?{YEAR}"))[0]
    assert header == ["Month", "Participants starting", "Enrolments", "Certificates issued"]


@pytest.mark.parametrize("query", ["since=yesterday", "since=2025-05-01&until=2025-01-01", "municipality=abc",
                                   "service_type=spaceship", "learning_set=999999"])
def test_bad_filters_get_a_clear_400(client, auth, world, query):
    auth.login("admin@example.org")
    response = client.get(f"/reports/?{query}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'class="error"' in page and "took part in training" not in page
    assert client.get(f"/reports/summary.csv?{query}").status_code == 400


def test_the_widest_period_there_is_counts_everything(client, auth, world):
    auth.login("admin@example.org")
    response = client.get(f"/reports/?since=1900-01-01&until={date.today().year + 10}-12-31")
    assert response.status_code == 200
    assert "took part in training" in response.get_data(as_text=True)
    # years nobody means are answered at the field, with what was typed kept
    refused = client.get("/reports/?since=0001-01-01&until=9999-12-31")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and page.count("Please enter a date between 1900 and") == 2
    assert 'value="9999-12-31"' in page


def test_unknown_table_or_format_is_404(client, auth, world):
    auth.login("admin@example.org")
    assert client.get("/reports/nothing.csv").status_code == 404
    assert client.get("/reports/summary.pdf").status_code == 404
    assert client.get("/reports/all.csv").status_code == 404


def test_csv_round_trip_with_semicolons_keeps_names_and_numbers(client, auth, world):
    auth.login("admin@example.org")
    rows = _csv_rows(client.get(f"/reports/municipalities.csv?{YEAR}&delimiter=semicolon"))
    assert rows[0][:3] == ["Municipality", "Organisations trained", "Participants"]
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["Užice"][1:3] == ["1", "2"]


def test_xlsx_round_trip_has_a_sheet_per_table_with_numbers(client, auth, world):
    auth.login("admin@example.org")
    response = client.get(f"/reports/all.xlsx?{YEAR}")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    workbook = load_workbook(io.BytesIO(response.get_data()))
    assert workbook.sheetnames == ["Key figures", "By municipality", "By service type", "By learning set",
                                   "Month by month", "Evaluations"]
    figures = {row[0]: row[1] for row in workbook["Key figures"].iter_rows(min_row=2, values_only=True)}
    assert figures["Participants trained (people)"] == 3
    assert figures["Attendance rate (%)"] == 75
    single = load_workbook(io.BytesIO(client.get(f"/reports/evaluations.xlsx?{YEAR}").get_data()))
    assert single.sheetnames == ["Evaluations"]


def test_exports_never_turn_names_into_formulas(client, auth, app):
    evil = OrganisationFactory(name="=HYPERLINK(\"http://evil.example\")",
                               services=[OrganisationService(service_type=ServiceType.HOME_HELP)])
    EnrolmentFactory(user=member_of(evil), organisation_id=evil.id)
    UserFactory(email="admin@example.org", roles=[Role.INSTITUTE_ADMIN])
    auth.login("admin@example.org")
    rows = _csv_rows(client.get(f"/reports/municipalities.csv?organisation={evil.id}"))
    assert all(not cell.startswith("=") for row in rows for cell in row)
    workbook = load_workbook(io.BytesIO(client.get("/reports/all.xlsx").get_data()))
    cells = [c for sheet in workbook for row in sheet.iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells)


def test_dashboard_query_count_does_not_grow_with_rows(client, auth, world, count_queries):
    auth.login("admin@example.org")
    with count_queries() as few:
        assert client.get(f"/reports/?{YEAR}").status_code == 200
    for _ in range(15):
        organisation = OrganisationFactory(municipality=world.sjenica)
        cohort = CohortFactory(version=world.first_set, starts_on=world.spring.starts_on)
        person = member_of(organisation)
        certificate_for(EnrolmentFactory(cohort=cohort, user=person, organisation_id=organisation.id))
    with count_queries() as many:
        assert client.get(f"/reports/?{YEAR}").status_code == 200
    assert len(many) == len(few) <= 30


def test_print_style_sheet_sets_a4(client):
    with client.get("/static/app.css") as response:
        assert "@page { size: A4" in response.get_data(as_text=True)


def test_org_admin_report_link_on_the_dashboard(client, auth, app):
    organisation = OrganisationFactory()
    member_of(organisation, MembershipRole.ORG_ADMIN, email="boss@example.org")
    auth.login("boss@example.org")
    assert f"/reports/?scope=organisation-{organisation.id}" in client.get("/dashboard").get_data(as_text=True)


def test_charts_are_escaped_svg_with_a_text_alternative():
    from learnhub.reports.charts import bar_chart, column_chart

    chart = bar_chart("c", "Participants", ["<script>alert(1)</script>", "Šid"], [3, 1])
    assert "<script>" not in chart and "&lt;script&gt;" in chart
    assert '<desc id="c-desc">&lt;script&gt;alert(1)&lt;/script&gt;: 3; Šid: 1</desc>' in chart
    assert "No data" in column_chart("m", "Months", ["2025-01"], [0]) and "<svg" not in column_chart("m", "M", [], [])


def test_figures_are_kept_for_a_while_and_can_be_recalculated(make_app):
    from sqlalchemy import event

    from learnhub.extensions import db
    from tests.conftest import AuthActions

    app = make_app(CACHE_TYPE="SimpleCache", REPORT_CACHE_SECONDS=300)
    client = app.test_client()
    with app.app_context():
        UserFactory(email="admin@example.org", roles=[Role.INSTITUTE_ADMIN])
        EnrolmentFactory(organisation_id=OrganisationFactory().id)
        db.session.commit()
        AuthActions(client).login("admin@example.org")
        statements = []
        event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        first = client.get("/reports/").get_data(as_text=True)
        cold = len(statements)
        EnrolmentFactory(organisation_id=OrganisationFactory().id)
        db.session.commit()
        statements.clear()
        kept = client.get("/reports/").get_data(as_text=True)
        assert len(statements) < cold - 10  # figures come from the cache, not from the aggregates
        assert "1 participant from 1 organisation" in first and "1 participant from 1 organisation" in kept
        assert "Figures as of" in kept
        assert "2 participants from 2 organisations" in client.get("/reports/?fresh=1").get_data(as_text=True)


def test_long_tables_show_the_largest_rows_and_download_in_full(client, auth, app):
    UserFactory(email="admin@example.org", roles=[Role.INSTITUTE_ADMIN])
    for _ in range(27):
        EnrolmentFactory()
    auth.login("admin@example.org")
    page = client.get("/reports/").get_data(as_text=True)
    assert "The 25 largest of 27 rows; the downloads hold them all." in page
    assert len(_csv_rows(client.get("/reports/learning_sets.csv"))) == 28


def test_each_chart_has_a_visible_caption_and_stays_legible_on_a_phone(client, auth, world):
    from learnhub.reports.charts import column_chart

    chart = column_chart("chart-months", "Participants starting training, month by month", ["2025-01"], [3])
    assert '<figcaption id="chart-months-caption">Participants starting training, month by month</figcaption>' in chart
    # Too wide for a phone, the chart scrolls sideways in a box a keyboard can reach, rather than shrinking its text.
    assert 'class="chart-scroll" tabindex="0" role="group" aria-labelledby="chart-months-caption"' in chart
    auth.login("admin@example.org")
    page = client.get(f"/reports/?{YEAR}").get_data(as_text=True)
    assert page.count("<figcaption") >= 5


def test_the_workers_stored_figures_open_the_institute_dashboard_without_its_aggregates(client, auth, app,
                                                                                          count_queries):
    from datetime import timedelta

    from learnhub.extensions import db
    from learnhub.reports.models import StoredFigures
    from learnhub.reports.services import refresh_stored_figures
    from learnhub.timeutil import utcnow

    UserFactory(email="admin@example.org", roles=[Role.INSTITUTE_ADMIN])
    EnrolmentFactory(organisation_id=OrganisationFactory().id)
    db.session.commit()
    auth.login("admin@example.org")
    live = client.get("/reports/").get_data(as_text=True)
    assert (refresh_stored_figures(utcnow()), refresh_stored_figures(utcnow())) == (1, 0)  # once per period
    EnrolmentFactory(organisation_id=OrganisationFactory().id)
    db.session.commit()

    with count_queries() as queries:
        stored = client.get("/reports/").get_data(as_text=True)
    assert len(queries) <= 6  # the stored figures, not some twenty aggregates (no cache in the tests)
    assert "1 participant from 1 organisation" in stored and "Figures as of" in stored
    after_the_time = [page.split("Figures as of", 1)[1].split("</p>", 1)[1] for page in (live, stored)]
    assert after_the_time[0] == after_the_time[1]  # tables and charts as the live figures gave them
    assert "2 participants from 2 organisations" in client.get("/reports/?fresh=1").get_data(as_text=True)

    # A worker that stopped leaves no old figures on show: past twice the cache time they are computed afresh.
    db.session.get(StoredFigures, "institute:0:ReportFilter(since=None, until=None, municipality_id=None, "
                   "service_type=None, learning_set_id=None, programme_id=None, organisation_id=None)"
                   ).computed_at -= timedelta(seconds=2 * app.config["REPORT_CACHE_SECONDS"] + 1)
    db.session.commit()
    assert "2 participants from 2 organisations" in client.get("/reports/").get_data(as_text=True)
    assert refresh_stored_figures(utcnow()) == 1


def test_reports_refresh_computes_the_stored_figures_at_once(app, runner):
    from learnhub.extensions import db
    from learnhub.reports.models import StoredFigures

    EnrolmentFactory()
    db.session.commit()
    for _ in range(2):  # at once each time, however recent the stored ones are
        assert runner.invoke(args=["reports", "refresh"]).output == "report figures 1\n"
    assert db.session.query(StoredFigures).count() == 1
