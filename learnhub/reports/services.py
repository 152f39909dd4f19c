"""Reports assembled from the aggregate queries: figures, tables for pages and exports, a narrative."""

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from flask import current_app
from flask_babel import get_locale
from markupsafe import Markup
from sqlalchemy import select

from learnhub.caching import kept
from learnhub.curriculum.models import LearningSetVersion, pick_language
from learnhub.dates import format_date
from learnhub.extensions import db
from learnhub.i18n import _, _l, alphabetical, folded, format_decimal, ngettext, to_reader_script
from learnhub.mentoring.models import MentoringProgramme
from learnhub.navigation import optional_whole_number
from learnhub.people.models import Organisation, ServiceType
from learnhub.people.services import municipality_choices
from learnhub.reports import queries
from learnhub.reports.charts import report_charts
from learnhub.reports.models import StoredFigures
from learnhub.reports.queries import RATED, RatingSummary
from learnhub.reports.scope import ReportFilter, ReportScope, ScopeKind
from learnhub.reports.tables import Cell, Table, column

PAGE_ROWS = 25  # rows of a long table the page shows; downloads hold them all
LONG_TABLES = ("learning_sets",)
T = TypeVar("T")


def _kept(key: str, compute: Callable[[], T], fresh: bool = False) -> T:
    return kept(key, compute, current_app.config["REPORT_CACHE_SECONDS"], fresh)


def municipality_names() -> dict[int, str]:
    """The municipality filter's choices: a short list that does not grow with the institute's work."""
    return dict(municipality_choices())


# --- filters searched by name ---------------------------------------------------------------------------

class Named(StrEnum):
    """Filters over lists that grow with the institute's work (hundreds of learning sets and organisations):
    the viewer types part of a name instead of scrolling through all of them."""

    LEARNING_SET = "learning_set"
    PROGRAMME = "programme"
    ORGANISATION = "organisation"


SUGGESTIONS = 10  # names offered as the viewer types, and choices shown when a name fits several


@dataclass(frozen=True)
class NameIndex:
    names: dict[int, str]  # in the reader's script, sorted for reading
    folded: dict[int, tuple[str, ...]]  # the same names as searches compare them, and a title's other languages


@dataclass(frozen=True)
class NameChoice:
    """What a searched filter came to: one id, nothing asked for, or what the viewer has to pick from."""

    id: int | None = None
    name: str = ""
    candidates: tuple[tuple[int, str], ...] = ()  # several names fit what was typed
    unknown: bool = False  # an id or a name that fits nothing


def name_index(kind: Named, scope: ReportScope) -> NameIndex:
    """Kept like the figures, per language (titles are picked for the reader's language) and per scope:
    a viewer is offered only the programmes and organisations they may report on."""
    scoped = kind is not Named.LEARNING_SET and scope.kind is not ScopeKind.INSTITUTE
    key = f"report-names:v2:{kind}:{get_locale()}" + (f":{scope.key}-{scope.subject_id}" if scoped else "")
    others = _learning_set_other_titles if kind is Named.LEARNING_SET else dict
    return _kept(key, lambda: _index(_NAME_LOADERS[kind](scope), others()))


def _index(pairs: dict[int, str], others: dict[int, set[str]]) -> NameIndex:
    shown = {i: to_reader_script(n) for i, n in pairs.items()}
    names = dict(sorted(shown.items(), key=lambda item: alphabetical(item[1])))
    # The shown name first: it decides whether what was typed is the name itself.
    return NameIndex(names, {i: (folded(n), *sorted({folded(o) for o in others.get(i, ())} - {folded(n)}))
                             for i, n in names.items()})


def _learning_set_titles() -> dict[int, str]:
    titles: dict[int, str] = {}  # the newest version's title names the learning set
    for learning_set_id, title in db.session.execute(select(LearningSetVersion.learning_set_id, LearningSetVersion.title)
                                                     .order_by(LearningSetVersion.number)):
        titles[learning_set_id] = pick_language(title)
    return titles


def _learning_set_other_titles() -> dict[int, set[str]]:
    """Every title a learning set had, in every language: a reader may know it by its Serbian or English one."""
    titles: dict[int, set[str]] = {}
    for learning_set_id, title in db.session.execute(select(LearningSetVersion.learning_set_id,
                                                            LearningSetVersion.title)):
        titles.setdefault(learning_set_id, set()).update(t for t in title.values() if t)
    return titles


def _programme_names(scope: ReportScope) -> dict[int, str]:
    query = select(MentoringProgramme.id, MentoringProgramme.name)
    if scope.kind is not ScopeKind.INSTITUTE:
        query = query.where(MentoringProgramme.id.in_(queries.reportable_programmes(scope)))
    return dict(db.session.execute(query).all())


def _organisation_names(scope: ReportScope) -> dict[int, str]:
    query = select(Organisation.id, Organisation.name)
    if scope.kind is not ScopeKind.INSTITUTE:
        query = query.where(Organisation.id.in_(queries.reportable_organisations(scope)))
    return dict(db.session.execute(query).all())


_NAME_LOADERS: dict[Named, Callable[[ReportScope], dict[int, str]]] = {
    Named.LEARNING_SET: lambda _scope: _learning_set_titles(),  # the catalogue is public
    Named.PROGRAMME: _programme_names,
    Named.ORGANISATION: _organisation_names,
}


def find_names(kind: Named, text: str, scope: ReportScope, limit: int = SUGGESTIONS) -> list[tuple[int, str]]:
    """Names containing what was typed: exact matches first, then those starting with it, then the rest."""
    return [(i, name) for i, name, _exact in _search(name_index(kind, scope), folded(text))[:limit]]


def _search(index: NameIndex, wanted: str) -> list[tuple[int, str, bool]]:
    if not wanted:
        return []
    found = [(min((name != wanted, not name.startswith(wanted)) for name in names if wanted in name), i)
             for i, names in index.folded.items() if any(wanted in name for name in names)]
    found.sort(key=lambda item: item[0])  # stable: alphabetical within each group
    return [(i, index.names[i], rank == (False, False)) for rank, i in found]


def resolve_name(kind: Named, chosen_id: str | None, typed: str | None, scope: ReportScope) -> NameChoice:
    """The filter a viewer meant. A link carries the id alone; the form carries the id last chosen and the
    name as it is now typed, so a changed name is searched again and an emptied one clears the filter."""
    if typed is not None and not typed.strip():
        return NameChoice()
    if typed is None and not chosen_id:
        return NameChoice()
    index = name_index(kind, scope)
    known = optional_whole_number(chosen_id)
    if known in index.names and (typed is None or folded(typed) == index.folded[known][0]):
        return NameChoice(known, index.names[known])
    if typed is None:
        return NameChoice(unknown=True)
    found = _search(index, folded(typed))
    exact = [(i, name) for i, name, is_exact in found if is_exact]
    if len(exact) == 1 or len(found) == 1:
        i, name = exact[0] if len(exact) == 1 else found[0][:2]
        return NameChoice(i, name)
    if not found:
        return NameChoice(name=typed, unknown=True)
    return NameChoice(name=typed, candidates=tuple((i, name) for i, name, _exact in found[:SUGGESTIONS]))


GROUPS = ("municipality", "service_type", "learning_set", "month")


@dataclass
class Figures:
    """Every aggregate a report shows, before it is worded: the totals (group None) and each breakdown."""

    training: dict[str | None, list[queries.TrainingRow]]
    certificates: dict[str | None, list[queries.CertificateRow]]
    mentoring: dict[str | None, list[queries.MentoringRow]] | None  # None: the scope shows no mentoring
    mentees: dict[str | None, list[queries.MenteeRow]] | None
    attendance: queries.AttendanceTotals
    cohort_ratings: RatingSummary
    mentoring_ratings: RatingSummary | None

    def to_json(self) -> dict:
        """Plain values (JSON keys are text, so groups become "" for the totals)."""
        def grouped(rows: dict | None) -> dict | None:
            return None if rows is None else {group or "": [asdict(row) for row in found] for group, found in rows.items()}

        return {"training": grouped(self.training), "certificates": grouped(self.certificates),
                "mentoring": grouped(self.mentoring), "mentees": grouped(self.mentees),
                "attendance": asdict(self.attendance), "cohort_ratings": asdict(self.cohort_ratings),
                "mentoring_ratings": asdict(self.mentoring_ratings) if self.mentoring_ratings else None}

    @classmethod
    def from_json(cls, data: dict) -> "Figures":
        def grouped(rows: dict, row_type: type) -> dict:
            return {group or None: [row_type(**_typed_key(group, row)) for row in found] for group, found in rows.items()}

        def shown(rows: dict | None, row_type: type) -> dict | None:
            return None if rows is None else grouped(rows, row_type)

        return cls(grouped(data["training"], queries.TrainingRow),
                   grouped(data["certificates"], queries.CertificateRow),
                   shown(data["mentoring"], queries.MentoringRow), shown(data["mentees"], queries.MenteeRow),
                   queries.AttendanceTotals(**data["attendance"]), RatingSummary(**data["cohort_ratings"]),
                   RatingSummary(**data["mentoring_ratings"]) if data["mentoring_ratings"] else None)


def _typed_key(group: str, row: dict) -> dict:
    """A stored row as the query gave it: JSON keeps a service type as its text, the rows hold the enum."""
    if group == "service_type" and row["key"] is not None:
        return {**row, "key": ServiceType(row["key"])}
    return row


def compute_figures(scope: ReportScope, filters: ReportFilter, now: datetime) -> Figures:
    """All of a report's queries: some twenty GROUP BY selects over every enrolment, certificate and session
    in the scope (seconds at ten times the bench data, hence the worker's stored copy and the cache)."""
    shows_mentoring = scope.shows_mentoring
    every = (None, *GROUPS)
    return Figures(
        training={group: queries.training(filters, scope, group) for group in every},
        certificates={group: queries.certificates(filters, scope, now, group) for group in every},
        mentoring={group: queries.mentoring_sessions(filters, scope, now, group) for group in (None, "month")}
        if shows_mentoring else None,
        mentees={group: queries.mentees(filters, scope, now, group) for group in (None, "municipality", "service_type")}
        if shows_mentoring else None,
        attendance=queries.attendance(filters, scope),
        cohort_ratings=queries.cohort_evaluations(filters, scope),
        mentoring_ratings=queries.mentoring_evaluations(filters, scope) if shows_mentoring else None,
    )


# The institute's dashboard as it first opens: the view the worker keeps computed (refresh_stored_figures).
STORED_VIEWS = ((ScopeKind.INSTITUTE, ReportFilter()),)


def _figures_key(scope: ReportScope, filters: ReportFilter) -> str:
    return f"{scope.key}:{scope.subject_id}:{filters!r}"


def refresh_stored_figures(now: datetime, fresh: bool = False) -> int:
    """Compute the stored views' figures again when they are REPORT_CACHE_SECONDS old (the worker does it
    each round), or at once when `fresh`, so the dashboard's first request after its cache expired reads
    them instead of waiting for its queries. Returns how many views were computed."""
    refreshed = 0
    for kind, filters in STORED_VIEWS:
        scope = ReportScope(kind, 0, "")
        key = _figures_key(scope, filters)
        stored = db.session.get(StoredFigures, key)
        max_age = timedelta(seconds=current_app.config["REPORT_CACHE_SECONDS"])
        if stored is not None and not fresh and stored.computed_at > now - max_age:
            continue
        figures = compute_figures(scope, filters, now).to_json()
        if stored is None:
            db.session.add(StoredFigures(key=key, computed_at=now, figures=figures))
        else:
            stored.computed_at, stored.figures = now, figures
        db.session.commit()
        refreshed += 1
    return refreshed


def _figures(scope: ReportScope, filters: ReportFilter, now: datetime, fresh: bool) -> tuple[Figures, datetime]:
    """The worker's stored figures while they are at most twice REPORT_CACHE_SECONDS old (so a stopped worker
    never leaves old figures on show), otherwise computed now."""
    if not fresh and (scope.kind, filters) in STORED_VIEWS:
        stored = db.session.get(StoredFigures, _figures_key(scope, filters))
        oldest = now - 2 * timedelta(seconds=current_app.config["REPORT_CACHE_SECONDS"])
        if stored is not None and stored.computed_at >= oldest:
            return Figures.from_json(stored.figures), stored.computed_at
    return compute_figures(scope, filters, now), now


@dataclass
class Report:
    scope: ReportScope
    filters: ReportFilter
    training: queries.TrainingRow
    attendance: queries.AttendanceTotals
    certificates: queries.CertificateRow
    mentoring: queries.MentoringRow | None
    mentees: queries.MenteeRow | None
    cohort_ratings: RatingSummary
    mentoring_ratings: RatingSummary | None
    figures: Figures | None  # the breakdowns too (not in the page's copy, which keeps what it shows)
    computed_at: datetime | None = None
    tables: dict[str, Table] = field(default_factory=dict)
    narrative: str = ""
    charts: dict[str, Markup] = field(default_factory=dict)  # the page's copy only
    key: str = ""  # the cache key: the page keeps its rendered tables under it too

    @property
    def quality(self) -> tuple[float | None, int]:
        """Quality rated across cohort and mentoring surveys: the average of all answers, and how many."""
        summaries = [s for s in (self.cohort_ratings, self.mentoring_ratings) if s and s.responses]
        responses = sum(s.responses for s in summaries)
        if not responses:
            return None, 0
        return sum((s.averages["quality"] or 0.0) * s.responses for s in summaries) / responses, responses

    @property
    def mentoring_hours(self) -> float:
        return self.mentoring.group_hours + self.mentoring.individual_hours if self.mentoring else 0.0


def _service_label(value: ServiceType | None) -> str:
    return value.label if value else _("No organisation")


def _name(names: dict[int, str], key: int | None) -> str:
    return names.get(key, "") if key is not None else _("No organisation")


def cached_report(scope: ReportScope, filters: ReportFilter, now: datetime, fresh: bool = False,
                  for_page: bool = False) -> Report:
    """The report as computed at most REPORT_CACHE_SECONDS ago: a dashboard over tens of thousands of
    enrolments takes a second or more to aggregate, and the figures need not be to the second.

    The page's copy keeps only the rows the page shows of the long tables, so reading it from the cache
    costs the same however many learning sets there are; downloads use the full copy."""
    key = f"report:v2:{scope.key}:{scope.subject_id}:{get_locale()}:{filters!r}:{for_page}"

    def compute() -> Report:
        figures, computed_at = _figures(scope, filters, now, fresh)
        report = build_report(scope, filters, computed_at, figures)
        report.key = key
        if for_page:
            for name in LONG_TABLES:
                report.tables[name].rows = report.tables[name].rows[:PAGE_ROWS]
            report.charts = report_charts(report)
            report.figures = None
        return report

    return _kept(key, compute, fresh)


def build_report(scope: ReportScope, filters: ReportFilter, now: datetime, figures: Figures | None = None) -> Report:
    """The report worded in the reader's language, from `figures` computed at `now` (or computed now)."""
    figures = figures or compute_figures(scope, filters, now)
    report = Report(
        scope=scope, filters=filters, training=figures.training[None][0], attendance=figures.attendance,
        certificates=figures.certificates[None][0],
        mentoring=figures.mentoring[None][0] if figures.mentoring is not None else None,
        mentees=figures.mentees[None][0] if figures.mentees is not None else None,
        cohort_ratings=figures.cohort_ratings, mentoring_ratings=figures.mentoring_ratings, figures=figures,
        computed_at=now)
    tables: list[Table] = [
        _summary_table(report),
        _place_table("municipalities", _("By municipality"), _("Municipality"), "municipality",
                     lambda key: _name(municipality_names(), key), report, figures),
        _place_table("service_types", _("By service type"), _("Service type"), "service_type",
                     _service_label, report, figures),
        _learning_set_table(report, figures),
        _month_table(report, figures),
        _evaluation_table(report),
    ]
    report.tables = {table.key: table for table in tables}
    report.narrative = narrative(report)
    return report


# --- the tables: one row type each, whose fields are the columns -------------------------------------------

@dataclass(frozen=True)
class FigureRow:
    figure: str = column(_l("Figure"))
    value: Cell = column(_l("Value"))


def _summary_table(report: Report) -> Table[FigureRow]:
    t, c = report.training, report.certificates
    figures: list[tuple[str, Cell]] = [
        (_("Participants trained (people)"), t.participants),
        (_("Organisations trained"), t.organisations),
        (_("Municipalities reached by training"), t.municipalities),
        (_("Enrolments"), t.enrolments),
        (_("Completions (enrolments that earned a certificate)"), t.completions),
        (_("Withdrawn enrolments"), t.withdrawn),
        (_("Waiting on a waitlist"), t.waitlisted),
        (_("Waiting for approval"), t.pending),
        (_("Attendance rate (%)"), _percent(report.attendance.rate)),
        (_("Certificates issued"), c.issued),
        (_("Certificates valid today"), c.valid),
        (_("Certificates expiring within 60 days"), c.expiring),
        (_("Certificates expired"), c.expired),
        (_("Certificates revoked"), c.revoked),
        (_("CPD points awarded"), c.cpd_points),
    ]
    if report.mentoring and report.mentees:
        m, p = report.mentoring, report.mentees
        figures += [
            (_("Group mentoring sessions held"), m.group_sessions),
            (_("Individual mentoring sessions held"), m.individual_sessions),
            (_("Group mentoring hours"), round(m.group_hours, 1)),
            (_("Individual mentoring hours"), round(m.individual_hours, 1)),
            (_("People mentored"), p.people),
            (_("People in group mentoring"), p.group_people),
            (_("Organisations mentored"), p.organisations),
            (_("Municipalities reached by mentoring"), p.municipalities),
        ]
    quality, responses = report.quality
    figures += [(_("Quality rated (1–5)"), round(quality, 2) if quality is not None else None),
                (_("Survey responses"), responses)]
    return Table("summary", _("Key figures"), FigureRow, [FigureRow(figure, value) for figure, value in figures])


def _percent(rate: float | None) -> float | None:
    return round(rate * 100, 1) if rate is not None else None


@dataclass(frozen=True)
class PlaceRow:
    """Training, certificates and mentoring side by side for one municipality or service type."""

    place: str = column(_l("Municipality"))  # the service-type table names it its own way
    organisations_trained: int = column(_l("Organisations trained"))
    participants: int = column(_l("Participants"))
    enrolments: int = column(_l("Enrolments"))
    completions: int = column(_l("Completions"))
    certificates_valid: int = column(_l("Certificates valid"))
    people_mentored: int = column(_l("People mentored"), mentoring=True)
    organisations_mentored: int = column(_l("Organisations mentored"), mentoring=True)


def _place_table(key: str, title: str, place_heading: str, group: str, label: Callable[[Any], str],
                 report: Report, figures: Figures) -> Table[PlaceRow]:
    scope = report.scope
    training = {row.key: row for row in figures.training[group]}
    certificates = {row.key: row for row in figures.certificates[group]}
    mentees = {row.key: row for row in figures.mentees[group]} if figures.mentees is not None else {}
    rows = []
    for place in set(training) | set(certificates) | set(mentees):
        t, c, m = training.get(place), certificates.get(place), mentees.get(place)
        rows.append(PlaceRow(
            place=label(place), organisations_trained=t.organisations if t else 0,
            participants=t.participants if t else 0, enrolments=t.enrolments if t else 0,
            completions=t.completions if t else 0, certificates_valid=c.valid if c else 0,
            people_mentored=m.people if m else 0, organisations_mentored=m.organisations if m else 0))
    rows.sort(key=lambda row: (-row.participants, row.place.casefold()))
    return Table(key, title, PlaceRow, rows, scope.shows_mentoring, headings={"place": place_heading})


@dataclass(frozen=True)
class LearningSetRow:
    learning_set: str = column(_l("Learning set"))
    participants: int = column(_l("Participants"))
    organisations_trained: int = column(_l("Organisations trained"))
    enrolments: int = column(_l("Enrolments"))
    completions: int = column(_l("Completions"))
    waitlisted: int = column(_l("Waiting on a waitlist"))
    certificates_issued: int = column(_l("Certificates issued"))
    certificates_valid: int = column(_l("Certificates valid"))
    cpd_points: int = column(_l("CPD points awarded"))


def _learning_set_table(report: Report, figures: Figures) -> Table[LearningSetRow]:
    training = {row.key: row for row in figures.training["learning_set"]}
    certificates = {row.key: row for row in figures.certificates["learning_set"]}
    titles = name_index(Named.LEARNING_SET, report.scope).names
    rows = []
    for learning_set_id in set(training) | set(certificates):
        t, c = training.get(learning_set_id), certificates.get(learning_set_id)
        rows.append(LearningSetRow(
            learning_set=titles.get(learning_set_id, ""), participants=t.participants if t else 0,
            organisations_trained=t.organisations if t else 0, enrolments=t.enrolments if t else 0,
            completions=t.completions if t else 0, waitlisted=t.waitlisted if t else 0,
            certificates_issued=c.issued if c else 0, certificates_valid=c.valid if c else 0,
            cpd_points=c.cpd_points if c else 0))
    rows.sort(key=lambda row: (-row.participants, row.learning_set.casefold()))
    return Table("learning_sets", _("By learning set"), LearningSetRow, rows)


def _months_between(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:7])
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


@dataclass(frozen=True)
class MonthRow:
    month: str = column(_l("Month"))  # "2025-03"
    participants_starting: int = column(_l("Participants starting"))
    enrolments: int = column(_l("Enrolments"))
    certificates_issued: int = column(_l("Certificates issued"))
    mentoring_sessions: int = column(_l("Mentoring sessions held"), mentoring=True)
    mentoring_hours: float = column(_l("Mentoring hours"), mentoring=True)


def _month_table(report: Report, figures: Figures) -> Table[MonthRow]:
    """Month by month, with empty months shown as zeros so the trend is honest."""
    scope = report.scope
    training = {row.key: row for row in figures.training["month"]}
    certificates = {row.key: row for row in figures.certificates["month"]}
    mentoring = {row.key: row for row in figures.mentoring["month"]} if figures.mentoring is not None else {}
    seen = sorted(str(key) for key in set(training) | set(certificates) | set(mentoring) if key)
    rows = []
    for month in _months_between(seen[0], seen[-1]) if seen else []:
        t, c, m = training.get(month), certificates.get(month), mentoring.get(month)
        rows.append(MonthRow(
            month=month, participants_starting=t.participants if t else 0, enrolments=t.enrolments if t else 0,
            certificates_issued=c.issued if c else 0,
            mentoring_sessions=m.group_sessions + m.individual_sessions if m else 0,
            mentoring_hours=round(m.group_hours + m.individual_hours, 1) if m else 0.0))
    return Table("months", _("Month by month"), MonthRow, rows, scope.shows_mentoring)


def rating_label(name: str) -> str:
    return {"accessibility": _("Accessibility"), "usefulness": _("Usefulness"), "quality": _("Quality")}[name]


@dataclass(frozen=True)
class RatingRow:
    survey: str = column(_l("Survey"))
    question: str = column(_l("Question"))
    responses: int = column(_l("Responses"))
    average: float | None = column(_l("Average (1–5)"))
    rated_1: int = column("1")  # how many answered 1
    rated_2: int = column("2")
    rated_3: int = column("3")
    rated_4: int = column("4")
    rated_5: int = column("5")


def _evaluation_table(report: Report) -> Table[RatingRow]:
    surveys = [(_("Cohorts"), report.cohort_ratings)]
    if report.mentoring_ratings is not None:
        surveys.append((_("Mentoring sessions"), report.mentoring_ratings))
    rows = []
    for survey, summary in surveys:
        for name in RATED:
            average = summary.averages[name]
            counts = {f"rated_{score}": count for score, count in enumerate(summary.distributions[name], start=1)}
            rows.append(RatingRow(survey=survey, question=rating_label(name), responses=summary.responses,
                                  average=round(average, 2) if average is not None else None, **counts))
    return Table("evaluations", _("Evaluations"), RatingRow, rows)


# --- the narrative ----------------------------------------------------------------------------------------

def period_phrase(filters: ReportFilter) -> str:
    since, until = filters.since, filters.until
    if since and until and (since.month, since.day, until.month, until.day) == (1, 1, 12, 31) and since.year == until.year:
        return _("In %(year)s", year=since.year)
    if since and until:
        return _("From %(since)s to %(until)s", since=format_date(since), until=format_date(until))
    if since:
        return _("Since %(since)s", since=format_date(since))
    if until:
        return _("Up to %(until)s", until=format_date(until))
    return _("So far")


def _hours_form(hours: float) -> int:
    """The number whose plural form a count of hours takes: a fraction takes the form of two
    ("1.5 hours", "1,5 sata")."""
    return int(hours) if hours == int(hours) else 2


def narrative(report: Report) -> str:
    """A paragraph a funder's report can quote, in the viewer's language."""
    t, c = report.training, report.certificates
    n = format_decimal
    sentences = [_("%(period)s, nobody took part in training.", period=period_phrase(report.filters))
                 if not t.enrolments else _(
        "%(period)s, %(people)s from %(organisations)s in %(municipalities)s took part in training "
        "(%(enrolments)s).",
        period=period_phrase(report.filters),
        people=ngettext("%(count)s participant", "%(count)s participants", t.participants, count=n(t.participants)),
        organisations=ngettext("%(count)s organisation", "%(count)s organisations", t.organisations,
                               count=n(t.organisations)),
        municipalities=ngettext("%(count)s municipality", "%(count)s municipalities", t.municipalities,
                                count=n(t.municipalities)),
        enrolments=ngettext("%(count)s enrolment", "%(count)s enrolments", t.enrolments, count=n(t.enrolments)),
    )]
    # Clauses with nothing to say ("0 certificates were issued", "Mentors held 0 sessions") are left out.
    completions = ngettext("%(count)s enrolment", "%(count)s enrolments", t.completions, count=n(t.completions))
    if t.completions and c.issued:
        sentences.append(ngettext(
            "%(completions)s ended with a certificate; %(count)s certificate was issued (%(valid)s valid today).",
            "%(completions)s ended with a certificate; %(count)s certificates were issued (%(valid)s valid today).",
            c.issued, completions=completions, count=n(c.issued), valid=n(c.valid),
        ))
    elif t.completions:
        sentences.append(_("%(completions)s ended with a certificate.", completions=completions))
    elif c.issued:
        sentences.append(ngettext("%(count)s certificate was issued (%(valid)s valid today).",
                                  "%(count)s certificates were issued (%(valid)s valid today).",
                                  c.issued, count=n(c.issued), valid=n(c.valid)))
    sessions = report.mentoring.group_sessions + report.mentoring.individual_sessions if report.mentoring else 0
    if report.mentoring and report.mentees and sessions:
        p = report.mentees
        hours = round(report.mentoring_hours, 1)
        sentences.append(_(
            "Mentors held %(sessions)s (%(hours)s) with %(people)s from %(organisations)s in %(municipalities)s.",
            sessions=ngettext("%(count)s mentoring session", "%(count)s mentoring sessions", sessions, count=n(sessions)),
            hours=ngettext("%(count)s hour", "%(count)s hours", _hours_form(hours), count=n(hours)),
            people=ngettext("%(count)s person", "%(count)s people", p.people, count=n(p.people)),
            organisations=ngettext("%(count)s organisation", "%(count)s organisations", p.organisations,
                                   count=n(p.organisations)),
            municipalities=ngettext("%(count)s municipality", "%(count)s municipalities", p.municipalities,
                                    count=n(p.municipalities)),
        ))
    quality, responses = report.quality
    if quality is not None:
        sentences.append(_("Participants rated quality %(average)s out of 5 (%(responses)s).",
                           average=n(round(quality, 2)),
                           responses=ngettext("%(count)s response", "%(count)s responses", responses, count=n(responses))))
    return " ".join(sentences)
