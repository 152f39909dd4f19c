"""What a report covers: the viewer's scope (whose records they may see) and the filters they chose."""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from learnhub.errors import NotAllowed, NotFound
from learnhub.i18n import _, to_reader_script
from learnhub.people.models import Role, User


class ScopeKind(StrEnum):
    INSTITUTE = "institute"
    ORGANISATION = "organisation"
    TRAINER = "trainer"
    MENTOR = "mentor"


@dataclass(frozen=True)
class ReportScope:
    kind: ScopeKind
    subject_id: int  # the organisation for ORGANISATION, the viewer for TRAINER and MENTOR, 0 for INSTITUTE
    label: str

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.subject_id}" if self.kind is ScopeKind.ORGANISATION else self.kind.value

    @property
    def shows_mentoring(self) -> bool:
        return self.kind is not ScopeKind.TRAINER


@dataclass(frozen=True)
class ReportFilter:
    since: date | None = None
    until: date | None = None
    municipality_id: int | None = None
    service_type: str | None = None
    learning_set_id: int | None = None
    programme_id: int | None = None
    organisation_id: int | None = None


def available_scopes(user: User) -> list[ReportScope]:
    """Institute admins see everything; org admins their organisations; trainers their cohorts;
    mentors their programmes. A person with several of these picks one at a time."""
    scopes = []
    if user.has_role(Role.INSTITUTE_ADMIN):
        scopes.append(ReportScope(ScopeKind.INSTITUTE, 0, _("The whole institute")))
    scopes += [ReportScope(ScopeKind.ORGANISATION, m.organisation_id, to_reader_script(m.organisation.name))
               for m in user.memberships if m.is_org_admin]
    if user.has_role(Role.TRAINER):
        scopes.append(ReportScope(ScopeKind.TRAINER, user.id, _("My cohorts")))
    if user.has_role(Role.MENTOR):
        scopes.append(ReportScope(ScopeKind.MENTOR, user.id, _("My mentoring programmes")))
    return scopes


def scope_for(user: User, key: str | None) -> tuple[ReportScope, list[ReportScope]]:
    """The scope the viewer asked for (the first one they have when they did not say)."""
    scopes = available_scopes(user)
    if not scopes:
        raise NotAllowed(_("Reports are for institute admins, organisation admins, trainers and mentors."))
    if not key:
        return scopes[0], scopes
    for scope in scopes:
        if scope.key == key:
            return scope, scopes
    raise NotFound(_("We could not find that report."))
