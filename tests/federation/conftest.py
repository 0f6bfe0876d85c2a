"""A second Civic as an authority's Open311 back end: its own process (gunicorn on a
loopback port, production settings) and its own SQLite database, reached over real HTTP.
This test's site (the live server, on the suite's database) is the community site in
front of it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.factories import use_migrated
from tests.scaleout.conftest import free_port, stop, wait_until

ROOT = Path(__file__).resolve().parents[2]

# What every back-end script starts with: the back end's own models and actions.
PRELUDE = """
import json
from django.utils import timezone
from open311.models import ApiKey
from reports.actions import change_state, reopen_report
from reports.models import Authority, Contact, Report, Service, ServiceAttribute
from tests import factories
"""


@dataclass
class Backend:
    url: str
    env: dict[str, str]
    folder: Path

    @property
    def endpoint(self) -> str:
        return f"{self.url}/open311/v2/"

    def python(self, code: str) -> object:
        """Run `code` in the back end's Django (its database); what it prints last, as JSON."""
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", PRELUDE + code],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        lines = result.stdout.strip().splitlines()
        return json.loads(lines[-1]) if lines else None

    def get(self, path: str, **params) -> list | dict:
        response = requests.get(f"{self.endpoint}{path}", params=params, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture(scope="session")
def backend(migrated_sqlite, tmp_path_factory) -> Iterator[Backend]:
    folder = tmp_path_factory.mktemp("backend")
    use_migrated(migrated_sqlite, folder)
    env = {
        **os.environ,
        "DATA_DIR": str(folder),
        "TESTING": "",
        "DEBUG": "false",
        "SECRET_KEY": "federation-backend-not-a-secret-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    for name in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "civic.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--threads",
        "4",
    ]
    backend = Backend(url=f"http://127.0.0.1:{port}", env=env, folder=folder)
    with open(folder / "backend.out", "w") as out, open(folder / "backend.log", "w") as log:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=log)
        try:
            wait_until(
                lambda: requests.get(f"{backend.endpoint}discovery.json", timeout=2).ok,
                timeout=60,
                what="the back-end Civic",
            )
            yield backend
        finally:
            stop(server)
