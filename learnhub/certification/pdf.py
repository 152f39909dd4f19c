"""A certificate as a one-page A4 landscape PDF with a QR code that leads to its public verification page.

Pure function: the caller passes every string already translated and in the reader's script;
this module only lays it out. DejaVu Sans is embedded so Serbian Cyrillic and Latin diacritics
render everywhere and stay extractable (search, screen readers, copy-paste).
"""

from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import segno
from fpdf import FPDF
from fpdf.enums import MethodReturnValue

__all__ = ["CertificateDocument", "certificate_pdf"]

_FONTS = Path(__file__).resolve().parent.parent / "fonts"
_FAMILY = "DejaVu"
_PT = 25.4 / 72  # mm per point
_LEADING = 1.25

# Geometry in millimetres on a 297 x 210 page.
_PAGE_W, _PAGE_H = 297.0, 210.0
_LEFT, _RIGHT = 25.0, 272.0
_WIDTH = _RIGHT - _LEFT
_LOWER_TOP = 106.0  # details and QR code start here, whatever the title's length
_DETAILS_RIGHT = 180.0
_LABEL_W, _GAP = 60.0, 5.0
_ISSUER_RULE_Y = 176.0
_QR_ZONE_LEFT = 190.0
_QR_SIZE = 38.0

_INK = (33, 37, 41)
_MUTED = (95, 105, 115)
_ACCENT = (31, 78, 95)


@dataclass(frozen=True)
class CertificateDocument:
    heading: str
    holder_name: str
    statement: str
    learning_set_title: str
    details: tuple[tuple[str, str], ...]  # (label, value) rows, in display order
    issuer: str
    verification_url: str  # what the QR code encodes
    short_code: str  # for typing in by hand when the QR code cannot be scanned
    verify_hint: str


def certificate_pdf(document: CertificateDocument) -> bytes:
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.add_font(_FAMILY, "", _FONTS / "DejaVuSans.ttf")
    pdf.add_font(_FAMILY, "B", _FONTS / "DejaVuSans-Bold.ttf")
    pdf.set_title(f"{document.heading}: {document.learning_set_title}")
    pdf.set_author(document.issuer)
    pdf.set_creator("LearnHub")
    # Everything is placed explicitly and text shrinks to fit, so a page break would only ever mean a bug.
    pdf.set_auto_page_break(False)
    pdf.set_margins(_LEFT, 0, _PAGE_W - _RIGHT)
    pdf.add_page()

    _border(pdf)
    y = _text(pdf, document.heading, x=_LEFT, y=22, width=_WIDTH, largest=30, smallest=18,
              bold=True, color=_ACCENT)
    y = _text(pdf, document.holder_name, x=_LEFT, y=y + 9, width=_WIDTH, largest=26, smallest=14,
              bold=True, max_lines=2)
    y = _text(pdf, document.statement, x=_LEFT, y=y + 3, width=_WIDTH, largest=12, color=_MUTED,
              max_lines=2)
    _text(pdf, document.learning_set_title, x=_LEFT + 15, y=y + 4, width=_WIDTH - 30, largest=20,
          smallest=12, bold=True, max_lines=3)

    _details(pdf, document.details)
    _issuer(pdf, document.issuer)
    _qr_code(pdf, document)
    return bytes(pdf.output())


def _border(pdf: FPDF) -> None:
    pdf.set_draw_color(*_ACCENT)
    pdf.set_line_width(0.6)
    pdf.rect(8, 8, _PAGE_W - 16, _PAGE_H - 16)
    pdf.set_line_width(0.2)
    pdf.rect(10.5, 10.5, _PAGE_W - 21, _PAGE_H - 21)


def _details(pdf: FPDF, rows: tuple[tuple[str, str], ...]) -> None:
    if not rows:
        return
    # A handful of rows is the norm; more rows get shorter so they never reach the issuer line.
    row_height = min(8.0, (_ISSUER_RULE_Y - 6 - _LOWER_TOP) / len(rows))
    size = min(11.0, row_height / _PT / 1.4)
    value_x = _LEFT + _LABEL_W + _GAP
    for index, (label, value) in enumerate(rows):
        y = _LOWER_TOP + index * row_height
        _text(pdf, label, x=_LEFT, y=y, width=_LABEL_W, largest=size, smallest=6, align="R",
              color=_MUTED)
        _text(pdf, value, x=value_x, y=y, width=_DETAILS_RIGHT - value_x, largest=size, smallest=6,
              align="L", bold=True)


def _issuer(pdf: FPDF, issuer: str) -> None:
    middle = (_LEFT + _DETAILS_RIGHT) / 2
    pdf.set_draw_color(*_MUTED)
    pdf.set_line_width(0.2)
    pdf.line(middle - 50, _ISSUER_RULE_Y, middle + 50, _ISSUER_RULE_Y)
    _text(pdf, issuer, x=middle - 60, y=_ISSUER_RULE_Y + 2, width=120, largest=12, smallest=8,
          bold=True, max_lines=2)


def _qr_code(pdf: FPDF, document: CertificateDocument) -> None:
    # M survives a crease or a smudge on paper while keeping the symbol small enough to scan from a phone.
    qr = segno.make_qr(document.verification_url, error="m", boost_error=False)
    # A PNG, not an SVG: fpdf2 embeds it as one image XObject (decoded by Pillow, which fpdf2 itself
    # requires) instead of hundreds of paths; 10 px per module keeps edges sharp if a viewer smooths it.
    png = BytesIO()
    qr.save(png, kind="png", scale=10, border=0)
    png.seek(0)
    zone_width = _RIGHT - _QR_ZONE_LEFT
    pdf.image(png, x=_QR_ZONE_LEFT + (zone_width - _QR_SIZE) / 2, y=_LOWER_TOP, w=_QR_SIZE, h=_QR_SIZE)

    y = _text(pdf, document.verify_hint, x=_QR_ZONE_LEFT, y=_LOWER_TOP + _QR_SIZE + 3, width=zone_width,
              largest=8, smallest=6, color=_MUTED, max_lines=2)
    # The URL must stay whole to be typed in, so it shrinks before it wraps and never loses characters.
    y = _text(pdf, document.verification_url, x=_QR_ZONE_LEFT, y=y + 0.5, width=zone_width, largest=8,
              smallest=5.5, may_cut=False)
    _text(pdf, _code_lines(document.short_code), x=_QR_ZONE_LEFT, y=y + 1.5, width=zone_width, largest=12,
          smallest=9, max_lines=2, may_cut=False, bold=True)


def _code_lines(code: str) -> str:
    """The code is typed in by hand when the QR code cannot be scanned, so all of it must show, at a size
    one can read: a long code goes on two lines of whole groups (on one, wide letters such as W would
    need a size under 6 pt)."""
    groups = code.split("-")
    if len(groups) <= 4:
        return code
    middle = (len(groups) + 1) // 2
    return "-".join(groups[:middle]) + "\n" + "-".join(groups[middle:])


def _wrapped(pdf: FPDF, width: float, text: str) -> list[str]:
    """The lines `text` takes at the current font (fpdf2 types the result of every kind of `output` as one)."""
    lines = pdf.multi_cell(width, text=text, dry_run=True, output=MethodReturnValue.LINES)
    assert isinstance(lines, list)
    return lines


def _text(pdf: FPDF, text: str, *, x: float, y: float, width: float, largest: float,
          smallest: float | None = None, max_lines: int = 1, may_cut: bool = True, bold: bool = False,
          align: str = "C", color: tuple[int, int, int] = _INK) -> float:
    """Write `text` in at most `max_lines` lines, shrinking from `largest` to `smallest` points;
    if it still does not fit, cut the last line with an ellipsis, or wrap on when `may_cut` is false.
    Returns the y below it."""
    style = "B" if bold else ""
    size = largest
    floor = largest if smallest is None else smallest
    while True:
        pdf.set_font(_FAMILY, style, size)
        lines = _wrapped(pdf, width, text)
        if len(lines) <= max_lines or size <= floor:
            break
        size = max(floor, size - 1)
    if len(lines) > max_lines and may_cut:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and pdf.get_string_width(last + "…") > width - 2 * pdf.c_margin:
            last = last[:-1]
        lines[-1] = last.rstrip() + "…"
    line_height = size * _PT * _LEADING
    pdf.set_text_color(*color)
    pdf.set_xy(x, y)
    pdf.multi_cell(width, line_height, "\n".join(lines), align=align)
    return y + line_height * len(lines)
