"""Rate limits hold under concurrency on every storage, and answer 429 with Retry-After."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from civic import ratelimit
from civic.models import RateCounter
from discussions.models import Flag
from reports.models import Report
from tests.factories import jpeg_bytes, make_comment, make_topic, make_user
from tests.fakes import HIGH_STREET, FakeNominatim

LIMIT = {"burst": [(3600, 10)]}
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def redis_url():
    binary = shutil.which("redis-server")
    if not binary:
        pytest.skip("redis-server is not installed")
    port = free_port()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    import redis

    client = redis.Redis(port=port)
    for _ in range(200):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            threading.Event().wait(0.02)  # the server is starting; no test time is measured
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(10)


def concurrent_hits(n: int, scope: str = "burst", ident: object = 1) -> list[int]:
    """`n` actions at once, each from its own thread with its own database connection."""
    start = threading.Barrier(n)

    def act(_):
        try:
            start.wait()
            return ratelimit.hit(scope, ident)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(act, range(n)))


CONCURRENT_SCRIPT = """
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import django
django.setup()
from django.core.management import call_command
from django.db import connection
from django.test.utils import override_settings
call_command("migrate", verbosity=0)
from civic import ratelimit
from civic.models import RateCounter

start = threading.Barrier(50)

def act(_):
    try:
        start.wait()
        return ratelimit.hit("burst", 1)
    finally:
        connection.close()

with override_settings(RATE_LIMIT_STORAGE="database", RATE_LIMITS={"burst": [(3600, 10)]}):
    with ThreadPoolExecutor(max_workers=50) as pool:
        waits = list(pool.map(act, range(50)))
print(waits.count(0), RateCounter.objects.get().count)
"""


@pytest.mark.own_database  # always a SQLite file: once per suite
def test_fifty_concurrent_actions_let_exactly_ten_through_on_a_sqlite_file(tmp_path):
    # The production SQLite set-up (a file in WAL mode, IMMEDIATE transactions), in its own
    # process: the test run's in-memory database cannot take writes from several threads.
    result = subprocess.run(
        [sys.executable, "-c", CONCURRENT_SCRIPT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "civic.settings",
            "DATA_DIR": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'civic.sqlite3'}",
        },
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["10", "10"]


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_actions_let_exactly_ten_through_on_the_database(settings):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("an in-memory SQLite database serves one writer thread (see the file test)")
    settings.RATE_LIMIT_STORAGE = "database"
    settings.RATE_LIMITS = LIMIT

    waits = concurrent_hits(50)

    assert waits.count(0) == 10
    assert all(0 < wait <= 3600 for wait in waits if wait)
    assert RateCounter.objects.get().count == 10


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_actions_let_exactly_ten_through_on_redis(settings, redis_url):
    settings.RATE_LIMIT_STORAGE = "redis"
    settings.RATE_LIMIT_REDIS_URL = redis_url
    settings.RATE_LIMITS = LIMIT

    waits = concurrent_hits(50, ident="redis-test")

    assert waits.count(0) == 10
    assert RateCounter.objects.count() == 0  # counted in Redis, not in the table


@pytest.mark.django_db
def test_database_counter_opens_a_new_window_when_the_last_one_ends(settings, time_machine):
    settings.RATE_LIMIT_STORAGE = "database"
    settings.RATE_LIMITS = {"burst": [(60, 2)]}
    time_machine.move_to("2026-12-01 10:00:05Z", tick=False)
    assert [ratelimit.hit("burst", 7) for _ in range(3)] == [0, 0, 55]
    # Someone else has a counter of their own.
    assert ratelimit.hit("burst", 8) == 0

    time_machine.move_to("2026-12-01 10:01:00Z", tick=False)
    assert ratelimit.hit("burst", 7) == 0
    time_machine.move_to("2026-12-01 10:03:00Z", tick=False)
    assert ratelimit.purge_expired() == 3
    assert RateCounter.objects.count() == 0


# --- every limited action answers 429 with Retry-After, on the database storage too --------


@pytest.fixture(params=["cache", "database"])
def storage(request, settings):
    settings.RATE_LIMIT_STORAGE = request.param
    return request.param


def assert_limited(response, window: int) -> str:
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= window
    return response.content.decode()


def test_flagging_too_often_answers_429_with_the_form(storage, settings, client, resident):
    settings.RATE_LIMITS = {"flag": [(3600, 1)]}
    topic = make_topic()
    first, second = make_comment(topic), make_comment(topic)
    client.force_login(resident)

    def flag(comment, **headers):
        url = reverse("discussions:comment-flag", args=[comment.pk])
        return client.post(url, {"reason": "spam"}, **headers)

    assert flag(first).status_code == 302
    html = assert_limited(flag(second, HTTP_HX_REQUEST="true"), 3600)
    assert "You are posting too quickly" in html
    assert "<html" not in html  # the form fragment, swapped in place by htmx
    page = assert_limited(flag(second), 3600)
    assert "<html" in page and "You are posting too quickly" in page
    assert Flag.objects.count() == 1


def test_checking_too_many_photos_answers_429_with_a_notice(storage, settings, resident_client):
    settings.RATE_LIMITS = {"photo-location": [(600, 1)]}
    url = reverse("reports:photo-location")

    def check():
        photo = SimpleUploadedFile("gps.jpg", jpeg_bytes(), content_type="image/jpeg")
        return resident_client.post(url, {"photos": [photo]}, HTTP_HX_REQUEST="true")

    assert check().status_code == 200
    html = assert_limited(check(), 600)
    assert "Place the pin on the map" in html and 'role="alert"' in html


def test_placing_a_report_by_address_too_often_answers_429_and_keeps_the_input(
    storage, settings, resident_client, authority, service
):
    settings.RATE_LIMITS = {"geocode": [(60, 0)]}
    with FakeNominatim() as nominatim:
        settings.GEOCODER_URL = nominatim.url
        nominatim.places = [HIGH_STREET]
        response = resident_client.post(
            reverse("reports:new"),
            {
                "service": service.code,
                "address": "12 High Street",
                "title": "Loose kerb",
                "description": "By the bus stop.",
            },
        )
    html = assert_limited(response, 60)
    assert "You searched for many addresses in a short time" in html
    assert 'value="Loose kerb"' in html
    assert nominatim.requests == []
    assert not Report.objects.exists()


def test_an_address_search_page_over_the_limit_answers_429(storage, settings, resident_client):
    settings.RATE_LIMITS = {"geocode": [(60, 0)]}
    with FakeNominatim() as nominatim:
        settings.GEOCODER_URL = nominatim.url
        response = resident_client.get(reverse("reports:geocode"), {"address": "12 High Street"})
    html = assert_limited(response, 60)
    assert "<html" in html and "You searched for many addresses" in html


@pytest.mark.django_db
def test_failed_logins_over_allauths_limit_answer_429(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "3/300s/key"}
    make_user(email="rosa@example.org", password="the-right-passphrase")
    url = reverse("account_login")
    for _ in range(3):
        wrong = client.post(url, {"login": "rosa@example.org", "password": "wrong"})
        assert wrong.status_code == 200
    response = client.post(url, {"login": "rosa@example.org", "password": "wrong"})
    html = assert_limited(response, 300)
    assert "Too many failed login attempts" in html
    assert 'value="rosa@example.org"' in html


@pytest.mark.django_db
def test_the_worker_purges_counters_of_windows_that_are_over(settings, time_machine):
    from civic.management.commands.work import run_round

    settings.RATE_LIMIT_STORAGE = "database"
    settings.RATE_LIMITS = {"burst": [(60, 5)]}
    time_machine.move_to("2026-12-01 10:00:00Z", tick=False)
    ratelimit.hit("burst", 1)
    run_round()
    assert RateCounter.objects.count() == 1  # its window is still running
    time_machine.move_to("2026-12-01 10:20:00Z", tick=False)
    assert run_round()["expired rate counters"] == 1
    assert not RateCounter.objects.exists()
