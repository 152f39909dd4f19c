"""deploy/backup.sh and deploy/restore.sh: a backup of demo data restores with every row (PostgreSQL)."""

import subprocess
import sys
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, inspect, select, table, text

from learnhub import config, create_app
from learnhub.curriculum.files import import_tree
from learnhub.demo import seed_demo
from learnhub.extensions import db

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def _seed_demo_database(url: str) -> None:
    app = create_app(config.TestConfig(url))
    with app.app_context():
        upgrade()
        import_tree(config.PROJECT_ROOT / "curriculum")
        seed_demo()
        db.session.commit()
        db.engine.dispose()


def _row_counts(url: str) -> dict[str, int]:
    engine = create_engine(config.sqlalchemy_url(url))
    try:
        with engine.connect() as connection:
            names = inspect(connection).get_table_names()
            return {name: connection.scalar(select(func.count()).select_from(table(name))) for name in names}
    finally:
        engine.dispose()


def _run(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=120, **kwargs)


@pytest.fixture
def demo_database(scratch_database) -> str:
    url = scratch_database()
    _seed_demo_database(url)
    return url


def test_a_backup_restores_every_row_into_a_fresh_database(demo_database, scratch_database, tmp_path):
    dump = tmp_path / "learnhub.dump"
    backup = _run(DEPLOY / "backup.sh", demo_database, dump)
    assert backup.returncode == 0, backup.stderr
    assert dump.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format

    target = scratch_database()
    restore = _run(DEPLOY / "restore.sh", dump, target)
    assert restore.returncode == 0, restore.stderr

    source_counts, restored_counts = _row_counts(demo_database), _row_counts(target)
    assert restored_counts == source_counts
    for seeded in ("user", "organisation", "learning_set_version", "module", "cohort", "enrolment",
                   "mentoring_session", "certificate"):
        assert source_counts[seeded] > 0, f"the demo data has no {seeded} rows to compare"

    engine = create_engine(config.sqlalchemy_url(target))
    with engine.connect() as connection:  # the restored database is at the current migration
        assert connection.scalar(text("SELECT version_num FROM alembic_version"))
    engine.dispose()


def test_restore_refuses_a_database_that_is_not_empty(demo_database, tmp_path):
    dump = tmp_path / "learnhub.dump"
    assert _run(DEPLOY / "backup.sh", demo_database, dump).returncode == 0
    restore = _run(DEPLOY / "restore.sh", dump, demo_database)
    assert restore.returncode == 1
    assert "not empty" in restore.stderr


def test_the_backup_check_script_passes_on_a_live_database(demo_database):
    check = _run(sys.executable, DEPLOY / "check_backup.py", demo_database)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "backup OK" in check.stdout


def test_scripts_explain_their_arguments():
    for script in ("backup.sh", "restore.sh"):
        result = _run(DEPLOY / script, env={"PATH": "/usr/bin:/bin"})
        assert result.returncode == 2 and "usage:" in result.stderr
