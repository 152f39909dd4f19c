"""The README's configuration table names every setting the code reads from the environment."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
READS = re.compile(r"""(?:environ\.get|getenv)\(\s*["']([A-Z][A-Z0-9_]+)["']|environ\[\s*["']([A-Z][A-Z0-9_]+)["']\]""")


def _settings_read() -> set[str]:
    names = set()
    for path in [*(ROOT / "learnhub").rglob("*.py"), *(ROOT / "deploy").rglob("*.py")]:
        for match in READS.finditer(path.read_text(encoding="utf-8")):
            names.add(match[1] or match[2])
    return names


def test_the_configuration_table_lists_every_setting_the_code_reads():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", table))
    assert _settings_read() - listed == set()
