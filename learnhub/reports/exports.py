"""Tables as CSV and XLSX files, written by the one spreadsheet writer (learnhub.spreadsheets)."""

import re

from learnhub.reports.tables import Table
from learnhub.spreadsheets import csv_bytes, xlsx_bytes

DELIMITERS = {"comma": ",", "semicolon": ";"}


def table_csv(table: Table, delimiter: str = ",") -> bytes:
    return csv_bytes(table.columns, table.cells, delimiter)


def _sheet_title(title: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", " ", title)[:28].strip() or "Sheet"
    name, number = base, 2
    while name.casefold() in used:
        name, number = f"{base} {number}", number + 1
    used.add(name.casefold())
    return name


def tables_xlsx(tables: list[Table]) -> bytes:
    """One sheet per table."""
    used: set[str] = set()
    return xlsx_bytes([(_sheet_title(table.title, used), table.columns, table.cells) for table in tables])
