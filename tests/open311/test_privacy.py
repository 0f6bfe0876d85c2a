from __future__ import annotations

import pytest

from reports.actions import change_state
from reports.models import Report
from tests.open311.conftest import API

PRIVATE = {
    "email": "secret.person@private.example",
    "first_name": "Zebedee",
    "last_name": "Quackenbush",
    "phone": "+44 7700 900123",
    "device_id": "device-XYZZY-0042",
    "account_id": "account-PLUGH-77",
}


@pytest.fixture
def private_report(client, full_service, authority, valid_post, staff):
    response = client.post(f"{API}/requests.json", {**valid_post, **PRIVATE})
    assert response.status_code == 200
    report = Report.objects.get()
    change_state(report, "acknowledged", by=staff, note="We will look at it.")
    return report


def _get_urls(report: Report) -> list[str]:
    urls = []
    for fmt in ("json", "xml"):
        for query in ("", "?extensions=true"):
            urls += [
                f"{API}/requests.{fmt}{query}",
                f"{API}/requests/{report.pk}.{fmt}{query}",
                f"{API}/requests.{fmt}?service_request_id={report.pk}" + query.replace("?", "&"),
            ]
        urls.append(f"{API}/tokens/{report.token}.{fmt}")
    return urls


def test_no_get_output_holds_the_reporters_private_data(client, private_report):
    for url in _get_urls(private_report):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert private_report.service.code in body or "token" in url, url
        for field, value in PRIVATE.items():
            assert value not in body, (url, field)
        for name in ("contact_name", "contact_email", "contact_phone", "device_id", "first_name"):
            assert name not in body, (url, name)


def test_the_reporter_stays_anonymous_on_the_public_page(client, private_report):
    body = client.get(private_report.get_absolute_url()).content.decode()

    for value in PRIVATE.values():
        assert value not in body
