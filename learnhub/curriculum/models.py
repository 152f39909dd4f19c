from datetime import datetime

from flask_babel import LazyString, get_locale
from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnhub.curriculum.certification_rule import CertificationRule
from learnhub.enums import LabelledEnum, stored_as_value
from learnhub.extensions import Model
from learnhub.i18n import _l
from learnhub.people.models import ServiceType, User
from learnhub.timeutil import utcnow

# Languages authored in files and the editor; sr_Cyrl is always derived from sr_Latn.
AUTHORED_LANGUAGES = ("en", "sr_Latn", "bs")


class VersionState(LabelledEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"

    __labels__ = {DRAFT: _l("Draft"), PUBLISHED: _l("Published"), ARCHIVED: _l("Archived")}


class Audience(LabelledEnum):
    PROFESSIONAL = "professional"
    FAMILY_MEMBER = "family_member"
    LIVED_EXPERIENCE = "lived_experience"

    __labels__ = {PROFESSIONAL: _l("Professional"), FAMILY_MEMBER: _l("Family member"),
                  LIVED_EXPERIENCE: _l("Person with lived experience")}


# Where a reader's language is missing, the text shown instead, in this order (sr_Cyrl readers get the
# Serbian Latin text, transliterated when it is shown). The one place this order is stated.
FALLBACKS = {
    "en": ("en", "sr_Latn", "bs"),
    "sr_Latn": ("sr_Latn", "bs", "en"),
    "sr_Cyrl": ("sr_Latn", "bs", "en"),
    "bs": ("bs", "sr_Latn", "en"),
}


def shown_language(texts: dict | None, locale: str | None = None) -> str | None:
    """The language of `texts` shown to a reader of `locale` (the current one unless given)."""
    locale = locale or str(get_locale())
    return next((candidate for candidate in FALLBACKS.get(locale, FALLBACKS["en"]) if (texts or {}).get(candidate)),
                next(iter(texts or {}), None))


def pick_language(texts: dict[str, str] | None) -> str:
    """The text for the reader's language, or the nearest one there is (FALLBACKS)."""
    language = shown_language(texts)
    return texts[language] if texts and language else ""


class Titled:
    """Something whose `title` is a text per language: `display_title` is the reader's."""

    title: dict[str, str]

    @property
    def display_title(self) -> str:
        return pick_language(self.title)

    @property
    def lazy_title(self) -> LazyString:
        """The title chosen when it is shown: for text worded in someone else's language (a mail subject)."""
        return LazyString(pick_language, self.title)


class LearningSet(Model):
    """The identity of a learning set across its versions."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    versions: Mapped[list["LearningSetVersion"]] = relationship(
        back_populates="learning_set", order_by="LearningSetVersion.number"
    )


class LearningSetVersion(Titled, Model):
    """One version of a learning set. Published versions are never changed; editing makes a new draft."""

    __table_args__ = (UniqueConstraint("learning_set_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    learning_set_id: Mapped[int] = mapped_column(ForeignKey("learning_set.id"), index=True)
    number: Mapped[int]
    state: Mapped[VersionState] = mapped_column(stored_as_value(VersionState, 12), default=VersionState.DRAFT,
                                                index=True)
    title: Mapped[dict] = mapped_column(JSON)  # language -> text
    summary: Mapped[dict] = mapped_column(JSON)
    audience: Mapped[list] = mapped_column(JSON, default=list)
    hours: Mapped[int] = mapped_column(default=0)
    cpd_points: Mapped[int] = mapped_column(default=0)
    certification: Mapped[dict] = mapped_column(JSON, default=dict)  # read it as `rule`
    source_digest: Mapped[str | None] = mapped_column(String(64))  # of the files it was imported from
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_by: Mapped[User | None] = relationship()

    learning_set: Mapped[LearningSet] = relationship(back_populates="versions", lazy="joined")
    modules: Mapped[list["Module"]] = relationship(
        back_populates="version", order_by="Module.position", cascade="all, delete-orphan"
    )
    service_types: Mapped[list["VersionServiceType"]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    languages: Mapped[list["VersionLanguage"]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def slug(self) -> str:
        return self.learning_set.slug

    @property
    def rule(self) -> CertificationRule:
        return CertificationRule.from_mapping(self.certification)

    @property
    def display_summary(self) -> str:
        return pick_language(self.summary)

    @property
    def is_editable(self) -> bool:
        return self.state == VersionState.DRAFT

    @property
    def service_type_values(self) -> list[ServiceType]:
        return [s.service_type for s in self.service_types]

    @property
    def language_codes(self) -> list[str]:
        return [language.language for language in self.languages]


class VersionServiceType(Model):
    version_id: Mapped[int] = mapped_column(ForeignKey("learning_set_version.id", ondelete="CASCADE"),
                                            primary_key=True)
    service_type: Mapped[ServiceType] = mapped_column(stored_as_value(ServiceType, 40), primary_key=True, index=True)


class VersionLanguage(Model):
    """Languages a learning set can be delivered in."""

    version_id: Mapped[int] = mapped_column(ForeignKey("learning_set_version.id", ondelete="CASCADE"),
                                            primary_key=True)
    language: Mapped[str] = mapped_column(String(10), primary_key=True, index=True)


class Module(Titled, Model):
    __table_args__ = (UniqueConstraint("version_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("learning_set_version.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(80))  # the file name without .md
    position: Mapped[int]
    title: Mapped[dict] = mapped_column(JSON)
    duration_minutes: Mapped[int] = mapped_column(default=60)
    is_required: Mapped[bool] = mapped_column(default=True)
    outcomes: Mapped[dict] = mapped_column(JSON, default=dict)  # language -> list of outcomes
    body: Mapped[dict] = mapped_column(JSON)  # language -> Markdown

    version: Mapped[LearningSetVersion] = relationship(back_populates="modules")

    @property
    def display_body(self) -> str:
        return pick_language(self.body)

    @property
    def body_language(self) -> str | None:
        """The language the reader is shown the body in (their own unless it is missing)."""
        return shown_language(self.body)

    @property
    def written_languages(self) -> list[str]:
        """The authored languages the module has both its text and its outcomes in."""
        return [lang for lang in AUTHORED_LANGUAGES if self.body.get(lang) and self.outcomes.get(lang)]

    @property
    def is_in_readers_language(self) -> bool:
        return self.body_language == FALLBACKS.get(str(get_locale()), FALLBACKS["en"])[0]

    @property
    def display_outcomes(self) -> list[str]:
        language = shown_language(self.outcomes)
        return list(self.outcomes[language]) if language else []


class ModuleProgress(Model):
    """A learner marked a module complete. Kept across re-imports: modules of old versions stay."""

    __table_args__ = (UniqueConstraint("user_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("module.id", ondelete="CASCADE"), index=True)
    completed_at: Mapped[datetime] = mapped_column(default=utcnow)
