"""Small defects seen by residents, each pinned."""

from __future__ import annotations

import re

from django.urls import reverse

from tests.factories import make_report, make_service_with_every_attribute, make_topic, make_user
from tests.reports.test_views_new import _post


def test_error_summary_names_the_question(resident_client, authority):
    service = make_service_with_every_attribute()
    question = service.attributes.get(code="where-on-street").description
    response = _post(resident_client, service="streetlight", **{"attribute-colour": "flicker"})
    summary = response.content.decode().split('id="error-summary"')[1].split("</div>")[0]
    assert f"{question}: This field is required." in summary


def test_community_pages_have_a_title(client, db):
    topic = make_topic(author=make_user(), title="Benches by the pond")
    for url, title in (
        (reverse("discussions:topic-list"), "Community"),
        (topic.get_absolute_url(), "Benches by the pond"),
        (reverse("discussions:topic-map"), "Map of topics"),
    ):
        html = client.get(url).content.decode()
        assert re.search(rf"<title>{title} · Civic</title>", html), url


def test_a_new_report_is_not_zero_minutes_old(client, service, authority):
    make_report(service, title="Fresh")
    html = client.get(reverse("reports:list")).content.decode()
    assert "0 minutes ago" not in html and "now" in html


def test_closed_filter_is_not_the_fixed_or_closed_group(client, service, authority):
    html = client.get(reverse("reports:list")).content.decode()
    values = re.findall(
        r'<option value="([^"]*)"', html.split('name="state"')[1].split("</select>")[0]
    )
    assert len(values) == len(set(values))
