from pathlib import Path

import pytest
from sqlalchemy import func, select

from learnhub.config import PROJECT_ROOT
from learnhub.curriculum import services
from learnhub.curriculum.files import CurriculumInvalid, Problem, import_tree, load_tree, validate_tree
from learnhub.curriculum.models import LearningSet, LearningSetVersion, Module, ModuleProgress, VersionState
from learnhub.extensions import db
from tests.factories import UserFactory, VersionFactory

SET = "trialogue/learning-set.yaml"
M1 = "trialogue/01-understanding-recovery.md"
M1_SR = "trialogue/01-understanding-recovery.sr_Latn.md"
M2 = "trialogue/02-practice.md"

SET_YAML = """\
slug: trialogue
title:
  en: Trialogue
  sr_Latn: Trijalog
summary:
  en: Talking together as equals.
  sr_Latn: Razgovor na ravnoj nozi.
audience: [professional, family_member]
service_types:
  - mental_health_centre
languages: [en, sr_Latn]
hours: 8
cpd_points: 4
certification:
  min_attendance_percent: 80
  require_all_modules: true
  min_mentoring_sessions: 0
  mentoring_within_months: null
  requires_assessment: false
  validity_months: null
"""
FRONT_1 = """\
---
title:
  en: Understanding recovery
  sr_Latn: Razumevanje oporavka
order: 1
duration_minutes: 90
required: true
outcomes:
  - Explain what recovery means
---
"""
MODULE_1 = FRONT_1 + "Recovery is a journey. Next: [practice](02-practice.md#start).\n"
MODULE_1_SR = "---\noutcomes:\n  - Objasniti šta znači oporavak\n---\nOporavak je put.\n"
MODULE_2 = """\
---
title: {en: Practice, sr_Latn: Praksa}
order: 2
duration_minutes: 60
required: false
outcomes: [Run a meeting]
---
Read [the basics](01-understanding-recovery.md) and [the guide](https://example.org/guide).
"""
M2_SR = "trialogue/02-practice.sr_Latn.md"
MODULE_2_SR = "---\noutcomes: [Voditi sastanak]\n---\nPročitajte [osnove](01-understanding-recovery.md).\n"
VALID_TREE = {SET: SET_YAML, M1: MODULE_1, M1_SR: MODULE_1_SR, M2: MODULE_2, M2_SR: MODULE_2_SR}


def write_tree(root: Path, changes: dict[str, str | None] | None = None) -> Path:
    """The valid tree with some files replaced (None: removed)."""
    for name, text in {**VALID_TREE, **(changes or {})}.items():
        if text is not None:
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text, encoding="utf-8")
    return root


def test_the_minimal_tree_is_valid(tmp_path):
    assert validate_tree(write_tree(tmp_path)) == []


BROKEN = [
    ("unknown service type", {SET: SET_YAML.replace("- mental_health_centre", "- spaceship")},
     SET, 10, "unknown service type 'spaceship'"),
    ("unknown audience", {SET: SET_YAML.replace("family_member]", "families]")}, SET, 8, "unknown audience 'families'"),
    ("unknown language", {SET: SET_YAML.replace("[en, sr_Latn]", "[en, fr]")}, SET, 11, "unknown language 'fr'"),
    ("empty service types", {SET: SET_YAML.replace("service_types:\n  - mental_health_centre", "service_types: []")},
     SET, 9, "service_types must be a list"),
    ("missing field", {SET: SET_YAML.replace("hours: 8\n", "")}, SET, 1, "hours is missing"),
    ("text for a number", {SET: SET_YAML.replace("hours: 8", "hours: eight")}, SET, 12, "hours must be a whole number"),
    ("true for a number", {SET: SET_YAML.replace("cpd_points: 4", "cpd_points: true")}, SET, 13, "cpd_points must"),
    ("percent over 100", {SET: SET_YAML.replace("percent: 80", "percent: 120")},
     SET, 15, "certification.min_attendance_percent must be a whole number from 0 to 100"),
    ("missing certification key", {SET: SET_YAML.replace("  validity_months: null\n", "")},
     SET, 14, "certification.validity_months is missing"),
    ("not a boolean", {SET: SET_YAML.replace("requires_assessment: false", "requires_assessment: maybe")},
     SET, 19, "must be true or false"),
    ("unknown key", {SET: SET_YAML + "hour: 8\n"}, SET, 21, "unknown key 'hour'"),
    ("bad YAML", {SET: SET_YAML.replace("sr_Latn: Trijalog", "sr_Latn: Trijalog: x")}, SET, 4, "not valid YAML"),
    ("slug is not the folder name", {SET: SET_YAML.replace("slug: trialogue", "slug: trialog")},
     SET, 1, "the same as the folder name"),
    ("slug with capitals", {SET: SET_YAML.replace("slug: trialogue", "slug: Trialogue")}, SET, 1, "lower-case"),
    ("Cyrillic that does not match",
     {SET: SET_YAML.replace("  sr_Latn: Trijalog\n", "  sr_Latn: Trijalog\n  sr_Cyrl: Тријалок\n")},
     SET, 5, "title.sr_Cyrl is not the Cyrillic of sr_Latn"),
    ("no Serbian title", {SET: SET_YAML.replace("  sr_Latn: Trijalog\n", "")},
     SET, 2, "title needs the text in sr_Latn"),
    ("no learning-set.yaml", {SET: None}, SET, 0, "missing"),
    ("no modules", {M1: None, M1_SR: None, M2: None, M2_SR: None}, "trialogue", 0, "no module files"),
    ("a declared language without its translation", {M2_SR: None},
     SET, 11, "languages lists sr_Latn, but 02-practice.md has no text or outcomes in it: write 02-practice.sr_Latn.md"),
    ("Bosnian declared but not written", {SET: SET_YAML.replace("[en, sr_Latn]", "[en, sr_Latn, sr_Cyrl, bs]")},
     SET, 11, "languages lists bs, but 01-understanding-recovery.md has no text or outcomes in it"),
    ("duplicate slug across folders",
     {"copy/learning-set.yaml": SET_YAML, "copy/01-understanding-recovery.md": MODULE_1,
      "copy/02-practice.md": MODULE_2},
     SET, 1, "slug 'trialogue' is also used in"),
    ("order that is not a number", {M1: MODULE_1.replace("order: 1", "order: first")}, M1, 5, "order must be"),
    ("order unlike the file name", {M2: MODULE_2.replace("order: 2", "order: 3")}, M2, 3, "file name starts with 2"),
    ("order gap", {M2: None, "trialogue/03-practice.md": MODULE_2.replace("order: 2", "order: 3"),
                   M1: MODULE_1.replace("02-practice", "03-practice")},
     "trialogue", 0, "no module number 2"),
    ("duplicate order", {"trialogue/02-other.md": MODULE_2}, M2, 3, "order 2 is also used by 02-other.md"),
    ("missing outcomes", {M2: MODULE_2.replace("outcomes: [Run a meeting]", "outcomes: []")},
     M2, 6, "outcomes must be a list"),
    ("bad front matter", {M1: MODULE_1.replace("duration_minutes: 90", "duration_minutes: 90: x")},
     M1, 6, "not valid YAML"),
    ("no front matter", {M2: "# Practice\n"}, M2, 1, "must start with front matter"),
    ("no body", {M2: MODULE_2.rpartition("---\n")[0] + "---\n"}, M2, 8, "no text after the front matter"),
    ("broken link", {M1: MODULE_1.replace("(02-practice.md", "(02-practise.md")}, M1, 11, "'02-practise.md#start'"),
    ("link to another folder", {M2: MODULE_2 + "\n[other](../other/01-x.md)\n"}, M2, 10, "points to no module file"),
    ("javascript link", {M2: MODULE_2 + "\n[click](javascript:alert(1))\n"}, M2, 10, "not allowed"),
    ("data link", {M2: MODULE_2 + "\n[logo]: data:text/html,hi\n"}, M2, 10, "not allowed"),
    ("bad module file name", {"trialogue/3 Extra.md": MODULE_2}, "trialogue/3 Extra.md", 0, "named like"),
    ("translation in an unknown language", {"trialogue/02-practice.fr.md": MODULE_2},
     "trialogue/02-practice.fr.md", 0, "unknown language 'fr'"),
    ("translation without its module", {"trialogue/03-extra.bs.md": MODULE_2}, "trialogue/03-extra.bs.md", 0,
     "no English module file 03-extra.md"),
    ("translation with other front matter", {M1_SR: MODULE_1_SR.replace("outcomes:", "order: 2\noutcomes:")},
     M1_SR, 2, "unknown key 'order'"),
    ("translation without outcomes", {M1_SR: "---\noutcomes: []\n---\nOporavak je put.\n"},
     M1_SR, 2, "outcomes must be a list"),
    ("translation with more outcomes",
     {M1_SR: MODULE_1_SR.replace("oporavak\n", "oporavak\n  - Još jedan\n")},
     M1_SR, 2, "01-understanding-recovery.md has 1, this translation 2"),
]


@pytest.mark.parametrize(("changes", "path", "line", "fragment"), [case[1:] for case in BROKEN],
                         ids=[case[0] for case in BROKEN])
def test_each_problem_is_reported_with_file_and_line(tmp_path, changes, path, line, fragment):
    problems = validate_tree(write_tree(tmp_path, changes))
    assert any(p.path == tmp_path / path and p.line == line and fragment in p.message for p in problems), problems


def test_every_problem_is_reported_not_just_the_first(tmp_path):
    write_tree(tmp_path, {
        SET: SET_YAML.replace("hours: 8", "hours: 0").replace("- mental_health_centre", "- spaceship"),
        M2: MODULE_2.replace("order: 2", "order: two"),
    })
    assert [(p.path.name, p.line) for p in validate_tree(tmp_path)] == [
        ("02-practice.md", 3), ("learning-set.yaml", 10), ("learning-set.yaml", 12)]


def test_a_problem_reads_as_file_line_message():
    problem = Problem(Path("curriculum/trialogue/02-x.md"), 3, "unknown service type 'spaceship'")
    assert str(problem) == "curriculum/trialogue/02-x.md:3: unknown service type 'spaceship'"
    assert str(Problem(Path("curriculum/trialogue"), 0, "no modules")) == "curriculum/trialogue: no modules"


def test_loading_an_invalid_tree_raises_with_the_problems(tmp_path):
    write_tree(tmp_path, {M2: None, M2_SR: None})
    with pytest.raises(CurriculumInvalid) as raised:
        load_tree(tmp_path)
    assert [p.line for p in raised.value.problems] == [11]


def test_loading_reads_modules_with_their_translations(tmp_path):
    [source] = load_tree(write_tree(tmp_path))
    assert source.title == {"en": "Trialogue", "sr_Latn": "Trijalog"}
    assert source.certification.min_attendance_percent == 80
    assert [(m.slug, m.position, m.is_required) for m in source.modules] == [
        ("01-understanding-recovery", 1, True), ("02-practice", 2, False)]
    assert source.modules[0].body == {"en": MODULE_1.removeprefix(FRONT_1).strip(), "sr_Latn": "Oporavak je put."}
    assert source.modules[0].outcomes == {"en": ["Explain what recovery means"],
                                          "sr_Latn": ["Objasniti šta znači oporavak"]}


def test_the_project_curriculum_is_valid():
    root = PROJECT_ROOT / "curriculum"
    if not root.is_dir():
        pytest.skip("no curriculum/ folder")
    assert [str(p) for p in validate_tree(root)] == []


# --- importing ---------------------------------------------------------------------------------------

def _versions(slug: str = "trialogue") -> list[LearningSetVersion]:
    return list(db.session.scalars(select(LearningSetVersion).join(LearningSet)
                                   .where(LearningSet.slug == slug).order_by(LearningSetVersion.number)))


def test_import_creates_version_one_and_importing_again_changes_nothing(app, tmp_path):
    write_tree(tmp_path)
    assert import_tree(tmp_path).created == ["trialogue"]
    [version] = _versions()
    assert (version.number, version.state, version.hours) == (1, VersionState.PUBLISHED, 8)
    assert version.service_type_values == ["mental_health_centre"] and version.language_codes == ["en", "sr_Latn"]
    assert [m.slug for m in version.modules] == ["01-understanding-recovery", "02-practice"]
    assert version.modules[0].body["sr_Latn"] == "Oporavak je put."

    report = import_tree(tmp_path)
    assert report.unchanged == ["trialogue"] and not report.created and not report.updated
    assert len(_versions()) == 1


def test_changed_file_makes_version_two_and_keeps_version_one_with_progress(app, tmp_path):
    write_tree(tmp_path)
    import_tree(tmp_path)
    [first] = _versions()
    learner = UserFactory()
    db.session.add(ModuleProgress(user_id=learner.id, module_id=first.modules[0].id))
    db.session.flush()

    write_tree(tmp_path, {M1: MODULE_1.replace("a journey", "a personal journey")})
    assert import_tree(tmp_path).updated == {"trialogue": 2}

    db.session.expire_all()
    old, new = _versions()
    assert (old.number, old.state, new.number, new.state) == (1, VersionState.ARCHIVED, 2, VersionState.PUBLISHED)
    assert "a journey" in old.modules[0].body["en"] and "a personal journey" in new.modules[0].body["en"]
    progress = db.session.scalar(select(ModuleProgress).where(ModuleProgress.user_id == learner.id))
    assert progress.module_id == old.modules[0].id


def test_import_leaves_learning_sets_without_files_alone(app, tmp_path):
    other = VersionFactory()
    import_tree(write_tree(tmp_path))
    db.session.expire_all()
    assert _versions(other.slug) == [other] and other.state == VersionState.PUBLISHED


# --- command line ------------------------------------------------------------------------------------

def test_validate_command_counts_a_valid_tree(runner, tmp_path):
    result = runner.invoke(args=["curriculum", "validate", str(write_tree(tmp_path))])
    assert (result.exit_code, result.output) == (0, "1 learning set, 2 modules: OK\n")


def test_validate_command_lists_problems_and_fails(runner, tmp_path):
    write_tree(tmp_path, {SET: SET_YAML.replace("- mental_health_centre", "- spaceship")})
    result = runner.invoke(args=["curriculum", "validate", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output == f"{tmp_path / SET}:10: unknown service type 'spaceship'\n"


def test_import_command_writes_nothing_when_a_file_has_problems(runner, tmp_path):
    write_tree(tmp_path, {M2: MODULE_2.replace("order: 2", "order: 5")})
    result = runner.invoke(args=["curriculum", "import", str(tmp_path)])
    assert result.exit_code == 1 and "file name starts with 2" in result.output
    assert db.session.scalar(select(func.count()).select_from(LearningSet)) == 0


def test_import_command_reports_created_unchanged_and_new_versions(runner, tmp_path):
    write_tree(tmp_path)
    outputs = [runner.invoke(args=["curriculum", "import", str(tmp_path)]).output]
    outputs.append(runner.invoke(args=["curriculum", "import", str(tmp_path)]).output)
    write_tree(tmp_path, {M2: MODULE_2 + "\nMore practice.\n"})
    outputs.append(runner.invoke(args=["curriculum", "import", str(tmp_path)]).output)
    assert outputs == ["trialogue: created\n", "trialogue: unchanged\n", "trialogue: new version 2\n"]
    assert db.session.scalar(select(func.count()).select_from(Module)) == 4


# --- files and the browser ---------------------------------------------------------------------------

def _publish_in_the_browser(trainer) -> LearningSetVersion:
    [published] = _versions()
    draft = services.start_new_draft(trainer, published.learning_set_id)
    services.save_module(draft, draft.modules[0].id, {"en": "Understanding recovery", "sr_Latn": "Razumevanje oporavka"},
                         {"en": "Edited in the browser.", "sr_Latn": "Oporavak je put."},
                         {"en": ["Explain what recovery means"], "sr_Latn": ["Objasniti šta znači oporavak"]}, 90, True)
    services.publish(draft)
    return draft


def test_import_skips_a_learning_set_published_in_the_browser_and_says_so(app, runner, tmp_path):
    write_tree(tmp_path)
    import_tree(tmp_path)
    trainer = UserFactory(display_name="Milan Petrović")
    browser_version = _publish_in_the_browser(trainer)
    db.session.commit()

    result = runner.invoke(args=["curriculum", "import", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "trialogue: skipped: published in the browser on" in result.output and "Milan Petrović" in result.output
    assert [v.state for v in _versions()] == [VersionState.ARCHIVED, VersionState.PUBLISHED]
    assert browser_version.modules[0].body["en"] == "Edited in the browser."

    result = runner.invoke(args=["curriculum", "import", "--force", str(tmp_path)])
    assert "trialogue: new version 3" in result.output
    assert [v.state for v in _versions()] == [VersionState.ARCHIVED, VersionState.ARCHIVED, VersionState.PUBLISHED]


def test_export_writes_the_published_version_as_files_that_import_unchanged(app, runner, tmp_path):
    write_tree(tmp_path / "source")
    import_tree(tmp_path / "source")
    _publish_in_the_browser(UserFactory())
    db.session.commit()

    result = runner.invoke(args=["curriculum", "export", "trialogue", str(tmp_path / "exported")])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "exported" / "trialogue"
    assert sorted(p.name for p in folder.iterdir()) == [
        "01-understanding-recovery.md", "01-understanding-recovery.sr_Latn.md", "02-practice.md",
        "02-practice.sr_Latn.md", "learning-set.yaml"]
    assert "Edited in the browser." in (folder / "01-understanding-recovery.md").read_text(encoding="utf-8")
    assert validate_tree(tmp_path / "exported") == []

    result = runner.invoke(args=["curriculum", "import", str(tmp_path / "exported")])
    assert "trialogue: unchanged" in result.output
    assert len(_versions()) == 2


def test_export_of_an_unknown_learning_set_says_so(runner, tmp_path):
    result = runner.invoke(args=["curriculum", "export", "no-such-set", str(tmp_path)])
    assert result.exit_code != 0 and "could not find" in result.output
