from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import time_machine
from django.core.management import CommandError, call_command

from open311.models import ApiKey
from reports.models import Report
from tests import factories
from tests.open311.conftest import API, assert_errors, decode


def _create(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_key", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_create_api_key_prints_a_working_key_once_and_stores_only_its_hash(
    client, full_service, valid_post
):
    raw, message = _create("Fix app", "--contact", "dev@fix.example")

    key = ApiKey.objects.get(name="Fix app")
    assert re.fullmatch(r"[-\w]{20,}", raw)
    assert "shown only now" in message and raw not in message
    assert (key.name, key.contact_email, key.can_post, key.is_active) == (
        "Fix app",
        "dev@fix.example",
        True,
        True,
    )
    assert key.key_hash == ApiKey.hash(raw) != raw
    assert raw.startswith(key.prefix)
    stored = [getattr(key, f.attname) for f in ApiKey._meta.fields]
    assert raw not in stored
    response = client.post(f"{API}/requests.json", {**valid_post, "api_key": raw})
    assert response.status_code == 200
    assert Report.objects.get().api_key == key


def test_create_api_key_read_only_cannot_post(client, full_service, valid_post):
    raw, _message = _create("Dashboard", "--read-only")

    assert ApiKey.objects.get(name="Dashboard").can_post is False
    assert_errors(client.post(f"{API}/requests.json", {**valid_post, "api_key": raw}), 403)


def test_create_api_key_refuses_a_bad_contact(db):
    with pytest.raises(CommandError, match="not an email"):
        _create("App", "--contact", "nope")
    assert not ApiKey.objects.exists()


@pytest.fixture
def admin_client(client, db):
    admin = factories.make_user(email="admin@civic.example")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    return client


def test_admin_shows_the_new_key_once_and_stores_only_its_hash(
    admin_client, full_service, valid_post
):
    response = admin_client.post(
        "/admin/open311/apikey/add/",
        {
            "name": "Street app",
            "contact_email": "s@app.example",
            "can_post": "on",
            "is_active": "on",
        },
    )

    assert response.status_code == 200
    key = ApiKey.objects.get(name="Street app")
    raw = re.search(rb'readonly value="([^"]+)"', response.content).group(1).decode()
    assert key.key_hash == ApiKey.hash(raw)
    assert b"shown only this once" in response.content
    # Never again: not on its change page, not in the list.
    for url in ("/admin/open311/apikey/", f"/admin/open311/apikey/{key.pk}/change/"):
        page = admin_client.get(url)
        assert page.status_code == 200
        assert raw.encode() not in page.content
    assert (
        admin_client.post(f"{API}/requests.json", {**valid_post, "api_key": raw}).status_code == 200
    )


def test_admin_revoke_action_stops_a_key(admin_client, full_service, valid_post, api_key):
    key, _raw = api_key

    response = admin_client.post(
        "/admin/open311/apikey/",
        {"action": "revoke", "_selected_action": [key.pk]},
        follow=True,
    )

    assert response.status_code == 200
    key.refresh_from_db()
    assert key.is_active is False
    assert_errors(admin_client.post(f"{API}/requests.json", valid_post), 403, "Invalid api_key")


@pytest.mark.parametrize("keys", [1, 30])
def test_admin_list_runs_a_constant_number_of_queries(
    admin_client, full_service, django_assert_num_queries, keys
):
    for n in range(keys):
        key, _raw = ApiKey.create_key(f"App {n}")
        factories.make_report(service=full_service, api_key=key)
    # session; user; filtered count; total count; the keys with their report counts
    with django_assert_num_queries(5):
        response = admin_client.get("/admin/open311/apikey/")
    assert response.status_code == 200
    assert response.content.count(b'class="field-report_count">1<') == keys


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_rate_limit_refuses_with_429_once_a_key_exceeds_it(
    client, full_service, valid_post, settings, api_key, fmt
):
    settings.RATE_LIMITS = {"open311-post": [(60, 2)]}
    start = dt.datetime(2026, 11, 26, 12, 0, 5, tzinfo=dt.UTC)
    _other_key, other_raw = ApiKey.create_key("Other app")

    with time_machine.travel(start, tick=False) as traveller:
        assert client.post(f"{API}/requests.{fmt}", valid_post).status_code == 200
        assert client.post(f"{API}/requests.{fmt}", valid_post).status_code == 200
        refused = client.post(f"{API}/requests.{fmt}", valid_post)
        # Another key has its own count.
        assert (
            client.post(f"{API}/requests.{fmt}", {**valid_post, "api_key": other_raw}).status_code
            == 200
        )
        traveller.shift(dt.timedelta(seconds=60))
        assert client.post(f"{API}/requests.{fmt}", valid_post).status_code == 200

    assert_errors(refused, 429, "Rate limit exceeded", fmt=fmt)
    assert 1 <= int(refused["Retry-After"]) <= 61
    assert Report.objects.count() == 4
    decode(refused)


def test_the_key_a_request_brings_is_read_as_the_orm_reads_it(db, authority):
    key, raw = ApiKey.create_key(
        "Back office", authority=authority, can_post_updates=True, contact_email="it@city.example"
    )
    ApiKey.objects.filter(pk=key.pk).update(
        last_used_at=dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
    )
    expected = ApiKey.objects.get(pk=key.pk)

    found = ApiKey.objects.get_for_key(raw)

    fields = [field.attname for field in ApiKey._meta.concrete_fields]
    assert [getattr(found, name) for name in fields] == [getattr(expected, name) for name in fields]
    assert found.created_at.tzinfo is not None and found.last_used_at == expected.last_used_at
    assert found.authority == authority and found.can_post_updates is True
    assert ApiKey.objects.get_for_key(raw + "x") is None
    ApiKey.objects.filter(pk=key.pk).update(is_active=False)
    assert ApiKey.objects.get_for_key(raw) is None
