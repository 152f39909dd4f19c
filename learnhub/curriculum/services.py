"""Publishing rules for learning sets, and what learners completed."""

import re
from collections.abc import Iterable
from typing import Protocol

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import lazyload, selectinload

from learnhub.curriculum.certification_rule import NEW_RULE, CertificationRule
from learnhub.curriculum.models import (
    AUTHORED_LANGUAGES,
    LearningSet,
    LearningSetVersion,
    Module,
    ModuleProgress,
    VersionLanguage,
    VersionServiceType,
    VersionState,
)
from learnhub.errors import Conflict, InvalidInput, NotFound, get_or_404
from learnhub.extensions import db
from learnhub.i18n import LANGUAGES, _, to_reader_script
from learnhub.locking import locked
from learnhub.people.models import ServiceType, User
from learnhub.timeutil import utcnow

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


# --- reading ------------------------------------------------------------------------------

def latest_version(learning_set_id: int) -> LearningSetVersion | None:
    return db.session.scalar(
        select(LearningSetVersion)
        .where(LearningSetVersion.learning_set_id == learning_set_id)
        .order_by(LearningSetVersion.number.desc())
        .limit(1)
    )


def published_version(slug: str) -> LearningSetVersion:
    """The version the public sees; unknown and archived learning sets are 404."""
    version = db.session.scalar(
        select(LearningSetVersion)
        .join(LearningSet)
        .where(LearningSet.slug == slug, LearningSetVersion.state == VersionState.PUBLISHED)
        .options(selectinload(LearningSetVersion.modules).defer(Module.body))  # an outline: titles, not texts
    )
    if version is None:
        raise NotFound(_("We could not find that learning set."))
    return version


def get_version(version_id: int) -> LearningSetVersion:
    return get_or_404(LearningSetVersion, version_id, _("We could not find that learning set."))


def module_of(version: LearningSetVersion, module_slug: str) -> Module:
    for module in version.modules:
        if module.slug == module_slug:
            return module
    raise NotFound(_("We could not find that module."))


def _newest_versions() -> Select:
    """The newest version of every learning set (drafts included), by slug; only what lists show."""
    newest = (
        select(LearningSetVersion.learning_set_id, func.max(LearningSetVersion.number).label("number"))
        .group_by(LearningSetVersion.learning_set_id)
        .subquery()
    )
    return (select(LearningSetVersion)
            .join(newest, and_(LearningSetVersion.learning_set_id == newest.c.learning_set_id,
                               LearningSetVersion.number == newest.c.number))
            .join(LearningSet)
            .order_by(LearningSet.slug)
            .options(lazyload(LearningSetVersion.service_types), lazyload(LearningSetVersion.languages)))


def all_versions_for_trainers() -> list[LearningSetVersion]:
    """Every learning set's newest version, for choosing one in a form."""
    return list(db.session.scalars(_newest_versions()))


def authoring_page(page: int, per_page: int) -> Pagination:
    """The trainers' curriculum list, a page at a time: an institute may keep hundreds of learning sets."""
    return db.paginate(_newest_versions(), page=page, per_page=per_page, error_out=False)


# --- authoring ----------------------------------------------------------------------------

def _texts(values: dict[str, str]) -> dict[str, str]:
    return {lang: (values.get(lang) or "").strip() for lang in AUTHORED_LANGUAGES if (values.get(lang) or "").strip()}


def _check_version_fields(title: dict, summary: dict, service_types: list[str], languages: list[str],
                          hours: int, cpd_points: int) -> None:
    if not title.get("en") or not title.get("sr_Latn"):
        raise InvalidInput(_("Please give the title in English and in Serbian (Latin script)."))
    if any(len(text) > 200 for text in title.values()):
        raise InvalidInput(_("Titles can be at most 200 characters long."))
    if not summary.get("en"):
        raise InvalidInput(_("Please write a short summary in English."))
    if not service_types or any(s not in ServiceType._value2member_map_ for s in service_types):
        raise InvalidInput(_("Please choose at least one service type from the list."))
    if any(lang not in LANGUAGES for lang in languages):
        raise InvalidInput(_("Please choose languages from the list."))
    if not 0 < hours <= 1000 or not 0 <= cpd_points <= 1000:
        raise InvalidInput(_("Hours must be between 1 and 1000 and CPD points between 0 and 1000."))


def create_learning_set(actor: User, slug: str, title: dict, summary: dict, service_types: list[str],
                        languages: list[str], hours: int, cpd_points: int,
                        rule: CertificationRule = NEW_RULE) -> LearningSetVersion:
    slug = slug.strip().lower()
    if not SLUG.match(slug) or len(slug) > 80:
        raise InvalidInput(_("The short name may contain only lower-case letters, digits and dashes."))
    title, summary = _texts(title), _texts(summary)
    _check_version_fields(title, summary, service_types, languages, hours, cpd_points)
    if db.session.scalar(select(LearningSet.id).where(LearningSet.slug == slug)):
        raise Conflict(_("A learning set with this short name already exists."))
    learning_set = LearningSet(slug=slug)
    version = LearningSetVersion(
        learning_set=learning_set, number=1, state=VersionState.DRAFT, title=title, summary=summary,
        audience=["professional"], hours=hours, cpd_points=cpd_points, created_by_id=actor.id,
        certification=rule.checked().to_mapping(),
        service_types=[VersionServiceType(service_type=s) for s in sorted(set(service_types))],
        languages=[VersionLanguage(language=lang) for lang in sorted(set(languages))],
    )
    db.session.add(version)
    db.session.flush()
    return version


def _require_draft(version: LearningSetVersion) -> None:
    """Refuse changes to a version that is no longer a draft. The version is read afresh and locked until
    the change commits, so a publication at the same moment either waits for the change or refuses it:
    learners never see a published version change under them."""
    if not locked(LearningSetVersion, version.id).is_editable:
        raise Conflict(_("Published versions cannot be changed. Start a new draft to edit."))


def update_draft(version: LearningSetVersion, title: dict, summary: dict, service_types: list[str],
                 languages: list[str], hours: int, cpd_points: int, rule: CertificationRule | None = None) -> None:
    _require_draft(version)
    title, summary = _texts(title), _texts(summary)
    _check_version_fields(title, summary, service_types, languages, hours, cpd_points)
    version.title, version.summary, version.hours, version.cpd_points = title, summary, hours, cpd_points
    if rule is not None:
        version.certification = rule.checked().to_mapping()
    version.service_types = [VersionServiceType(service_type=s) for s in sorted(set(service_types))]
    version.languages = [VersionLanguage(language=lang) for lang in sorted(set(languages))]
    db.session.flush()


def start_new_draft(actor: User, learning_set_id: int) -> LearningSetVersion:
    """A draft copy of the newest version; if a draft already exists, that one."""
    current = latest_version(learning_set_id)
    if current is None:
        raise NotFound(_("We could not find that learning set."))
    if current.is_editable:
        return current
    draft = LearningSetVersion(
        learning_set_id=learning_set_id, number=current.number + 1, state=VersionState.DRAFT,
        title=dict(current.title), summary=dict(current.summary), audience=list(current.audience),
        hours=current.hours, cpd_points=current.cpd_points, certification=current.rule.to_mapping(),
        created_by_id=actor.id,
        service_types=[VersionServiceType(service_type=s.service_type) for s in current.service_types],
        languages=[VersionLanguage(language=lang.language) for lang in current.languages],
        modules=[
            Module(slug=m.slug, position=m.position, title=dict(m.title), duration_minutes=m.duration_minutes,
                   is_required=m.is_required, outcomes=dict(m.outcomes), body=dict(m.body))
            for m in current.modules
        ],
    )
    db.session.add(draft)
    db.session.flush()
    return draft


def save_module(version: LearningSetVersion, module_id: int | None, title: dict, body: dict,
                outcomes: dict[str, list[str]], duration_minutes: int, is_required: bool) -> Module:
    _require_draft(version)
    title, body = _texts(title), _texts(body)
    outcomes = {lang: kept for lang, lines in outcomes.items() if (kept := [o.strip() for o in lines if o.strip()])}
    if not title.get("en"):
        raise InvalidInput(_("Please give the module a title in English."))
    if not body:
        raise InvalidInput(_("Please write the module's content."))
    if not 0 < duration_minutes <= 24 * 60:
        raise InvalidInput(_("The duration must be between 1 minute and 24 hours."))
    if module_id is None:
        position = max((m.position for m in version.modules), default=0) + 1
        slug = f"{position:02d}-" + (re.sub(r"[^a-z0-9]+", "-", title["en"].lower()).strip("-")[:60] or "module")
        module = Module(version=version, slug=slug, position=position, title=title, body=body,
                        outcomes=outcomes, duration_minutes=duration_minutes, is_required=is_required)
        db.session.add(module)
    else:
        found = next((m for m in version.modules if m.id == module_id), None)
        if found is None:
            raise NotFound(_("We could not find that module."))
        module = found
        module.title, module.body, module.outcomes = title, body, outcomes
        module.duration_minutes, module.is_required = duration_minutes, is_required
    db.session.flush()
    return module


class Translatable(Protocol):
    @property
    def slug(self) -> str: ...
    @property
    def body(self) -> dict[str, str]: ...
    @property
    def outcomes(self) -> dict[str, list[str]]: ...


def missing_translations(languages: Iterable[str], modules: Iterable[Translatable]) -> list[tuple[str, str]]:
    """(module slug, language) for each declared language a module has no body or outcomes in: a learning set
    claims only the languages it really has. Cyrillic is derived from Serbian Latin, so it needs that."""
    missing = []
    for module in modules:
        for language in dict.fromkeys("sr_Latn" if lang == "sr_Cyrl" else lang for lang in languages):
            if not module.body.get(language) or not module.outcomes.get(language):
                missing.append((module.slug, language))
    return missing


def publish(version: LearningSetVersion) -> None:
    """Draft → published; the previously published version of the set is archived."""
    _require_draft(version)
    if not version.modules:
        raise InvalidInput(_("Add at least one module before publishing."))
    if missing := missing_translations(version.language_codes, version.modules):
        titles = {m.slug: m.display_title for m in version.modules}
        slug, language = missing[0]
        raise InvalidInput(_("The module “%(module)s” has no text or learning outcomes in %(language)s, which this "
                             "learning set lists among its languages. Add them, or take the language off the "
                             "learning set's details.", module=to_reader_script(titles[slug]),
                             language=LANGUAGES[language]))
    for other in db.session.scalars(select(LearningSetVersion).where(
            LearningSetVersion.learning_set_id == version.learning_set_id,
            LearningSetVersion.state == VersionState.PUBLISHED)):
        other.state = VersionState.ARCHIVED
    version.state = VersionState.PUBLISHED
    version.published_at = utcnow()
    db.session.flush()


def archive(version: LearningSetVersion) -> None:
    if locked(LearningSetVersion, version.id).state != VersionState.PUBLISHED:
        raise Conflict(_("Only a published learning set can be archived."))
    version.state = VersionState.ARCHIVED
    db.session.flush()


# --- progress --------------------------------------------------------------------------------

def completed_module_ids(user: User, version_ids: list[int]) -> set[int]:
    if not version_ids:
        return set()
    return set(db.session.scalars(
        select(ModuleProgress.module_id).join(Module).where(
            ModuleProgress.user_id == user.id, Module.version_id.in_(version_ids))
    ))
