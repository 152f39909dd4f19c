"""The one writer of CSV and XLSX files: every download of names, e-mail addresses or figures goes
through it, so no cell someone typed can run as a formula in a spreadsheet program."""

import csv
import io
from collections.abc import Iterable, Sequence

# Spreadsheets run a cell that starts like a formula; a name such as "=HYPERLINK(…)" must stay text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")

Row = Sequence[object]


def safe_cell(value: object) -> object:
    """Text that would start a formula gets a leading apostrophe (shown as text, as OWASP advises)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return "" if value is None else value


def csv_bytes(header: Row, rows: Iterable[Row], delimiter: str = ",") -> bytes:
    """UTF-8 with a byte-order mark, which is how Excel recognises UTF-8 (č, ć, ž and Cyrillic)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow([safe_cell(c) for c in header])
    writer.writerows([safe_cell(c) for c in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(sheets: Iterable[tuple[str, Row, Sequence[Row]]]) -> bytes:
    """One sheet per (title, header, rows), headers in bold, numbers as numbers, text never a formula."""
    from openpyxl import Workbook  # 5 MB per worker, loaded on the first download
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.worksheets[0])  # the empty sheet a new workbook starts with
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title)
        sheet.append([safe_cell(c) for c in header])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([safe_cell(c) for c in row])
        sheet.freeze_panes = "A2"
        sheet.column_dimensions["A"].width = max((len(str(r[0] or "")) for r in rows), default=10) + 4
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
