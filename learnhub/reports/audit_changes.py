"""The audit log in words: each entry's record by name and its before/after as changes a person reads
("Status: Waiting for approval → Enrolled"), in the reader's language and script, instead of stored JSON.

Entries keep ids and stored values (see the `audit.record` calls); the names behind them are read here for a
whole page at once, one query per kind of record on it."""

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, select

from learnhub.audit import services as audit
from learnhub.audit.models import RECORD_LABELS, AuditEntry
from learnhub.audit.services import AuditFilter
from learnhub.certification.models import Certificate
from learnhub.courses.models import Cohort, CohortSession, Enrolment, EnrolmentStatus
from learnhub.curriculum.models import LearningSetVersion, pick_language
from learnhub.dates import format_date, format_datetime
from learnhub.enums import LabelledEnum
from learnhub.extensions import db
from learnhub.i18n import _, _l, format_decimal, to_reader_script
from learnhub.mentoring.models import ImplementationPlan, MentoringProgramme, MentoringSession, PlanStatus
from learnhub.people.models import MembershipRole, Organisation, Role, User

# Long texts (a plan's goals) are cut here; the plan's own history keeps them whole.
LONGEST_TEXT = 200

# The keys services record, by what a person calls them.
FIELD_LABELS = {
    "status": _l("Status"),
    "cohort_id": _l("Cohort"),
    "roles": _l("Roles"),
    "role": _l("Role in the organisation"),
    "attended": _l("Attended"),
    "reason": _l("Reason"),
    "public_reason": _l("Public reason"),
    "cpd_points": _l("CPD points"),
    "goals": _l("Goals"),
    "challenges": _l("Challenges and obstacles"),
    "involvement_strategies": _l("How parents and service users are involved"),
    "is_good_practice": _l("Good-practice example"),
    "actions": _l("Actions"),
}


@dataclass(frozen=True)
class Change:
    label: str
    before: str | None  # None: the entry keeps only the value after (or only the one before)
    after: str | None


@dataclass(frozen=True)
class LogLine:
    entry: AuditEntry
    record: str  # "Enrolment: Recovery in practice, Ruma 2026"
    changes: list[Change]


@dataclass
class _Names:
    """What the page's ids stand for, in the reader's script."""

    records: dict[str, dict[int, str]] = field(default_factory=dict)
    cohorts: dict[int, str] = field(default_factory=dict)
    enrolled: dict[int, str] = field(default_factory=dict)  # enrolment id -> the person's name


def log_page(filters: AuditFilter, page: int, per_page: int) -> tuple[Pagination, list[LogLine]]:
    """One page of the log, newest first, as lines to read."""
    entries = audit.entries(filters, page, per_page)
    return entries, readable(entries.items)


def readable(entries: Sequence[AuditEntry]) -> list[LogLine]:
    names = _names(entries)
    return [LogLine(entry, _record(entry, names), _changes(entry, names)) for entry in entries]


# --- names, one query per kind ---------------------------------------------------------------------------

_RECORD_QUERIES: dict[str, tuple[Callable[[set[int]], Select], Callable[..., str]]] = {
    "certificate": (lambda ids: select(Certificate.id, LearningSetVersion.title)
                    .join(LearningSetVersion, LearningSetVersion.id == Certificate.version_id)
                    .where(Certificate.id.in_(ids)),
                    lambda title: to_reader_script(pick_language(title))),
    "enrolment": (lambda ids: select(Enrolment.id, Cohort.name).join(Cohort, Cohort.id == Enrolment.cohort_id)
                  .where(Enrolment.id.in_(ids)),
                  to_reader_script),
    "cohort_session": (lambda ids: select(CohortSession.id, Cohort.name, CohortSession.starts_at)
                       .join(Cohort, Cohort.id == CohortSession.cohort_id).where(CohortSession.id.in_(ids)),
                       lambda cohort, starts_at: f"{to_reader_script(cohort)}, {format_datetime(starts_at)}"),
    "mentoring_session": (lambda ids: select(MentoringSession.id, MentoringProgramme.name, MentoringSession.starts_at)
                          .join(MentoringProgramme, MentoringProgramme.id == MentoringSession.programme_id)
                          .where(MentoringSession.id.in_(ids)),
                          lambda programme, starts_at: f"{to_reader_script(programme)}, {format_datetime(starts_at)}"),
    "implementation_plan": (lambda ids: select(ImplementationPlan.id, Organisation.name, MentoringProgramme.name)
                            .join(Organisation, Organisation.id == ImplementationPlan.organisation_id)
                            .join(MentoringProgramme, MentoringProgramme.id == ImplementationPlan.programme_id)
                            .where(ImplementationPlan.id.in_(ids)),
                            lambda organisation, programme: f"{to_reader_script(organisation)}, {to_reader_script(programme)}"),
    "user": (lambda ids: select(User.id, User.display_name).where(User.id.in_(ids)), to_reader_script),
    "organisation": (lambda ids: select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids)),
                     to_reader_script),
}


def _names(entries: Iterable[AuditEntry]) -> _Names:
    wanted: defaultdict[str, set[int]] = defaultdict(set)
    for entry in entries:
        if entry.record_type in _RECORD_QUERIES and entry.record_id is not None:
            wanted[entry.record_type].add(entry.record_id)
        for values in (entry.before or {}, entry.after or {}):
            if isinstance(values.get("cohort_id"), int):
                wanted["cohort"].add(values["cohort_id"])
            if isinstance(values.get("marks"), dict):
                wanted["enrolled"].update(int(key) for key in values["marks"] if str(key).isdigit())
    names = _Names()
    for kind, (query, name) in _RECORD_QUERIES.items():
        if wanted[kind]:
            names.records[kind] = {row[0]: name(*row[1:]) for row in db.session.execute(query(wanted[kind]))}
    if wanted["cohort"]:
        names.cohorts = {i: to_reader_script(n) for i, n in db.session.execute(
            select(Cohort.id, Cohort.name).where(Cohort.id.in_(wanted["cohort"])))}
    if wanted["enrolled"]:
        names.enrolled = {i: to_reader_script(n) for i, n in db.session.execute(
            select(Enrolment.id, User.display_name).join(User, User.id == Enrolment.user_id)
            .where(Enrolment.id.in_(wanted["enrolled"])))}
    return names


def _record(entry: AuditEntry, names: _Names) -> str:
    if not entry.record_type:
        return ""
    kind = str(RECORD_LABELS.get(entry.record_type, entry.record_type))
    name = names.records.get(entry.record_type, {}).get(entry.record_id) if entry.record_id is not None else None
    return _("%(record)s: %(name)s", record=kind, name=name) if name else kind


# --- values -------------------------------------------------------------------------------------------------

def _changes(entry: AuditEntry, names: _Names) -> list[Change]:
    before, after = entry.before or {}, entry.after or {}
    changes: list[Change] = []
    for key in dict.fromkeys([*before, *after]):
        if key in before and key in after and before[key] == after[key]:
            continue  # unchanged: a plan saved with one field edited names only that field
        if (key in before) != (key in after) and (before | after)[key] in ("", None, []):
            continue  # a new plan's empty fields say nothing
        if key == "marks":
            changes += _mark_changes(before.get(key) or {}, after.get(key) or {}, names)
            continue
        shown = [_value(entry.record_type, key, side[key], names) if key in side else None for side in (before, after)]
        changes.append(Change(_label(key), *shown))
    return changes


def _label(key: str) -> str:
    return str(FIELD_LABELS[key]) if key in FIELD_LABELS else key.replace("_", " ").capitalize()


def _mark(value: bool | None) -> str:
    return _("not recorded") if value is None else _("present") if value else _("absent")


def _mark_changes(before: dict, after: dict, names: _Names) -> list[Change]:
    """Attendance: one line per person, "Ana Anić: not recorded → present"."""
    return [Change(names.enrolled.get(int(key), _("someone no longer enrolled")) if str(key).isdigit() else str(key),
                   _mark(before.get(key)) if key in before else None, _mark(after.get(key)) if key in after else None)
            for key in dict.fromkeys([*before, *after])]


def _label_of(enum: type[LabelledEnum], value: str) -> str:
    return enum(value).label if value in enum._value2member_map_ else value


def _value(record_type: str, key: str, value: Any, names: _Names) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if key == "status":
        return _label_of(PlanStatus if record_type == "implementation_plan" else EnrolmentStatus, value)
    if key == "roles":
        return ", ".join(_label_of(Role, role) for role in value)
    if key == "role":
        return _label_of(MembershipRole, value)
    if key == "cohort_id":
        return names.cohorts.get(value, "—")
    if key == "attended":
        return _mark(value)
    if key == "actions":
        return _shortened("; ".join(_action(action) for action in value))
    return _plain(value)


def _action(action: dict) -> str:
    due = action.get("due_on")
    return _("%(description)s (%(owner)s, by %(date)s, %(state)s)", description=action.get("description", ""),
             owner=action.get("owner", ""), date=format_date(date.fromisoformat(due)) if due else "—",
             state=_("done") if action.get("is_done") else _("open"))


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int | float):
        return format_decimal(value)
    if isinstance(value, list):
        return ", ".join(_plain(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{_label(str(k))}: {_plain(v)}" for k, v in value.items())
    return _shortened(str(value))


def _shortened(text: str) -> str:
    return text if len(text) <= LONGEST_TEXT else text[:LONGEST_TEXT - 1].rstrip() + "…"
