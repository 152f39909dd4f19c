import csv
import io
import pathlib
from datetime import date

import pytest
from playwright.sync_api import expect

from learnhub.extensions import db
from learnhub.people.models import Role
from tests.e2e.conftest import log_in
from tests.factories import (
    CohortFactory,
    EnrolmentFactory,
    MunicipalityFactory,
    OrganisationFactory,
    UserFactory,
    member_of,
)

pytestmark = pytest.mark.e2e


def test_admin_filters_the_dashboard_by_municipality_and_downloads_the_csv(live_server, page):
    _app, base_url = live_server
    UserFactory(email="admin@example.org", roles=[Role.INSTITUTE_ADMIN])
    cohort = CohortFactory(starts_on=date(2025, 4, 1), ends_on=date(2025, 5, 1))
    for town, people in (("Vranje", 3), ("Loznica", 2)):
        organisation = OrganisationFactory(municipality=MunicipalityFactory(name=town))
        for _ in range(people):
            EnrolmentFactory(cohort=cohort, user=member_of(organisation), organisation_id=organisation.id)
    db.session.commit()

    log_in(page, base_url, "admin@example.org")
    page.get_by_role("link", name="Reports").first.click()
    expect(page.locator(".narrative")).to_contain_text("5 participants from 2 organisations in 2 municipalities")
    page.get_by_label("Municipality", exact=True).select_option(label="Loznica")
    page.get_by_role("button", name="Show report").click()
    page.wait_for_url("**/reports/?**municipality=*")
    assert "2 participants from 1 organisation in 1 municipality" in page.locator(".narrative").inner_text()
    expect(page.get_by_role("img", name="Participants, by municipality")).to_be_visible()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV (semicolon, for Excel in Serbian or Bosnian)").nth(1).click()
    download = download_info.value
    assert download.suggested_filename.startswith("learnhub-municipalities-")
    text = pathlib.Path(download.path()).read_text(encoding="utf-8-sig")  # the BOM Excel needs is there
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][0] == "Municipality" and [row[0] for row in rows[1:]] == ["Loznica"]
    assert rows[1][2] == "2"


def test_admin_finds_an_organisation_by_typing_part_of_its_name(live_server, page):
    _app, base_url = live_server
    UserFactory(email="admin@example.org", roles=[Role.INSTITUTE_ADMIN])
    cohort = CohortFactory(starts_on=date(2025, 4, 1), ends_on=date(2025, 5, 1))
    for name, people in (("Centar za socijalni rad Vranje", 3), ("Centar za socijalni rad Loznica", 2),
                         ("Dnevni boravak Šabac", 1)):
        organisation = OrganisationFactory(name=name)
        for _ in range(people):
            EnrolmentFactory(cohort=cohort, user=member_of(organisation), organisation_id=organisation.id)
    db.session.commit()

    log_in(page, base_url, "admin@example.org")
    page.goto(f"{base_url}/reports/")
    box = page.get_by_label("Organisation", exact=True)
    box.press_sequentially("centar")
    # htmx fills the box's list of suggestions: the browser offers them under the box
    suggestions = page.locator("#organisation_name-names option")
    suggestions.first.wait_for(state="attached")
    assert sorted(suggestions.evaluate_all("options => options.map(o => o.value)")) == [
        "Centar za socijalni rad Loznica", "Centar za socijalni rad Vranje"]
    page.get_by_role("button", name="Show report").click()
    expect(page.locator(".error")).to_contain_text("choose one below")
    page.get_by_role("link", name="Centar za socijalni rad Loznica").click()
    expect(page.locator(".narrative")).to_contain_text("2 participants from 1 organisation")
    assert page.get_by_label("Organisation", exact=True).input_value() == "Centar za socijalni rad Loznica"

    page.get_by_label("Organisation", exact=True).fill("sabac")  # no accent, a unique match
    page.get_by_role("button", name="Show report").click()
    expect(page.locator(".narrative")).to_contain_text("1 participant from 1 organisation")
