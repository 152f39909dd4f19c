"""Fuzzing the curriculum files reader: whatever the YAML, front matter, Markdown or bytes, it reports
problems (file and line) and never fails with anything else."""

import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from learnhub import config, create_app
from learnhub.curriculum.files import CurriculumInvalid, Problem, load_tree, validate_tree

EXAMPLE = config.PROJECT_ROOT / "curriculum" / "trialogue"
FUZZ = settings(max_examples=75, deadline=None, suppress_health_check=[HealthCheck.too_slow])

SET_KEYS = ["slug", "title", "summary", "audience", "service_types", "languages", "hours", "cpd_points",
            "certification", "min_attendance_percent", "require_all_modules", "min_mentoring_sessions",
            "mentoring_within_months", "requires_assessment", "validity_months", "renewal_cpd_points"]
MODULE_KEYS = ["title", "order", "duration_minutes", "required", "outcomes", "en", "sr_Latn", "sr_Cyrl", "bs"]
scalars = (st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats() | st.text(max_size=40)
           | st.sampled_from(["trialogue", "en", "professional", "home_help", "01-x.md", "javascript:x", ""]))
yaml_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.sampled_from(SET_KEYS + MODULE_KEYS) | st.text(max_size=10), inner, max_size=5), max_leaves=12)
texts = st.text(max_size=300) | st.sampled_from([
    "---\n", "---\n---\n", "---\ntitle: [\n---\nbody", ": :", "\ufeff---\n", "---\r\n---\r\n",
    "[link](02-missing.md) [x](javascript:alert(1)) [r]: data:text/html,x", "- - -\n***\n", "%YAML 9.9\n---",
    "!!python/object/apply:os.system ['true']", "title: !!binary aGVsbG8=", "? [a, b]\n: c",
])
markdown = st.text(max_size=200) | st.sampled_from(["## Content\n\nText.", "[next](02-second-steps.md)", "<script>"])
module_names = st.from_regex(r"\A(\d{1,3}-[a-z0-9-]{1,12}|[A-Za-z ._-]{1,12})(\.(sr_Latn|bs|sr_Cyrl|xx))?\.md\Z")


@pytest.fixture(scope="module")
def reader_context():
    """The reader needs no database, only an app for its translated messages."""
    with create_app(config.TestConfig()).app_context():
        yield


def _front_matter(data: object) -> str:
    return "---\n" + yaml.safe_dump(data, allow_unicode=True) + "---\n"


@st.composite
def curriculum_folders(draw) -> dict[str, bytes]:
    """A learning-set folder: the real example with some files replaced by fuzzed ones."""
    files = {path.name: path.read_bytes() for path in EXAMPLE.iterdir()}
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["set yaml", "set text", "module yaml", "module text", "module body",
                                     "new module", "bytes", "remove"]))
        module = draw(st.sampled_from(sorted(name for name in files if name.endswith(".md")) or ["01-a.md"]))
        if kind == "set yaml":
            files["learning-set.yaml"] = yaml.safe_dump(draw(yaml_values), allow_unicode=True).encode()
        elif kind == "set text":
            files["learning-set.yaml"] = draw(texts).encode()
        elif kind == "module yaml":
            files[module] = (_front_matter(draw(yaml_values)) + draw(markdown)).encode()
        elif kind == "module text":
            files[module] = draw(texts).encode()
        elif kind == "module body":
            original = files.get(module, b"---\ntitle: x\n---\n").decode(errors="replace")
            files[module] = (original[:original.find("---", 3) + 4] + draw(markdown)).encode()
        elif kind == "new module":
            files[draw(module_names)] = (_front_matter(draw(yaml_values)) + draw(markdown)).encode()
        elif kind == "bytes":
            files[draw(st.sampled_from(["learning-set.yaml", module]))] = draw(st.binary(max_size=200))
        else:
            files.pop(draw(st.sampled_from(sorted(files))), None)
    return files


def _read(files: dict[str, bytes]) -> list[Problem]:
    root = Path(tempfile.mkdtemp())
    try:
        folder = root / "trialogue"
        folder.mkdir()
        for name, data in files.items():
            (folder / name).write_bytes(data)
        problems = validate_tree(root)
        try:
            load_tree(root)
        except CurriculumInvalid as error:
            assert error.problems == problems
        else:
            assert problems == []
        return problems
    finally:
        shutil.rmtree(root)


@FUZZ
@given(curriculum_folders())
def test_any_curriculum_folder_gives_sources_or_reported_problems(reader_context, files):
    for problem in _read(files):
        assert isinstance(problem, Problem) and str(problem)  # every problem names its file and line


def test_a_yaml_alias_to_itself_is_reported(reader_context):
    files = {path.name: path.read_bytes() for path in EXAMPLE.iterdir()}
    files["learning-set.yaml"] = b"a: &a [*a]"
    assert _read(files)


BOMB_READER = """
import resource, shutil, sys, tempfile
from pathlib import Path
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))  # a runaway reader fails here, not the machine
from learnhub import config, create_app
from learnhub.curriculum.files import validate_tree
root = Path(tempfile.mkdtemp())
shutil.copytree(config.PROJECT_ROOT / "curriculum" / "trialogue", root / "trialogue")
(root / "trialogue" / "learning-set.yaml").write_text(sys.stdin.read())
with create_app(config.TestConfig()).app_context():
    print(len(validate_tree(root)))
shutil.rmtree(root)
"""


def test_yaml_alias_bombs_are_refused_quickly():
    """Eight short lines whose aliases expand to 9**8 items must be reported, not expanded."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 8)]
    import subprocess
    import sys

    try:
        result = subprocess.run([sys.executable, "-c", BOMB_READER], input="\n".join(lines), capture_output=True,
                                text=True, timeout=8, cwd=config.PROJECT_ROOT)
    except subprocess.TimeoutExpired:
        pytest.fail("reading the file took more than 8 seconds")
    assert result.returncode == 0 and int(result.stdout.split()[-1]) > 0, result.stderr[-500:]
