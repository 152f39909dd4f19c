"""A published learning set written back as files, in the format `files.py` reads: browser edits and
files can then be brought together (export, edit, import) without one overwriting the other."""

from pathlib import Path

import yaml

from learnhub.curriculum.files import SET_FILE, TRANSLATED_LANGUAGES
from learnhub.curriculum.models import AUTHORED_LANGUAGES, LearningSetVersion, Module


def _yaml(data: dict) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1_000_000)


def _authored(texts: dict[str, str]) -> dict[str, str]:
    return {lang: texts[lang] for lang in AUTHORED_LANGUAGES if texts.get(lang)}


def learning_set_yaml(version: LearningSetVersion) -> str:
    return _yaml({
        "slug": version.slug, "title": _authored(version.title), "summary": _authored(version.summary),
        "audience": list(version.audience), "service_types": sorted(str(s) for s in version.service_type_values),
        "languages": sorted(version.language_codes), "hours": version.hours, "cpd_points": version.cpd_points,
        "certification": version.rule.to_mapping(),
    })


def module_files(module: Module) -> dict[str, str]:
    """File name -> text: the English module and one file per translated body."""
    front = {"title": _authored(module.title), "order": module.position, "duration_minutes": module.duration_minutes,
             "required": module.is_required, "outcomes": list(module.outcomes.get("en", []))}
    files = {f"{module.slug}.md": f"---\n{_yaml(front)}---\n{module.body.get('en', '')}\n"}
    for lang in TRANSLATED_LANGUAGES:
        if module.body.get(lang):
            translated = _yaml({"outcomes": list(module.outcomes.get(lang, []))})
            files[f"{module.slug}.{lang}.md"] = f"---\n{translated}---\n{module.body[lang]}\n"
    return files


def export_version(version: LearningSetVersion, root: Path) -> Path:
    """Write `version` to `root/<slug>/`, replacing the module files there; the folder."""
    folder = root / version.slug
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.md"):
        old.unlink()
    (folder / SET_FILE).write_text(learning_set_yaml(version), encoding="utf-8")
    for module in version.modules:
        for name, text in module_files(module).items():
            (folder / name).write_text(text, encoding="utf-8")
    return folder
