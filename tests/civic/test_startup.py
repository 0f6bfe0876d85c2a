from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(code: str, data_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "civic.settings",
            "DATA_DIR": str(data_dir),
        },
    )


def test_project_starts_and_serves_admin_urls_without_gdal(tmp_path):
    # Any import of GeoDjango's GDAL bindings fails here, as on a machine without GDAL.
    result = run(
        """
        import sys, importlib.abc
        class NoGDAL(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path, target=None):
                if name.startswith(("django.contrib.gis", "leaflet.admin", "leaflet.forms")):
                    raise ImportError("Could not find the GDAL library")
        sys.meta_path.insert(0, NoGDAL())
        import django
        django.setup()
        from django.core.management import call_command
        call_command("check")
        from django.urls import reverse
        import civic_site.urls
        print(reverse("admin:reports_report_changelist"))
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "/admin/reports/report/" in result.stdout


def test_no_model_change_is_missing_a_migration():
    result = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            "PATH": "/usr/bin:/bin",
            "DEBUG": "false",
            "SECRET_KEY": "a-long-random-production-secret-key-0123456789-abcdefghijklmnop",
            "ALLOWED_HOSTS": "civic.example.org",
            "DATA_DIR": str(tmp_path),
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_refuse_to_start_without_a_secret_key(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            "PATH": "/usr/bin:/bin",
            "DEBUG": "false",
            "ALLOWED_HOSTS": "civic.example.org",
            "DATA_DIR": str(tmp_path),
        },
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
