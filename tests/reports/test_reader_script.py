"""Reports name places, organisations and learning sets in the reader's script, on the page and in downloads."""

import csv
import io

from openpyxl import load_workbook
from sqlalchemy import update

from learnhub.extensions import db
from learnhub.people.models import User

YEAR = "since=2025-01-01&until=2025-12-31"


def _reader(email: str, language: str) -> None:
    db.session.execute(update(User).where(User.email == email).values(preferred_language=language))


def test_a_cyrillic_reader_gets_latin_names_in_cyrillic_in_the_page_and_downloads(client, auth, world):
    world.first_set.title = {"en": "Recovery in practice", "sr_Latn": "Oporavak u praksi"}
    _reader("admin@example.org", "sr_Cyrl")
    auth.login("admin@example.org")
    page = client.get(f"/reports/?{YEAR}").get_data(as_text=True)
    assert "Ужице" in page and "Užice" not in page and "Опоравак у пракси" in page
    rows = list(csv.reader(io.StringIO(client.get(f"/reports/municipalities.csv?{YEAR}").get_data().decode()[1:])))
    assert {row[0] for row in rows[1:]} == {"Ужице", "Сјеница"}
    workbook = load_workbook(io.BytesIO(client.get(f"/reports/all.xlsx?{YEAR}").get_data()))
    cells = {cell.value for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row}
    assert "Опоравак у пракси" in cells and "Ужице" in cells and "Oporavak u praksi" not in cells


def test_a_latin_reader_gets_names_entered_in_cyrillic_in_latin(client, auth, world):
    world.sjenica.name = "Сјеница"
    world.day_care.name = "Дневни боравак Ужице"
    _reader("boss@example.org", "bs")
    auth.login("boss@example.org")
    page = client.get(f"/reports/?{YEAR}").get_data(as_text=True)
    assert "Dnevni boravak Užice" in page and "Дневни" not in page  # the report's scope, by organisation
    _reader("admin@example.org", "en")
    auth.logout()
    auth.login("admin@example.org")
    rows = list(csv.reader(io.StringIO(client.get(f"/reports/municipalities.csv?{YEAR}").get_data().decode()[1:])))
    assert "Sjenica" in {row[0] for row in rows[1:]}
    assert "Sjenica" in client.get(f"/reports/?{YEAR}").get_data(as_text=True)


def test_names_to_choose_from_are_in_the_readers_alphabet(app):
    from flask_babel import force_locale

    from learnhub.reports.scope import ReportScope, ScopeKind
    from learnhub.reports.services import Named, name_index
    from tests.factories import OrganisationFactory

    for name in ("Centar Čačak", "Centar Valjevo", "Centar Zaječar"):
        OrganisationFactory(name=name)
    institute = ReportScope(ScopeKind.INSTITUTE, 0, "")
    with app.test_request_context():
        with force_locale("sr_Cyrl"):
            assert list(name_index(Named.ORGANISATION, institute).names.values()) == [
                "Центар Ваљево", "Центар Зајечар", "Центар Чачак"]  # azbuka: В, З, Ч
        with force_locale("sr_Latn"):
            assert list(name_index(Named.ORGANISATION, institute).names.values()) == [
                "Centar Čačak", "Centar Valjevo", "Centar Zaječar"]  # abeceda: Č, V, Z
