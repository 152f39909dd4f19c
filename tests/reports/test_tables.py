"""A report table's columns are its row type's fields: a new column is a new field, and the page, the CSV
and the workbook follow."""

import csv
import io
from dataclasses import dataclass

from flask_babel import force_locale

from learnhub.i18n import _l
from learnhub.reports.exports import table_csv
from learnhub.reports.tables import Table, column


@dataclass(frozen=True)
class CityRow:
    city: str = column(_l("Municipality"))
    participants: int = column(_l("Participants"))
    people_mentored: int = column(_l("People mentored"), mentoring=True)


ROWS = [CityRow("Užice", 2, 1), CityRow("Sjenica", 1)]


def test_columns_follow_the_row_type_in_order_with_headings_in_the_readers_language(app):
    table = Table("cities", "Cities", CityRow, ROWS)
    with force_locale("en"):
        assert table.columns == ["Municipality", "Participants", "People mentored"]
    with force_locale("sr_Latn"):
        assert table.columns[1] == "Polaznici"
    assert table.cells == [["Užice", 2, 1], ["Sjenica", 1, 0]]


def test_mentoring_columns_are_left_out_where_the_report_shows_no_mentoring(app):
    table = Table("cities", "Cities", CityRow, ROWS, shows_mentoring=False)
    with force_locale("en"):
        assert table.columns == ["Municipality", "Participants"]
    assert table.cells == [["Užice", 2], ["Sjenica", 1]]


def test_a_table_may_name_a_column_its_own_way_and_the_download_says_so(app):
    table = Table("cities", "Cities", CityRow, ROWS, headings={"city": "Town"})
    with force_locale("en"):
        rows = list(csv.reader(io.StringIO(table_csv(table).decode("utf-8-sig"))))
    assert rows == [["Town", "Participants", "People mentored"], ["Užice", "2", "1"], ["Sjenica", "1", "0"]]
