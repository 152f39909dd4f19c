"""An organisation admin's staff table: training, progress, attendance, certificates, CPD; filtered and exported."""

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from learnhub.courses.models import Attendance, EnrolmentStatus
from learnhub.curriculum.models import ModuleProgress
from learnhub.extensions import db
from learnhub.people.models import MembershipRole
from learnhub.timeutil import utcnow
from tests.factories import (
    PASSWORD,
    CohortSessionFactory,
    EnrolmentFactory,
    OrganisationFactory,
    certificate_for,
    member_of,
)


@pytest.fixture
def staff(client, auth):
    organisation = OrganisationFactory(name="Dnevni boravak Ruma")
    member_of(organisation, MembershipRole.ORG_ADMIN, email="boss@example.org", display_name="Zora Šefica")
    ana = member_of(organisation, display_name="Ana Anić", email="ana@example.org")
    bojan = member_of(organisation, display_name="Bojan Babić", email="bojan@example.org")
    enrolment = EnrolmentFactory(user=ana, organisation_id=organisation.id)
    enrolment.cohort.version.title = {"en": "Working with parents", "sr_Latn": "Rad sa roditeljima"}
    session = CohortSessionFactory(cohort=enrolment.cohort)
    db.session.add_all([ModuleProgress(user_id=ana.id, module_id=enrolment.cohort.version.modules[0].id),
                        Attendance(session_id=session.id, enrolment_id=enrolment.id, is_present=True)])
    done = EnrolmentFactory(user=bojan, organisation_id=organisation.id)
    done.cohort.version.title = {"en": "Crisis support", "sr_Latn": "Podrška u krizi"}
    certificate_for(done, expires_at=utcnow() + timedelta(days=30), cpd_points=12)
    done.status = EnrolmentStatus.ENROLLED
    db.session.commit()
    auth.login("boss@example.org", PASSWORD)
    return organisation


def _row(page: str, name: str) -> str:
    return page.split(name, 1)[1].split("</tr>", 1)[0]


def test_the_staff_table_shows_each_persons_training_certificates_and_cpd(client, staff):
    page = client.get(f"/organisations/{staff.id}/staff").get_data(as_text=True)
    ana = _row(page, "Ana Anić")
    assert "Working with parents" in ana and "1 of 2 modules" in ana and "1 of 1 sessions" in ana
    bojan = _row(page, "Bojan Babić")
    assert "Crisis support" in bojan and "expires within 90 days" in bojan and "12" in bojan


def test_the_staff_table_filters_by_name_and_by_what_needs_attention(client, staff):
    expiring = client.get(f"/organisations/{staff.id}/staff?show=expiring").get_data(as_text=True)
    assert "Bojan Babić" in expiring and "Ana Anić" not in expiring
    by_name = client.get(f"/organisations/{staff.id}/staff?name=АНА").get_data(as_text=True)  # any script
    assert "Ana Anić" in by_name and "Bojan Babić" not in by_name
    assert 'value="АНА"' in by_name


def test_the_staff_table_downloads_as_csv_and_xlsx_with_the_same_filter(client, staff):
    response = client.get(f"/organisations/{staff.id}/staff.csv?show=expiring")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:2] == ["Name", "E-mail"] and [r[0] for r in rows[1:]] == ["Bojan Babić"]
    assert "Crisis support" in rows[1][4]
    workbook = load_workbook(io.BytesIO(client.get(f"/organisations/{staff.id}/staff.xlsx").data))
    names = [row[0] for row in workbook.active.iter_rows(min_row=2, values_only=True)]
    assert names == ["Ana Anić", "Bojan Babić", "Zora Šefica"]
    assert client.get(f"/organisations/{staff.id}/staff.pdf").status_code == 404


def test_another_organisations_admin_finds_no_staff_table(client, auth, staff):
    client.post("/auth/logout")
    member_of(OrganisationFactory(), MembershipRole.ORG_ADMIN, email="other@example.org")
    db.session.commit()
    auth.login("other@example.org", PASSWORD)
    assert client.get(f"/organisations/{staff.id}/staff").status_code == 404
    assert client.get(f"/organisations/{staff.id}/staff.csv").status_code == 404


def test_a_large_staff_shows_a_page_at_a_time_with_the_same_queries(client, staff, count_queries):
    for number in range(30):
        EnrolmentFactory(user=member_of(staff, display_name=f"Član {number:02d}"), organisation_id=staff.id)
    db.session.commit()
    url = f"/organisations/{staff.id}/staff"
    with count_queries() as first_page:
        page = client.get(url).get_data(as_text=True)
    assert "33 of 33 people shown." in page and page.count('<th scope="row">') == 25
    assert "Page 1 of 2" in page and f"{url}?page=2" in page
    with count_queries() as second_page:
        last = client.get(f"{url}?page=2").get_data(as_text=True)
    assert last.count('<th scope="row">') == 8 and "Zora Šefica" in page + last
    assert len(first_page) == len(second_page) <= 8
    training = client.get(f"{url}?show=in-training&page=9").get_data(as_text=True)  # past the end: the last page
    assert "32 of 33 people shown." in training and "Page 2 of 2" in training
    rows = list(csv.reader(io.StringIO(client.get(f"{url}.csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 34  # downloads hold everyone
