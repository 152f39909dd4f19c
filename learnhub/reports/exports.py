"""Tables as CSV and XLSX files: pure functions from a Table to bytes."""

import csv
import io
import re

from learnhub.reports.services import Table

DELIMITERS = {"comma": ",", "semicolon": ";"}
# Spreadsheets run a cell that starts like a formula; a name such as "=HYPERLINK(…)" must stay text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return "" if value is None else value


def table_csv(table: Table, delimiter: str = ",") -> bytes:
    """UTF-8 with a byte-order mark, which is how Excel recognises UTF-8 (č, ć, ž and Cyrillic)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow([_csv_cell(c) for c in table.columns])
    writer.writerows([_csv_cell(c) for c in row] for row in table.rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _sheet_title(title: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", " ", title)[:28].strip() or "Sheet"
    name, number = base, 2
    while name.casefold() in used:
        name, number = f"{base} {number}", number + 1
    used.add(name.casefold())
    return name


def tables_xlsx(tables: list[Table]) -> bytes:
    """One sheet per table, headers in bold, numbers as numbers."""
    from openpyxl import Workbook  # 5 MB per worker, loaded on the first download
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    used: set[str] = set()
    for table in tables:
        sheet = workbook.create_sheet(_sheet_title(table.title, used))
        sheet.append(table.columns)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append(row)
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # text, never a formula
        sheet.freeze_panes = "A2"
        sheet.column_dimensions["A"].width = max((len(str(r[0] or "")) for r in table.rows), default=10) + 4
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
