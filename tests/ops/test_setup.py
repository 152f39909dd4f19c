"""`make test` on a fresh machine: Debian's chromium is installed by the Makefile, or it says what to do."""

import os
import subprocess
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def run_make(tmp_path: Path, *arguments: str, uid: int) -> subprocess.CompletedProcess:
    """`make` with `id -u` answering `uid` and a stand-in apt-get that records what it was asked."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "id").write_text(f"#!/bin/sh\necho {uid}\n")
    (bin_dir / "apt-get").write_text(f'#!/bin/sh\necho "$@" >> {tmp_path / "apt-calls"}\n')
    for script in bin_dir.iterdir():
        script.chmod(0o755)
    environment = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    return subprocess.run(["make", "--no-print-directory", "-C", str(PROJECT_ROOT), *arguments,
                           "CHROMIUM=no-such-chromium", f"APT_GET={bin_dir / 'apt-get'}"],
                          env=environment, capture_output=True, text=True, timeout=60)


def test_make_test_without_chromium_and_not_root_says_what_to_install_and_runs_nothing(tmp_path):
    result = run_make(tmp_path, "test", "PYTEST_ARGS=--co", uid=1000)
    assert result.returncode != 0
    assert "sudo apt-get install chromium" in result.stderr
    assert "pip" not in result.stdout + result.stderr and "pytest" not in result.stdout  # nothing ran
    assert not (tmp_path / "apt-calls").exists()


def test_make_test_as_root_installs_debian_chromium_when_missing(tmp_path):
    result = run_make(tmp_path, "chromium", uid=0)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "apt-calls").read_text().splitlines() == ["update -qq", "install -y -qq chromium"]


def test_ci_leaves_installing_to_make_test():
    ci = (PROJECT_ROOT / ".ci" / "run").read_text()
    assert "apt-get" not in ci and ci.rstrip().endswith("make test")
