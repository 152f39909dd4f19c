"""Reports assembled from the aggregate queries: figures, tables for pages and exports, a narrative."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from flask import current_app
from flask_babel import format_date, format_decimal, get_locale
from sqlalchemy import select

from learnhub.curriculum.models import LearningSetVersion, pick_language
from learnhub.extensions import cache, db
from learnhub.i18n import _, ngettext, to_reader_script
from learnhub.mentoring.models import MentoringProgramme
from learnhub.people.models import Municipality, Organisation, ServiceType
from learnhub.reports import queries
from learnhub.reports.queries import RATED, RatingSummary
from learnhub.reports.scope import ReportFilter, ReportScope

Cell = str | int | float | None
T = TypeVar("T")


@dataclass
class Table:
    key: str  # the name in export URLs and sheet order
    title: str
    columns: list[str]
    rows: list[list[Cell]]


@dataclass(frozen=True)
class Choices:
    """What the filters offer, and the names the tables show for ids."""

    municipalities: dict[int, str]
    learning_sets: dict[int, str]
    programmes: dict[int, str]
    organisations: dict[int, str]


def _kept(key: str, compute: Callable[[], T], fresh: bool = False) -> T:
    """`compute()`'s result, kept REPORT_CACHE_SECONDS per key (in Redis when CACHE_REDIS_URL is set)."""
    value = None if fresh else cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=current_app.config["REPORT_CACHE_SECONDS"])
    return value


def filter_choices() -> Choices:
    """Kept like the figures: at scale these are hundreds of learning sets and organisations."""
    return _kept(f"report-choices:{get_locale()}", _load_choices)


def _load_choices() -> Choices:
    municipalities = db.session.execute(select(Municipality.id, Municipality.name)
                                        .order_by(Municipality.country.desc(), Municipality.name))
    # The newest version's title names the learning set.
    titles: dict[int, str] = {}
    for learning_set_id, title in db.session.execute(select(LearningSetVersion.learning_set_id, LearningSetVersion.title)
                                                     .order_by(LearningSetVersion.number)):
        titles[learning_set_id] = to_reader_script(pick_language(title))
    programmes = db.session.execute(select(MentoringProgramme.id, MentoringProgramme.name)
                                    .order_by(MentoringProgramme.starts_on.desc(), MentoringProgramme.name))
    organisations = db.session.execute(select(Organisation.id, Organisation.name).order_by(Organisation.name))
    return Choices(
        municipalities={i: to_reader_script(n) for i, n in municipalities},
        learning_sets=dict(sorted(titles.items(), key=lambda item: item[1].casefold())),
        programmes={i: to_reader_script(n) for i, n in programmes},
        organisations={i: to_reader_script(n) for i, n in organisations},
    )


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
    computed_at: datetime | None = None
    tables: dict[str, Table] = field(default_factory=dict)
    narrative: str = ""

    @property
    def quality(self) -> tuple[float | None, int]:
        """Quality rated across cohort and mentoring surveys: the average of all answers, and how many."""
        summaries = [s for s in (self.cohort_ratings, self.mentoring_ratings) if s and s.responses]
        responses = sum(s.responses for s in summaries)
        if not responses:
            return None, 0
        return sum(s.averages["quality"] * s.responses for s in summaries) / responses, responses

    @property
    def mentoring_hours(self) -> float:
        return self.mentoring.group_hours + self.mentoring.individual_hours if self.mentoring else 0.0


def _service_label(value: str | None) -> str:
    return ServiceType(value).label if value in ServiceType._value2member_map_ else _("No organisation")


def _name(names: dict[int, str], key: int | None) -> str:
    return names.get(key, "") if key is not None else _("No organisation")


def cached_report(scope: ReportScope, filters: ReportFilter, now: datetime, choices: Choices,
                  fresh: bool = False) -> Report:
    """The report as computed at most REPORT_CACHE_SECONDS ago: a dashboard over tens of thousands of
    enrolments takes a second or more to aggregate, and the figures need not be to the second."""
    return _kept(f"report:{scope.key}:{scope.subject_id}:{get_locale()}:{filters!r}",
                 lambda: build_report(scope, filters, now, choices), fresh)


def build_report(scope: ReportScope, filters: ReportFilter, now: datetime, choices: Choices) -> Report:
    shows_mentoring = scope.shows_mentoring
    report = Report(
        scope=scope, filters=filters, computed_at=now,
        training=queries.training(filters, scope)[0],
        attendance=queries.attendance(filters, scope),
        certificates=queries.certificates(filters, scope, now)[0],
        mentoring=queries.mentoring_sessions(filters, scope, now)[0] if shows_mentoring else None,
        mentees=queries.mentees(filters, scope, now)[0] if shows_mentoring else None,
        cohort_ratings=queries.cohort_evaluations(filters, scope),
        mentoring_ratings=queries.mentoring_evaluations(filters, scope) if shows_mentoring else None,
    )
    tables = [
        _summary_table(report),
        _place_table("municipalities", _("By municipality"), _("Municipality"), "municipality",
                     lambda key: _name(choices.municipalities, key), report, now),
        _place_table("service_types", _("By service type"), _("Service type"), "service_type",
                     _service_label, report, now),
        _learning_set_table(report, now, choices),
        _month_table(report, now),
        _evaluation_table(report),
    ]
    report.tables = {table.key: table for table in tables}
    report.narrative = narrative(report)
    return report


def _summary_table(report: Report) -> Table:
    t, c = report.training, report.certificates
    rows: list[list[Cell]] = [
        [_("Participants trained (people)"), t.participants],
        [_("Organisations trained"), t.organisations],
        [_("Municipalities reached by training"), t.municipalities],
        [_("Enrolments"), t.enrolments],
        [_("Completions (enrolments that earned a certificate)"), t.completions],
        [_("Withdrawn enrolments"), t.withdrawn],
        [_("Waiting on a waitlist"), t.waitlisted],
        [_("Waiting for approval"), t.pending],
        [_("Attendance rate (%)"), _percent(report.attendance.rate)],
        [_("Certificates issued"), c.issued],
        [_("Certificates valid today"), c.valid],
        [_("Certificates expiring within 60 days"), c.expiring],
        [_("Certificates expired"), c.expired],
        [_("Certificates revoked"), c.revoked],
        [_("CPD points awarded"), c.cpd_points],
    ]
    if report.mentoring and report.mentees:
        m, p = report.mentoring, report.mentees
        rows += [
            [_("Group mentoring sessions held"), m.group_sessions],
            [_("Individual mentoring sessions held"), m.individual_sessions],
            [_("Group mentoring hours"), round(m.group_hours, 1)],
            [_("Individual mentoring hours"), round(m.individual_hours, 1)],
            [_("People mentored"), p.people],
            [_("People in group mentoring"), p.group_people],
            [_("Organisations mentored"), p.organisations],
            [_("Municipalities reached by mentoring"), p.municipalities],
        ]
    quality, responses = report.quality
    rows += [[_("Quality rated (1–5)"), round(quality, 2) if quality is not None else None],
             [_("Survey responses"), responses]]
    return Table("summary", _("Key figures"), [_("Figure"), _("Value")], rows)


def _percent(rate: float | None) -> float | None:
    return round(rate * 100, 1) if rate is not None else None


def _place_table(key: str, title: str, first_column: str, group: str, label, report: Report, now: datetime) -> Table:
    """Training, certificates and mentoring side by side per municipality or service type."""
    scope, filters = report.scope, report.filters
    training = {row.key: row for row in queries.training(filters, scope, group)}
    certificates = {row.key: row for row in queries.certificates(filters, scope, now, group)}
    mentees = {row.key: row for row in queries.mentees(filters, scope, now, group)} if scope.shows_mentoring else {}
    columns = [first_column, _("Organisations trained"), _("Participants"), _("Enrolments"), _("Completions"),
               _("Certificates valid")]
    if scope.shows_mentoring:
        columns += [_("People mentored"), _("Organisations mentored")]
    rows = []
    for place in set(training) | set(certificates) | set(mentees):
        t, c, m = training.get(place), certificates.get(place), mentees.get(place)
        row: list[Cell] = [label(place), t.organisations if t else 0, t.participants if t else 0,
                           t.enrolments if t else 0, t.completions if t else 0, c.valid if c else 0]
        if scope.shows_mentoring:
            row += [m.people if m else 0, m.organisations if m else 0]
        rows.append(row)
    rows.sort(key=lambda row: (-row[2], str(row[0]).casefold()))
    return Table(key, title, columns, rows)


def _learning_set_table(report: Report, now: datetime, choices: Choices) -> Table:
    scope, filters = report.scope, report.filters
    training = {row.key: row for row in queries.training(filters, scope, "learning_set")}
    certificates = {row.key: row for row in queries.certificates(filters, scope, now, "learning_set")}
    rows = []
    for learning_set_id in set(training) | set(certificates):
        t, c = training.get(learning_set_id), certificates.get(learning_set_id)
        rows.append([choices.learning_sets.get(learning_set_id, ""), t.participants if t else 0,
                     t.organisations if t else 0, t.enrolments if t else 0, t.completions if t else 0,
                     t.waitlisted if t else 0, c.issued if c else 0, c.valid if c else 0, c.cpd_points if c else 0])
    rows.sort(key=lambda row: (-row[1], str(row[0]).casefold()))
    return Table("learning_sets", _("By learning set"),
                 [_("Learning set"), _("Participants"), _("Organisations trained"), _("Enrolments"), _("Completions"),
                  _("Waiting on a waitlist"), _("Certificates issued"), _("Certificates valid"),
                  _("CPD points awarded")], rows)


def _months_between(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:7])
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _month_table(report: Report, now: datetime) -> Table:
    """Month by month, with empty months shown as zeros so the trend is honest."""
    scope, filters = report.scope, report.filters
    training = {row.key: row for row in queries.training(filters, scope, "month")}
    certificates = {row.key: row for row in queries.certificates(filters, scope, now, "month")}
    mentoring = ({row.key: row for row in queries.mentoring_sessions(filters, scope, now, "month")}
                 if scope.shows_mentoring else {})
    seen = sorted(key for key in set(training) | set(certificates) | set(mentoring) if key)
    columns = [_("Month"), _("Participants starting"), _("Enrolments"), _("Certificates issued")]
    if scope.shows_mentoring:
        columns += [_("Mentoring sessions held"), _("Mentoring hours")]
    rows = []
    for month in _months_between(seen[0], seen[-1]) if seen else []:
        t, c, m = training.get(month), certificates.get(month), mentoring.get(month)
        row: list[Cell] = [month, t.participants if t else 0, t.enrolments if t else 0, c.issued if c else 0]
        if scope.shows_mentoring:
            row += [m.group_sessions + m.individual_sessions if m else 0,
                    round(m.group_hours + m.individual_hours, 1) if m else 0.0]
        rows.append(row)
    return Table("months", _("Month by month"), columns, rows)


def rating_label(name: str) -> str:
    return {"accessibility": _("Accessibility"), "usefulness": _("Usefulness"), "quality": _("Quality")}[name]


def _evaluation_table(report: Report) -> Table:
    surveys = [(_("Cohorts"), report.cohort_ratings)]
    if report.mentoring_ratings is not None:
        surveys.append((_("Mentoring sessions"), report.mentoring_ratings))
    rows = []
    for survey, summary in surveys:
        for name in RATED:
            average = summary.averages[name]
            rows.append([survey, rating_label(name), summary.responses,
                         round(average, 2) if average is not None else None, *summary.distributions[name]])
    return Table("evaluations", _("Evaluations"),
                 [_("Survey"), _("Question"), _("Responses"), _("Average (1–5)"), "1", "2", "3", "4", "5"], rows)


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


def narrative(report: Report) -> str:
    """A paragraph a funder's report can quote, in the viewer's language."""
    t, c = report.training, report.certificates
    n = format_decimal
    sentences = [_(
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
    sentences.append(_(
        "%(completions)s ended with a certificate; %(certificates)s were issued, of which %(valid)s are valid today.",
        completions=ngettext("%(count)s enrolment", "%(count)s enrolments", t.completions, count=n(t.completions)),
        certificates=ngettext("%(count)s certificate", "%(count)s certificates", c.issued, count=n(c.issued)),
        valid=n(c.valid),
    ))
    if report.mentoring and report.mentees:
        m, p = report.mentoring, report.mentees
        sessions = m.group_sessions + m.individual_sessions
        sentences.append(_(
            "Mentors held %(sessions)s (%(hours)s hours) with %(people)s from %(organisations)s in %(municipalities)s.",
            sessions=ngettext("%(count)s mentoring session", "%(count)s mentoring sessions", sessions, count=n(sessions)),
            hours=n(round(report.mentoring_hours, 1)),
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
