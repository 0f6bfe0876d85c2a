"""The path from SQLite to PostgreSQL: every row copied, counts compared, ids continue."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tests.factories import use_migrated

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.own_database
POSTGRES = os.environ.get("SCALEOUT_POSTGRES", "postgres://civic:civic@127.0.0.1:5432")

SEED = """
from tests import factories
service = factories.make_service(code="pothole", name="Pothole")
factories.make_authority(services=[service], name="Borough", slug="borough")
for i in range(3):
    report = factories.make_report(service=service, title=f"Report {i}")
    factories.make_comment(report.thread, body=f"Comment {i}")
"""

NEW_REPORT = """
from reports.models import Report, Service
from tests import factories
report = factories.make_report(service=Service.objects.get(code="pothole"), title="After the move")
print(Report.objects.count(), report.pk)
"""


def manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture
def postgres_database():
    name = f"civic_copy_{os.getpid()}"
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"{POSTGRES}/{name}"
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_sqlite_site_moves_to_postgresql_with_every_row_and_only_once(
    tmp_path, postgres_database, migrated_sqlite
):
    sqlite = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "civic.settings",
        "DATA_DIR": str(tmp_path),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    use_migrated(migrated_sqlite, tmp_path)
    manage(sqlite, "shell", "-c", SEED)

    copied = manage(sqlite, "copy_database", postgres_database)
    assert "every table's count matches" in copied.stdout
    assert "reports.Report: 3" in copied.stdout

    with psycopg.connect(postgres_database) as conn:
        assert conn.execute("SELECT count(*) FROM reports_report").fetchone() == (3,)
        assert conn.execute("SELECT count(*) FROM discussions_comment").fetchone() == (3,)
    # The site now runs on PostgreSQL, and new rows get fresh ids.
    on_postgres = {**sqlite, "DATABASE_URL": postgres_database}
    count, _pk = manage(on_postgres, "shell", "-c", NEW_REPORT).stdout.splitlines()[-1].split()
    assert count == "4"

    # Copying again into a database that now has data is refused.
    again = subprocess.run(
        [sys.executable, "manage.py", "copy_database", postgres_database],
        cwd=ROOT,
        env=sqlite,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode != 0
    assert "The target is not empty" in again.stderr
