from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# pytest-django's live_server and Playwright's sync API share the thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import pytest
from django.conf import settings

from tests import factories


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory) -> Path:
    """A migrated SQLite database of the production settings (database cache, no Redis),
    made once per test process: tests that run manage.py in a subprocess on a fresh data
    folder copy it there (`tests.factories.use_migrated`) instead of migrating again."""
    folder = tmp_path_factory.mktemp("migrated")
    env = {**os.environ, "DATA_DIR": str(folder), "TESTING": ""}
    for name in ("DATABASE_URL", "REDIS_URL"):
        env.pop(name, None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        check=True,
        timeout=300,
    )
    return folder / "civic.sqlite3"


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def _site_language():
    """Each test starts in the site's language: a request in Spanish activates it for
    its thread, and what a later test renders (an email's subject) must not inherit it."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    from civic.versions import clear_memo

    cache.clear()
    clear_memo()  # built responses are kept per process, keyed by data versions
    yield


@pytest.fixture
def service(db):
    return factories.make_service(code="pothole", name="Pothole")


@pytest.fixture
def authority(db, service):
    return factories.make_authority(services=[service], name="Borough Council", slug="borough")


@pytest.fixture
def other_authority(db, service):
    return factories.make_authority(
        services=[service], name="Water Company", slug="water", boundary=None
    )


@pytest.fixture
def resident(db):
    """A signed-up resident with a verified email."""
    return factories.make_user(email="resident@example.org", first_name="Rosa", last_name="Parks")


@pytest.fixture
def staff(db, authority):
    """A staff member of the authority responsible for the default area."""
    return factories.make_staff(authority, email="officer@borough.example.org", first_name="Olga")


@pytest.fixture
def other_staff(db, other_authority):
    """A staff member of another authority: must not act on the first one's reports."""
    return factories.make_staff(other_authority, email="officer@water.example.org")


@pytest.fixture
def anonymous(client):
    """An anonymous visitor."""
    return client


@pytest.fixture
def resident_client(client, resident):
    client.force_login(resident)
    return client


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def report(db, service, authority, resident):
    return factories.make_report(service=service, reporter=resident, title="Deep pothole")
