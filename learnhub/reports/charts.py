"""Server-rendered SVG charts: no JavaScript, readable by screen readers, sharp when printed.

Each chart is an <svg role="img"> with a <title> and a <desc> that states the data in words;
the page also shows the same numbers as a table. Colours come from app.css classes, so
the print style sheet can switch them to ink-friendly greys.
"""

from collections.abc import Sequence
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

from learnhub.i18n import _
from learnhub.reports.tables import Table

if TYPE_CHECKING:  # the report is built with these charts
    from learnhub.reports.services import MonthRow, PlaceRow, Report

BAR_HEIGHT = 22
LABEL_WIDTH = 220
CHART_WIDTH = 640


def _number(value: int | float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _frame(chart_id: str, title: str, description: str, width: int, height: int, body: list[str]) -> Markup:
    if not body:
        return Markup('<p class="muted">{}: {}</p>').format(title, _("No data for these filters."))
    # A visible caption; on a phone the chart keeps a legible size and scrolls sideways in its box.
    return Markup(
        f'<figure class="chart-figure"><figcaption id="{chart_id}-caption">{escape(title)}</figcaption>'
        f'<div class="chart-scroll" tabindex="0" role="group" aria-labelledby="{chart_id}-caption">'
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(description)}</desc>'
        + "".join(body) + "</svg></div></figure>"
    )


def describe(labels: Sequence[str], values: Sequence[float], largest_first: bool = True) -> str:
    """The text alternative: every value in words (charts here have few bars)."""
    pairs = list(zip(labels, values))
    if largest_first:
        pairs.sort(key=lambda pair: -pair[1])
    if not pairs:
        return _("No data for these filters.")
    return "; ".join(f"{label}: {_number(value)}" for label, value in pairs)


def bar_chart(chart_id: str, title: str, labels: Sequence[str], values: Sequence[float]) -> Markup:
    """Horizontal bars, one per label (municipalities, service types, ratings)."""
    height = max(len(values), 1) * BAR_HEIGHT + 8
    largest = max(values, default=0) or 1
    plot = CHART_WIDTH - LABEL_WIDTH - 60
    body = []
    for index, (label, value) in enumerate(zip(labels, values) if any(values) else []):
        y = 4 + index * BAR_HEIGHT
        width = round(plot * value / largest, 1)
        body.append(
            f'<text class="chart-label" x="{LABEL_WIDTH - 8}" y="{y + 15}" text-anchor="end">'
            f"{escape(label[:34])}</text>"
            f'<rect class="chart-bar" x="{LABEL_WIDTH}" y="{y + 3}" width="{width}" height="{BAR_HEIGHT - 6}"/>'
            f'<text class="chart-value" x="{LABEL_WIDTH + width + 6}" y="{y + 15}">{escape(_number(value))}</text>'
        )
    return _frame(chart_id, title, describe(labels, values), CHART_WIDTH, height, body)


def column_chart(chart_id: str, title: str, labels: Sequence[str], values: Sequence[float]) -> Markup:
    """Vertical columns in order, for trends over months."""
    height, base, top = 220, 190, 16
    count = max(len(values), 1)
    step = min((CHART_WIDTH - 40) / count, 48)  # one month must not fill the whole chart
    largest = max(values, default=0) or 1
    if not any(values):
        return _frame(chart_id, title, "", CHART_WIDTH, height, [])
    body = [f'<line class="chart-axis" x1="30" y1="{base}" x2="{CHART_WIDTH - 10}" y2="{base}"/>']
    for index, (label, value) in enumerate(zip(labels, values)):
        x = 30 + index * step
        bar = round((base - top) * value / largest, 1)
        body.append(
            f'<rect class="chart-bar" x="{x + step * 0.15:.1f}" y="{base - bar}" width="{step * 0.7:.1f}" height="{bar}"/>'
        )
        if count <= 24 or index % 3 == 0:  # keep month labels legible on long periods
            body.append(f'<text class="chart-label" x="{x + step / 2:.1f}" y="{base + 16}" text-anchor="middle">'
                        f"{escape(label[2:] if len(label) == 7 else label)}</text>")
        if count <= 24 and value:
            body.append(f'<text class="chart-value" x="{x + step / 2:.1f}" y="{base - bar - 4}" '
                        f'text-anchor="middle">{escape(_number(value))}</text>')
    return _frame(chart_id, title, describe(labels, values, largest_first=False), CHART_WIDTH, height, body)


def report_charts(report: "Report") -> dict[str, Markup]:
    """The dashboard's charts, keyed by the table each one illustrates."""
    charts = {}
    for key in ("municipalities", "service_types"):
        places: Table[PlaceRow] = report.tables[key]
        charts[key] = bar_chart(f"chart-{key}", _("Participants, %(breakdown)s", breakdown=places.title.lower()),
                                [row.place for row in places.rows], [row.participants for row in places.rows])
    months: list[MonthRow] = report.tables["months"].rows
    labels = [row.month for row in months]
    charts["months"] = column_chart("chart-months", _("Participants starting training, month by month"),
                                    labels, [row.participants_starting for row in months])
    charts["certificates"] = column_chart("chart-certificates", _("Certificates issued, month by month"),
                                          labels, [row.certificates_issued for row in months])
    if report.scope.shows_mentoring:
        charts["mentoring"] = column_chart("chart-mentoring", _("Mentoring sessions held, month by month"),
                                           labels, [row.mentoring_sessions for row in months])
    quality = [sum(s.distributions["quality"][score] for s in (report.cohort_ratings, report.mentoring_ratings) if s)
               for score in range(5)]
    charts["evaluations"] = bar_chart("chart-quality", _("How participants rated quality (1 = poor, 5 = excellent)"),
                                      ["1", "2", "3", "4", "5"], quality)
    return charts
