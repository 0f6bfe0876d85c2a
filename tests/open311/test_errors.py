from __future__ import annotations

import pytest
from django.test import Client

from tests.open311.conftest import API, assert_errors


@pytest.mark.parametrize(
    "url",
    [
        "/open311/nope",
        "/open311/v2/",
        "/open311/v2/nope.json",
        "/open311/v2/requests",
        "/open311/v2/services/pothole",
        "/open311/v1/services.json",
        "/open311/v2/requests/1/comments.json",
    ],
)
def test_unknown_url_under_open311_is_a_json_error_list_not_an_html_page(client, db, url):
    response = client.get(url)

    assert_errors(response, 404, "No such resource", "discovery.json")


def test_unknown_url_ending_in_xml_answers_in_xml(client, db):
    assert_errors(client.get("/open311/v2/nope.xml"), 404, "No such resource", fmt="xml")


def test_unknown_url_answers_the_error_list_to_a_post_without_csrf(db):
    response = Client(enforce_csrf_checks=True).post("/open311/v2/nope.json", {"a": "b"})

    assert_errors(response, 404)


@pytest.mark.parametrize(
    "url",
    ["discovery.html", "services.csv", "services/pothole.yaml", "requests.rss", "requests/1."],
)
def test_a_format_other_than_json_or_xml_is_400_in_json(client, service, url):
    response = client.get(f"{API}/{url}")

    assert_errors(response, 400, "Unknown format", "use .json or .xml")


@pytest.mark.parametrize(
    ("method", "url", "fmt"),
    [
        ("post", "services.json", "json"),
        ("post", "services/pothole.xml", "xml"),
        ("delete", "requests.json", "json"),
        ("put", "requests/1.xml", "xml"),
        ("post", "discovery.json", "json"),
        ("post", "tokens/abc.json", "json"),
    ],
)
def test_wrong_method_is_405_in_the_api_format(service, method, url, fmt):
    client = Client(enforce_csrf_checks=True)

    response = getattr(client, method)(f"{API}/{url}")

    assert_errors(response, 405, "is not allowed here", fmt=fmt)
    assert "GET" in response["Allow"]


def test_head_is_allowed_where_get_is(client, service):
    assert client.head(f"{API}/services.json").status_code == 200


def test_an_unexpected_failure_is_a_500_in_the_api_format(client, report, monkeypatch):
    from open311 import views

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "request_data", broken)

    response = client.get(f"{API}/requests.xml")

    descriptions = assert_errors(response, 500, "Internal error", fmt="xml")
    assert "boom" not in descriptions[0]


def test_an_unreadable_body_is_400_in_the_api_format(client, full_service, valid_post, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5

    response = client.post(f"{API}/requests.json", {**valid_post, **{f"x{n}": n for n in range(9)}})

    assert_errors(response, 400, "could not be read")


def test_control_characters_never_break_the_xml(client, service, authority):
    from tests import factories

    factories.make_report(service=service, description="bell\x07 and nul-ish \x1b text")

    response = client.get(f"{API}/requests.xml")

    import xml.etree.ElementTree as ET

    root = ET.fromstring(response.content)
    assert "bell and nul-ish  text" in root.findtext("request/description")


@pytest.mark.parametrize(
    "url", ["/open311/v2/nope%0A", "/open311/%0A%0A.json", "/open311/v2/requests.json%0A"]
)
def test_unknown_url_with_a_newline_is_still_the_error_list(client, db, url):
    response = client.get(url)

    assert response.status_code in (400, 404)
    assert response["Content-Type"] == "application/json; charset=utf-8"
