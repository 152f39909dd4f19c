"""What a learning set asks for a certificate: one typed value, parsed and checked in one place.

The version stores it as a JSON mapping (`LearningSetVersion.certification`); code reads it only as
`version.rule`, a `CertificationRule`. A new kind of requirement is one field here (with its range), a
field in `LearningSetForm`, and a line in `missing()` and `criteria()` (and in `asks_for_assessment` if it
is about the assessment); files, exports, forms' rendering and the stored mapping follow the fields."""

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from learnhub.errors import InvalidInput
from learnhub.i18n import _, ngettext


def _knob(minimum: int | None = None, maximum: int | None = None, *, default: Any = 0,
          is_nullable: bool = False, is_optional: bool = False) -> Any:
    """A rule field with its allowed range. `is_nullable`: null means no limit; `is_optional`: files may leave
    it out (and the stored mapping omits it when null)."""
    return field(default=default, metadata={"minimum": minimum, "maximum": maximum, "is_nullable": is_nullable,
                                            "is_optional": is_optional})


@dataclass(frozen=True)
class Knob:
    """One field of the rule as readers of files and forms see it."""

    name: str
    kind: type  # int or bool
    minimum: int
    maximum: int | None
    is_nullable: bool
    is_optional: bool


@dataclass(frozen=True)
class Facts:
    """What was recorded about one participant; never a checkbox."""

    sessions_total: int
    sessions_attended: int
    required_modules: int
    required_modules_done: int
    all_modules: int
    all_modules_done: int
    mentoring_attended: int
    assessment_passed: bool | None  # None: no result recorded


@dataclass(frozen=True)
class CertificationRule:
    """A key missing from a stored mapping asks for nothing (0, false, no limit)."""

    min_attendance_percent: int = _knob(0, 100)
    require_all_modules: bool = _knob(default=False)  # otherwise only the required ones
    min_mentoring_sessions: int = _knob(0)
    mentoring_within_months: int | None = _knob(1, default=None, is_nullable=True)  # after the cohort ends
    requires_assessment: bool = _knob(default=False)
    validity_months: int | None = _knob(1, default=None, is_nullable=True)
    renewal_cpd_points: int | None = _knob(1, default=None, is_nullable=True, is_optional=True)

    @classmethod
    def knobs(cls) -> tuple[Knob, ...]:
        return tuple(Knob(f.name, bool if f.type in (bool, "bool") else int, f.metadata["minimum"] or 0,
                          f.metadata["maximum"], f.metadata["is_nullable"], f.metadata["is_optional"])
                     for f in fields(cls))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None) -> "CertificationRule":
        """The rule a version stores; unknown keys are ignored, null numbers that may not be null count as 0."""
        values: dict[str, Any] = {}
        for knob in cls.knobs():
            value = (data or {}).get(knob.name)
            if knob.kind is bool:
                values[knob.name] = bool(value)
            elif value is None:
                values[knob.name] = None if knob.is_nullable else 0
            else:
                values[knob.name] = int(value)
        return cls(**values)

    def checked(self) -> "CertificationRule":
        """This rule, or InvalidInput when a number is outside its range (forms limit ranges further)."""
        for knob in self.knobs():
            value = getattr(self, knob.name)
            if knob.kind is int and value is not None and not (
                    knob.minimum <= value and (knob.maximum is None or value <= knob.maximum)):
                raise InvalidInput(_("Please check the certification rule: "
                                     "one of the numbers is outside the allowed range."))
        return self

    def to_mapping(self) -> dict[str, Any]:
        """For the JSON column and for files: every field, optional ones only when set."""
        return {key: value for key, value in asdict(self).items()
                if value is not None or not _is_optional(key)}

    @property
    def asks_for_assessment(self) -> bool:
        """Whether an assessment result counts towards the certificate, so that pages ask for one."""
        return self.requires_assessment

    def needed_sessions(self, sessions_total: int) -> int:
        return math.ceil(sessions_total * self.min_attendance_percent / 100)

    def missing(self, facts: Facts) -> list[str]:
        """What still stands between the participant and the certificate, in words; empty means eligible."""
        missing = []
        needed = self.needed_sessions(facts.sessions_total)
        if facts.sessions_attended < needed:
            missing.append(ngettext("attended %(attended)d of %(num)d session; needs %(needed)d",
                                    "attended %(attended)d of %(num)d sessions; needs %(needed)d",
                                    facts.sessions_total, attended=facts.sessions_attended, needed=needed))
        done, total = ((facts.all_modules_done, facts.all_modules) if self.require_all_modules
                       else (facts.required_modules_done, facts.required_modules))
        if done < total:
            missing.append(ngettext("completed %(done)d of %(num)d module", "completed %(done)d of %(num)d modules",
                                    total, done=done))
        if facts.mentoring_attended < self.min_mentoring_sessions:
            missing.append(ngettext("attended %(attended)d of %(num)d mentoring session",
                                    "attended %(attended)d of %(num)d mentoring sessions", self.min_mentoring_sessions,
                                    attended=facts.mentoring_attended))
        if self.requires_assessment and not facts.assessment_passed:
            missing.append(_("has not passed the assessment") if facts.assessment_passed is False
                           else _("no assessment result yet"))
        return missing

    def criteria(self) -> str:
        """The rule in a sentence, for certificates and credentials."""
        return ngettext("At least %(percent)d%% attendance; modules completed; %(num)d mentoring session.",
                        "At least %(percent)d%% attendance; modules completed; %(num)d mentoring sessions.",
                        self.min_mentoring_sessions, percent=self.min_attendance_percent)


def _is_optional(name: str) -> bool:
    return next(knob.is_optional for knob in CertificationRule.knobs() if knob.name == name)


# What a learning set authored in the browser starts with.
NEW_RULE = CertificationRule(min_attendance_percent=80, require_all_modules=True)
