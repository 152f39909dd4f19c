"""Learning sets kept as files: `<root>/<slug>/learning-set.yaml` plus `NN-name.md` modules.

`validate_tree` lists every problem with its file and line, for trainers to fix;
`import_tree` turns each changed folder into a new published version.
"""

import hashlib
import re
from collections.abc import Collection
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import yaml
from sqlalchemy import select

from learnhub.curriculum.certification_rule import CertificationRule
from learnhub.curriculum.models import (
    AUTHORED_LANGUAGES,
    Audience,
    LearningSet,
    LearningSetVersion,
    Module,
    VersionLanguage,
    VersionServiceType,
    VersionState,
)
from learnhub.curriculum.services import SLUG, latest_version, missing_translations, publish
from learnhub.errors import InvalidInput
from learnhub.extensions import db
from learnhub.i18n import LANGUAGES, _, _l, latin_to_cyrillic, ngettext
from learnhub.people.models import ServiceType, User

SET_FILE = "learning-set.yaml"
MODULE_FILE = re.compile(r"^(?P<slug>(?P<order>\d{2,})-[a-z0-9]+(?:-[a-z0-9]+)*)(?:\.(?P<language>\w+))?\.md$")
TRANSLATED_LANGUAGES = ("sr_Latn", "bs")  # a module's plain file is English
FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<yaml>.*?)^---[ \t]*$\n?", re.DOTALL | re.MULTILINE)
# Inline links `[text](target)` and reference definitions `[label]: target`, one line at a time.
LINK = re.compile(r"\]\(\s*<?(?P<inline>[^)\s>]+)|^ {0,3}\[[^\]]+\]:\s*<?(?P<reference>[^\s>]+)")
SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):", re.IGNORECASE)
SAFE_SCHEMES = ("http", "https", "mailto")  # the ones render_markdown keeps

UNKNOWN_AUDIENCE = _l("unknown audience '%(value)s'")
UNKNOWN_SERVICE_TYPE = _l("unknown service type '%(value)s'")
UNKNOWN_LANGUAGE = _l("unknown language '%(value)s'")


@dataclass(frozen=True, order=True)
class Problem:
    """Something to fix in a file; line 0 means the file or folder as a whole."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.message}"


class CurriculumInvalid(InvalidInput):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(ngettext("The curriculum files have %(num)s problem.",
                                  "The curriculum files have %(num)s problems.", len(problems)))
        self.problems = problems


@dataclass(frozen=True)
class ModuleSource:
    """Field names are Module's columns."""

    slug: str
    position: int
    title: dict[str, str]
    duration_minutes: int
    is_required: bool
    outcomes: dict[str, list[str]]  # language -> outcomes, like the body
    body: dict[str, str]


@dataclass(frozen=True)
class LearningSetSource:
    slug: str
    title: dict[str, str]
    summary: dict[str, str]
    audience: list[str]
    service_types: list[str]
    languages: list[str]
    hours: int
    cpd_points: int
    certification: CertificationRule
    modules: list[ModuleSource]
    digest: str  # sha256 of the folder's files, to skip unchanged sets on import


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: dict[str, int] = field(default_factory=dict)  # slug -> number of the new version
    unchanged: list[str] = field(default_factory=list)
    # slug -> the version a trainer published in the browser, which the files would have replaced
    skipped: dict[str, LearningSetVersion] = field(default_factory=dict)


# --- reading and validating --------------------------------------------------------------------------

def validate_tree(root: Path) -> list[Problem]:
    return _read_tree(root)[1]


def load_tree(root: Path) -> list[LearningSetSource]:
    sources, problems = _read_tree(root)
    if problems:
        raise CurriculumInvalid(problems)
    return sources


def _read_tree(root: Path) -> tuple[list[LearningSetSource], list[Problem]]:
    if not root.is_dir():
        return [], [Problem(root, 0, _("this folder does not exist"))]
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not folders:
        return [], [Problem(root, 0, _("there are no learning set folders here"))]
    problems: list[Problem] = []
    slugs: dict[str, Path] = {}
    sources = [_read_learning_set(folder, slugs, problems) for folder in folders]
    return [s for s in sources if s is not None], sorted(problems)


def _read_learning_set(folder: Path, slugs: dict[str, Path], problems: list[Problem]) -> LearningSetSource | None:
    """The folder's learning set, or None when it has problems (added to `problems`)."""
    before = len(problems)
    files = {path: path.read_bytes() for path in sorted(folder.iterdir())
             if path.is_file() and (path.name == SET_FILE or path.suffix == ".md")}
    texts = {path: _decode(path, data, problems) for path, data in files.items()}
    set_path = folder / SET_FILE
    fields = None
    if set_path not in files:
        problems.append(Problem(set_path, 0, _("this file is missing: every learning set folder needs one")))
    elif (text := texts[set_path]) is not None:
        fields = _parse_yaml(set_path, text, 1, problems)
    values = _learning_set_values(fields, slugs) if fields else None
    modules = _read_modules(folder, {p: t for p, t in texts.items() if p.suffix == ".md"}, problems)
    if fields and values is not None and values["languages"] and len(problems) == before:
        for slug, language in missing_translations(values["languages"], modules):
            suffix = "" if language == "en" else f".{language}"
            fields.report(_("languages lists %(language)s, but %(module)s has no text or outcomes in it: write "
                            "%(file)s", language=language, module=f"{slug}.md", file=f"{slug}{suffix}.md"),
                          "languages")
    if values is None or len(problems) > before:
        return None
    digest = hashlib.sha256()
    for path, data in files.items():
        digest.update(f"{path.relative_to(folder).as_posix()}\0{len(data)}\0".encode() + data)
    return LearningSetSource(**values, modules=modules, digest=digest.hexdigest())


def _learning_set_values(fields: "_Fields", slugs: dict[str, Path]) -> dict[str, Any]:
    slug = fields.value("slug", str, _("slug must be text"))
    if slug is not None:
        folder_name = fields.path.parent.name
        if not SLUG.match(slug):
            fields.report(_("slug may contain only lower-case letters, digits and dashes"), "slug")
        elif slug != folder_name:
            fields.report(_("slug '%(slug)s' must be the same as the folder name '%(folder)s'",
                            slug=slug, folder=folder_name), "slug")
        if slug in slugs:
            fields.report(_("slug '%(slug)s' is also used in %(other)s", slug=slug, other=slugs[slug]), "slug")
        slugs.setdefault(slug, fields.path)
    certification = fields.mapping("certification")
    values = {
        "slug": slug,
        "title": fields.texts("title"),
        "summary": fields.texts("summary"),
        "audience": fields.choices("audience", [a.value for a in Audience], UNKNOWN_AUDIENCE),
        "service_types": fields.choices("service_types", [s.value for s in ServiceType], UNKNOWN_SERVICE_TYPE),
        "languages": fields.choices("languages", list(LANGUAGES), UNKNOWN_LANGUAGE),
        "hours": fields.integer("hours", 1),
        "cpd_points": fields.integer("cpd_points", 0),
        "certification": certification and _certification_rule(certification),
    }
    fields.reject_unknown_keys(values)
    return values


def _certification_rule(fields: "_Fields") -> CertificationRule | None:
    values: dict[str, Any] = {}
    for knob in CertificationRule.knobs():
        if knob.is_optional and knob.name not in fields.data:
            continue
        values[knob.name] = (fields.boolean(knob.name) if knob.kind is bool
                             else fields.integer(knob.name, knob.minimum, knob.maximum, nullable=knob.is_nullable))
    fields.reject_unknown_keys([knob.name for knob in CertificationRule.knobs()])
    # A value with a problem is None and the problem is reported: the set is refused, the rule never used.
    return CertificationRule.from_mapping(values)


def _read_modules(folder: Path, texts: dict[Path, str | None], problems: list[Problem]) -> list[ModuleSource]:
    """The modules of one folder; `texts` holds None for files that could not be decoded (already reported)."""
    matches: dict[Path, re.Match] = {}
    for path in texts:
        match = MODULE_FILE.match(path.name)
        if match is None:
            problems.append(Problem(path, 0, _("module files are named like 01-first-steps.md "
                                               "(number, dash, lower-case words joined by dashes)")))
        elif match["language"] not in (None, *TRANSLATED_LANGUAGES):
            problems.append(Problem(path, 0, _("unknown language '%(language)s' in the file name: translations "
                                               "are named like 01-name.sr_Latn.md or 01-name.bs.md",
                                               language=match["language"])))
        else:
            matches[path] = match
    module_names = {path.name for path, match in matches.items() if not match["language"]}
    if not module_names:
        problems.append(Problem(folder, 0, _("there are no module files (01-name.md, 02-name.md, …) in this folder")))

    values: dict[str, dict[str, Any]] = {}
    bodies: dict[str, dict[str, str]] = {}
    outcomes: dict[str, dict[str, list[str]]] = {}
    orders: dict[int, Path] = {}
    for path, match in matches.items():
        if match["language"]:
            continue
        slug, order = match["slug"], int(match["order"])
        module_file = _read_module_file(path, texts[path], module_names, problems)
        if order in orders:
            problems.append(Problem(path, module_file.fields.line("order") if module_file else 0, _(
                "order %(order)s is also used by %(other)s", order=order, other=orders[order].name)))
        orders.setdefault(order, path)
        if module_file:
            bodies[slug] = {"en": module_file.body}
            values[slug] = _module_values(module_file.fields, order)
            outcomes[slug] = {"en": values[slug]["outcomes"]}
    for path, match in matches.items():
        if not match["language"]:
            continue
        slug = match["slug"]
        if f"{slug}.md" not in module_names:
            problems.append(Problem(path, 0, _("this translation has no English module file %(name)s",
                                               name=f"{slug}.md")))
            continue
        module_file = _read_module_file(path, texts[path], module_names, problems)
        if module_file and slug in values:
            # A translation's front matter holds only what is translated there: its outcomes.
            translated = module_file.fields.strings("outcomes")
            module_file.fields.reject_unknown_keys(["outcomes"])
            english = values[slug]["outcomes"]
            if translated and english and len(translated) != len(english):
                module_file.fields.report(_("outcomes: %(name)s has %(english)s, this translation %(count)s",
                                            name=f"{slug}.md", english=len(english), count=len(translated)),
                                          "outcomes")
            bodies[slug][match["language"]] = module_file.body
            outcomes[slug][match["language"]] = translated or []
    for order in range(1, max(orders, default=0) + 1):
        if order not in orders:
            problems.append(Problem(folder, 0, _("there is no module number %(order)s: number modules 1, 2, 3 … "
                                                 "without gaps", order=order)))
    return [
        ModuleSource(slug=slug, position=v["order"], title=v["title"], duration_minutes=v["duration_minutes"],
                     is_required=v["required"], outcomes=outcomes[slug], body=bodies[slug])
        for slug, v in values.items()
    ]


class _ModuleFile(NamedTuple):
    fields: "_Fields"  # the front matter
    body: str


def _module_values(fields: "_Fields", file_order: int) -> dict[str, Any]:
    values = {
        "title": fields.texts("title"),
        "order": fields.integer("order", 1),
        "duration_minutes": fields.integer("duration_minutes", 1),
        "required": fields.boolean("required"),
        "outcomes": fields.strings("outcomes"),
    }
    fields.reject_unknown_keys(values)
    if values["order"] is not None and values["order"] != file_order:
        fields.report(_("order is %(order)s but the file name starts with %(number)s",
                        order=values["order"], number=file_order), "order")
    return values


def _read_module_file(path: Path, text: str | None, module_names: Collection[str],
                      problems: list[Problem]) -> "_ModuleFile | None":
    """The front matter and the Markdown body; broken links in the body are reported."""
    if text is None:  # not UTF-8, reported already
        return None
    match = FRONT_MATTER.match(text)
    if match is None:
        problems.append(Problem(path, 1, _("the file must start with front matter between two '---' lines")))
        return None
    body = text[match.end():]
    body_line = text.count("\n", 0, match.end()) + 1
    if not body.strip():
        problems.append(Problem(path, body_line, _("the module has no text after the front matter")))
    _check_links(path, body, body_line, module_names, problems)
    fields = _parse_yaml(path, match["yaml"], 2, problems)
    return None if fields is None else _ModuleFile(fields, body.strip())


def _check_links(path: Path, body: str, first_line: int, module_names: Collection[str],
                 problems: list[Problem]) -> None:
    for number, line in enumerate(body.split("\n"), start=first_line):
        for match in LINK.finditer(line):
            target = match["inline"] or match["reference"]
            scheme = SCHEME.match(target)
            file_name = target.partition("#")[0].removeprefix("./")
            if scheme and scheme[1].lower() not in SAFE_SCHEMES:
                problems.append(Problem(path, number, _("the link to '%(target)s' is not allowed: use http, https "
                                                        "or mailto links", target=target)))
            elif not scheme and file_name.endswith(".md") and file_name not in module_names:
                problems.append(Problem(path, number, _("the link to '%(target)s' points to no module file in this "
                                                        "folder", target=target)))


def _decode(path: Path, data: bytes, problems: list[Problem]) -> str | None:
    try:
        return data.decode("utf-8").replace("\r\n", "\n")
    except UnicodeDecodeError as error:
        problems.append(Problem(path, data.count(b"\n", 0, error.start) + 1, _("this file is not UTF-8 text")))
        return None


def _parse_yaml(path: Path, text: str, first_line: int, problems: list[Problem]) -> "_Fields | None":
    """A YAML mapping with the file line of every key; `first_line` is where the YAML starts in the file."""
    try:
        # Aliases could repeat one node exponentially (a "billion laughs" file); curricula never need them.
        alias = next((e for e in yaml.parse(text, Loader=yaml.SafeLoader)
                      if isinstance(e, yaml.AliasEvent) or getattr(e, "anchor", None)), None)
        if alias is not None:
            line = alias.start_mark.line if alias.start_mark else 0
            problems.append(Problem(path, first_line + line, _(
                "YAML anchors and aliases (& and *) are not supported here; please write the values out")))
            return None
        node, data = yaml.compose(text, Loader=yaml.SafeLoader), yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problems.append(Problem(path, first_line + (mark.line if mark else 0), _(
            "this is not valid YAML: %(error)s", error=getattr(error, "problem", None) or error)))
        return None
    if not isinstance(data, dict):
        problems.append(Problem(path, first_line, _("expected keys with values, like 'title:'")))
        return None
    return _Fields(path, data, {(): 1, **_key_lines(node, first_line)}, problems)


def _key_lines(node: yaml.Node | None, first_line: int, path: tuple = ()) -> dict[tuple, int]:
    """The file line of each key (('certification', 'validity_months')) and list item (('audience', 0))."""
    lines: dict[tuple, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            lines[path + (key.value,)] = first_line + key.start_mark.line
            lines.update(_key_lines(value, first_line, path + (key.value,)))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[path + (index,)] = first_line + item.start_mark.line
            lines.update(_key_lines(item, first_line, path + (index,)))
    return lines


class _Fields:
    """Reads the values of one YAML mapping, reporting each missing or wrong one at its line.

    Readers return None for a value they reported; callers use values only if nothing was reported.
    """

    def __init__(self, path: Path, data: dict, lines: dict[tuple, int], problems: list[Problem],
                 prefix: tuple = ()) -> None:
        self.path, self.data, self.lines, self.problems, self.prefix = path, data, lines, problems, prefix

    def line(self, *keys: object) -> int:
        """The line of the key; a missing key is reported at its parent's (line 1 at the top)."""
        path = self.prefix + keys
        while path not in self.lines:
            path = path[:-1]
        return self.lines[path]

    def name(self, key: str) -> str:
        return ".".join((*self.prefix, key))

    def report(self, message: str, *keys: object) -> None:
        self.problems.append(Problem(self.path, self.line(*keys), message))

    def value(self, key: str, kind: type, message: str) -> Any:
        if key not in self.data:
            self.report(_("%(key)s is missing", key=self.name(key)), key)
            return None
        value = self.data[key]
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
            self.report(message, key)
            return None
        return value

    def integer(self, key: str, minimum: int, maximum: int | None = None, nullable: bool = False) -> int | None:
        if nullable and key in self.data and self.data[key] is None:
            return None
        if maximum is not None:
            message = _("%(key)s must be a whole number from %(minimum)s to %(maximum)s",
                        key=self.name(key), minimum=minimum, maximum=maximum)
        elif nullable:
            message = _("%(key)s must be a whole number of at least %(minimum)s, or null",
                        key=self.name(key), minimum=minimum)
        else:
            message = _("%(key)s must be a whole number of at least %(minimum)s", key=self.name(key), minimum=minimum)
        number = self.value(key, int, message)
        if number is not None and not minimum <= number <= (number if maximum is None else maximum):
            self.report(message, key)
            return None
        return number

    def boolean(self, key: str) -> bool | None:
        return self.value(key, bool, _("%(key)s must be true or false", key=self.name(key)))

    def strings(self, key: str) -> list[str] | None:
        message = _("%(key)s must be a list of one or more texts", key=self.name(key))
        items = self.value(key, list, message)
        if items is not None and not items:
            self.report(message, key)
        for index, item in enumerate(items or []):
            if not isinstance(item, str) or not item.strip():
                self.report(message, key, index)
        return items and [item.strip() for item in items if isinstance(item, str)]

    def choices(self, key: str, allowed: list[str], unknown: str) -> list[str] | None:
        """A non-empty list of allowed values, without repeats."""
        message = _("%(key)s must be a list of one or more values", key=self.name(key))
        items = self.value(key, list, message)
        if items is not None and not items:
            self.report(message, key)
        for index, item in enumerate(items or []):
            if item not in allowed:
                self.report(unknown % {"value": item}, key, index)
        return items and [value for value in allowed if value in items]

    def texts(self, key: str) -> dict[str, str] | None:
        """Text per language: English and Serbian (Latin) required; Cyrillic, if given, must match."""
        texts = self.value(key, dict, _("%(key)s must give the text per language (en, sr_Latn, bs)",
                                        key=self.name(key)))
        if texts is None:
            return None
        for language, text in texts.items():
            if language not in LANGUAGES:
                self.report(UNKNOWN_LANGUAGE % {"value": language}, key, language)
            elif not isinstance(text, str) or not text.strip():
                self.report(_("%(key)s must be text", key=self.name(f"{key}.{language}")), key, language)
        for language in ("en", "sr_Latn"):
            if language not in texts:
                self.report(_("%(key)s needs the text in %(language)s", key=self.name(key), language=language), key)
        cyrillic, latin = texts.get("sr_Cyrl"), texts.get("sr_Latn")
        expected = latin_to_cyrillic(latin.strip()) if isinstance(latin, str) else None
        if isinstance(cyrillic, str) and expected is not None and cyrillic.strip() != expected:
            self.report(_("%(key)s is not the Cyrillic of sr_Latn: remove it (it is derived) or write: %(expected)s",
                          key=self.name(f"{key}.sr_Cyrl"), expected=expected), key, "sr_Cyrl")
        return {lang: text.strip() for lang, text in texts.items()
                if lang in AUTHORED_LANGUAGES and isinstance(text, str)}

    def mapping(self, key: str) -> "_Fields | None":
        data = self.value(key, dict, _("%(key)s must be keys with values", key=self.name(key)))
        return None if data is None else _Fields(self.path, data, self.lines, self.problems, self.prefix + (key,))

    def reject_unknown_keys(self, known: Collection[str]) -> None:
        for key in self.data:
            if key not in known:
                self.report(_("unknown key '%(key)s'", key=self.name(str(key))), key)


# --- importing ------------------------------------------------------------------------------------------

def same_content(source: LearningSetSource, version: LearningSetVersion) -> bool:
    """Whether importing `source` would publish what `version` already holds (e.g. files just exported)."""
    def modules(items) -> list[tuple]:
        return sorted((m.slug, m.position, m.title, m.duration_minutes, m.is_required, m.outcomes, m.body)
                      for m in items)

    return (source.title == version.title and source.summary == version.summary
            and list(source.audience) == list(version.audience) and source.hours == version.hours
            and source.cpd_points == version.cpd_points
            and source.certification == version.rule
            and sorted(source.service_types) == sorted(version.service_type_values)
            and sorted(source.languages) == sorted(version.language_codes)
            and modules(source.modules) == modules(version.modules))


def newest_published(learning_set_id: int) -> LearningSetVersion | None:
    return db.session.scalar(select(LearningSetVersion).where(
        LearningSetVersion.learning_set_id == learning_set_id, LearningSetVersion.state == VersionState.PUBLISHED)
        .order_by(LearningSetVersion.number.desc()).limit(1))


def import_tree(root: Path, *, actor: User | None = None, force: bool = False) -> ImportReport:
    """Publish a new version of every learning set whose files changed; older versions stay as they are.

    Files and the browser are both ways to author, and neither silently replaces the other: a set whose
    published version was made in the browser is skipped (unless `force`) until its files hold that text
    (`flask curriculum export`)."""
    report = ImportReport()
    for source in load_tree(root):
        learning_set = db.session.scalar(select(LearningSet).where(LearningSet.slug == source.slug))
        newest = latest_version(learning_set.id) if learning_set else None
        published = newest_published(learning_set.id) if learning_set else None
        if newest is not None and (newest.source_digest == source.digest or same_content(source, newest)):
            report.unchanged.append(source.slug)
            continue
        if published is not None and published.source_digest is None and not force:
            report.skipped[source.slug] = published
            continue
        version = LearningSetVersion(
            learning_set=learning_set or LearningSet(slug=source.slug),
            number=newest.number + 1 if newest else 1, state=VersionState.DRAFT,
            title=source.title, summary=source.summary, audience=source.audience, hours=source.hours,
            cpd_points=source.cpd_points, certification=source.certification.to_mapping(), source_digest=source.digest,
            created_by_id=actor.id if actor else None,
            service_types=[VersionServiceType(service_type=s) for s in source.service_types],
            languages=[VersionLanguage(language=language) for language in source.languages],
            modules=[Module(**asdict(module)) for module in source.modules],
        )
        db.session.add(version)
        db.session.flush()
        publish(version)  # archives the version published before
        if newest:
            report.updated[source.slug] = version.number
        else:
            report.created.append(source.slug)
    return report
