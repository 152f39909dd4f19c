"""Prove that backups restore: back up a database with backup.sh, restore the file with restore.sh
into a scratch database on the same server, and compare the row count of every table.

    .venv/bin/python deploy/check_backup.py [DATABASE_URL]

Safe on a live database: the counts are taken in the very snapshot that pg_dump backs up, so writes
meanwhile do not matter. The scratch database is dropped afterwards. Exit status 0 only if every
table has the same number of rows after the restore. Run it after changing the backup set-up, and
regularly (e.g. weekly from cron).
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

HERE = Path(__file__).resolve().parent


def libpq_url(url: str) -> str:
    """SQLAlchemy's postgresql+psycopg:// spelling as libpq understands it."""
    scheme, _, rest = url.partition("://")
    return "postgresql://" + rest if scheme.startswith("postgres") else url


def count_rows(connection: psycopg.Connection) -> dict[str, int]:
    """Exact row counts of every table in the public schema, in the connection's current snapshot."""
    tables = [row[0] for row in connection.execute(
        "SELECT table_name FROM information_schema.tables"
        " WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name")]
    return {table: connection.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()[0]
            for table in tables}


def check_backup(url: str) -> list[str]:
    """Back up, restore into a scratch database, compare; the differences found, in words."""
    url = libpq_url(url)
    scratch = f"learnhub_backup_check_{time.strftime('%Y%m%d%H%M%S')}_{os.getpid()}"
    scratch_url = make_conninfo(url, dbname=scratch)
    with tempfile.TemporaryDirectory() as work:
        dump = Path(work) / "learnhub.dump"
        with psycopg.connect(url) as source:
            source.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            snapshot = source.execute("SELECT pg_export_snapshot()").fetchone()[0]
            expected = count_rows(source)
            subprocess.run([HERE / "backup.sh", url, dump], check=True, stdout=subprocess.DEVNULL,
                           env={**os.environ, "PG_DUMP_OPTIONS": f"--snapshot={snapshot}"})
            source.rollback()
        with psycopg.connect(url, autocommit=True) as server:
            server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(scratch)))
            try:
                subprocess.run([HERE / "restore.sh", dump, scratch_url], check=True, stdout=subprocess.DEVNULL)
                with psycopg.connect(scratch_url) as restored:
                    actual = count_rows(restored)
            finally:
                server.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(scratch)))
    problems = [f"{table}: {expected.get(table, 'missing')} rows in the source, {actual.get(table, 'missing')} restored"
                for table in sorted(expected.keys() | actual.keys()) if expected.get(table) != actual.get(table)]
    if not expected:
        problems.append("the source database has no tables")
    return problems


def main() -> int:
    url = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("DATABASE_URL", "")
    if not url or conninfo_to_dict(libpq_url(url)).get("dbname") is None:
        print("usage: check_backup.py [DATABASE_URL]  (or set DATABASE_URL to a PostgreSQL database)", file=sys.stderr)
        return 2
    problems = check_backup(url)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print("backup check FAILED", file=sys.stderr)
        return 1
    print("backup OK: every table has the same row count after the restore")
    return 0


if __name__ == "__main__":
    sys.exit(main())
