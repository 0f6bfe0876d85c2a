"""The API's GET answers are built once per data version (civic/versions.py): a
repeat costs no query, and every change to the data shows at once."""

from __future__ import annotations

import gzip

import pytest

from reports.actions import change_state, hide_report
from reports.models import Service
from tests import factories
from tests.open311.conftest import API


def _ids(response) -> list[str]:
    return [r["service_request_id"] for r in response.json()]


@pytest.fixture
def listed(client, service, authority):
    report = factories.make_report(service=service, title="Hole")
    assert _ids(client.get(f"{API}/requests.json")) == [str(report.pk)]
    return report


def test_a_new_report_is_listed_at_once(client, service, listed):
    newer = factories.make_report(service=service, title="Another hole")

    assert _ids(client.get(f"{API}/requests.json")) == [str(newer.pk), str(listed.pk)]


def test_a_state_change_shows_at_once_in_the_list_and_the_detail(client, listed, staff):
    detail = f"{API}/requests/{listed.pk}.json"
    assert client.get(detail).json()[0]["status"] == "open"

    change_state(listed, "fixed", by=staff, note="Filled.")

    assert client.get(f"{API}/requests.json").json()[0]["status"] == "closed"
    assert client.get(detail).json()[0]["status_notes"] == "Filled."
    assert client.get(f"{API}/requests.xml").content.count(b"<status>closed</status>") == 1


def test_a_hidden_report_leaves_the_list_and_the_detail_at_once(client, listed, staff):
    detail = f"{API}/requests/{listed.pk}.json"
    assert client.get(detail).status_code == 200

    hide_report(listed, by=staff, reason="Abusive")

    assert _ids(client.get(f"{API}/requests.json")) == []
    assert client.get(detail).status_code == 404


def test_a_renamed_service_shows_at_once(client, service, listed):
    assert client.get(f"{API}/services.json").json()[0]["service_name"] == "Pothole"

    service.name = "Hole in the road"
    service.save()

    assert client.get(f"{API}/services.json").json()[0]["service_name"] == "Hole in the road"
    assert client.get(f"{API}/requests.json").json()[0]["service_name"] == "Hole in the road"


def test_a_deactivated_service_leaves_the_list_at_once(client, service):
    factories.make_service(code="graffiti", name="Graffiti")
    assert len(client.get(f"{API}/services.json").json()) == 2

    Service.objects.get(code="graffiti").delete()

    assert len(client.get(f"{API}/services.json").json()) == 1


def test_filters_and_formats_are_answered_separately(client, service, listed):
    other = factories.make_report(service=factories.make_service(code="graffiti"))

    assert _ids(client.get(f"{API}/requests.json?service_code=graffiti")) == [str(other.pk)]
    assert _ids(client.get(f"{API}/requests.json?service_code=pothole")) == [str(listed.pk)]
    assert client.get(f"{API}/requests.xml?service_code=pothole").content.startswith(b"<?xml")


def test_a_matching_etag_gets_304_until_the_data_changes(client, service, listed):
    first = client.get(f"{API}/requests.json")
    etag = first["ETag"]

    again = client.get(f"{API}/requests.json", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""

    factories.make_report(service=service)
    changed = client.get(f"{API}/requests.json", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_a_large_answer_is_gzipped_for_clients_that_accept_it(client, service, authority):
    for _ in range(10):
        factories.make_report(service=service)

    plain = client.get(f"{API}/requests.json")
    packed = client.get(f"{API}/requests.json", headers={"Accept-Encoding": "gzip, br"})

    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.content) == plain.content
    assert "Accept-Encoding" in packed["Vary"]


def test_errors_are_not_kept(client, db):
    assert client.get(f"{API}/requests/123.json").status_code == 404
    report = factories.make_report()

    assert client.get(f"{API}/requests/{report.pk}.json").status_code == 200


def test_a_kept_answer_is_served_with_the_same_headers_and_no_cookie(client, listed):
    first = client.get(f"{API}/requests.json")
    second = client.get(f"{API}/requests.json")

    assert second.content == first.content
    for header in ("Content-Type", "X-Frame-Options", "Content-Language", "ETag"):
        assert second[header] == first[header]
    assert not second.cookies


def test_a_kept_answer_stays_language_neutral(client, listed):
    # The API speaks one language; a Spanish client asking after an English one must not
    # get a kept answer labelled, or worded, otherwise.
    english = client.get(f"{API}/requests.json", headers={"Accept-Language": "en"})
    spanish = client.get(f"{API}/requests.json", headers={"Accept-Language": "es"})

    assert english["Content-Language"] == spanish["Content-Language"] == "en"
    assert english.content == spanish.content
