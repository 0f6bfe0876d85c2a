"""An authority's public page and the index of authorities."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from accountability import stats
from reports.models import Report
from tests.factories import SQUARE, make_authority, make_report, make_service

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
PAGE = reverse("authorities:detail", args=["borough"])
INDEX = reverse("authorities:index")


def _pin(report: Report, **fields) -> None:
    Report.objects.filter(pk=report.pk).update(**fields)


@pytest.fixture
def borough(authority, service):
    authority.phone = "020 7946 0000"
    authority.website = "https://borough.example.org/"
    authority.save()
    service.target_working_days = 5
    service.save()
    return authority


@time_machine.travel(NOW, tick=False)
def test_the_page_shows_figures_area_services_contact_feeds_and_exports(
    anonymous, borough, service
):
    fixed = make_report(service=service, state="fixed", title="Fixed one")
    _pin(
        fixed,
        requested_at=NOW - timedelta(days=10),
        acknowledged_at=NOW - timedelta(days=10) + timedelta(hours=3),
        closed_at=NOW - timedelta(days=8),
        target_at=NOW - timedelta(days=5),
    )
    make_report(service=service, title="Still open")
    stats.refresh()

    response = anonymous.get(PAGE)

    assert response.status_code == 200
    html = response.content.decode()
    figures = response.context["figures"]
    assert figures["received"] == 2
    assert figures["acknowledge_median"] == "3 hours"
    assert figures["fix_median"] == "2 days"
    assert figures["within_target"] == "100%"
    # The map draws the boundary from a JSON element, read by static/js/authority.js.
    assert 'id="authority-boundary"' in html and '"Polygon"' in html
    assert 'src="/static/js/authority.js"' in html
    assert '<th scope="row">Pothole</th><td>5 working days</td>' in html
    assert "mailto:" + borough.email in html and "020 7946 0000" in html
    assert 'href="/reports/feeds/authority/borough.rss"' in html
    assert 'href="/reports/export.csv?authority=borough"' in html
    assert 'href="/reports/export.geojson?authority=borough"' in html
    # Open reports only.
    assert "Still open" in html and "Fixed one" not in html


def test_open_reports_are_newest_or_oldest_first(anonymous, borough, service):
    older = make_report(service=service, title="Older")
    _pin(older, requested_at=NOW - timedelta(days=3))
    newer = make_report(service=service, title="Newer")
    _pin(newer, requested_at=NOW - timedelta(days=1))

    newest = list(anonymous.get(PAGE).context["page"].object_list)
    oldest = list(anonymous.get(PAGE, {"order": "oldest"}).context["page"].object_list)

    assert newest == [newer, older]
    assert oldest == [older, newer]
    # An unknown order is the default, not an error.
    assert anonymous.get(PAGE, {"order": "sideways"}).status_code == 200


def test_hidden_and_other_authorities_reports_are_not_listed(
    anonymous, borough, other_authority, service
):
    hidden = make_report(service=service, title="Hidden report")
    _pin(hidden, is_hidden=True)
    theirs = make_report(service=service, title="Their report")
    _pin(theirs, authority=other_authority)

    html = anonymous.get(PAGE).content.decode()

    assert "Hidden report" not in html and "Their report" not in html
    assert "No open report" in html


def test_before_the_worker_has_run_the_figures_are_being_prepared(anonymous, borough):
    response = anonymous.get(PAGE)

    assert response.status_code == 200
    assert "The figures are being prepared." in response.content.decode()


def test_an_unknown_or_inactive_authority_is_404(anonymous, borough):
    make_authority(name="Old Council", slug="old", is_active=False)

    assert anonymous.get(reverse("authorities:detail", args=["nobody"])).status_code == 404
    assert anonymous.get(reverse("authorities:detail", args=["old"])).status_code == 404


def test_an_authority_without_a_boundary_has_no_map(anonymous, other_authority):
    html = anonymous.get(reverse("authorities:detail", args=["water"])).content.decode()

    assert "authority-boundary" not in html and "authority.js" not in html


@pytest.mark.parametrize("rows", [1, 30])
def test_authority_page_queries_do_not_grow_with_reports(
    rows, anonymous, borough, service, django_assert_num_queries
):
    for _ in range(rows):
        make_report(service=service)
    stats.refresh()

    with django_assert_num_queries(5):
        # 1. the authority; 2. count of its open reports (capped); 3. the page of them,
        # with service and thread; 4. their photos; 5. its services. The figures are
        # one cache read (in memory in tests).
        response = anonymous.get(PAGE)

    assert len(response.context["page"].object_list) == min(rows, 25)


def test_the_index_lists_authorities_with_their_league_figures(
    anonymous, borough, other_authority, service
):
    make_report(service=service)
    stats.refresh()

    response = anonymous.get(INDEX)

    html = response.content.decode()
    assert 'href="/authorities/borough/"' in html and 'href="/authorities/water/"' in html
    (row,) = [r for r in response.context["rows"] if r["authority"] == borough]
    assert row["figures"]["received"] == 1


@pytest.mark.parametrize("rows", [1, 30])
def test_index_queries_do_not_grow(rows, anonymous, service, django_assert_num_queries):
    for n in range(rows):
        make_authority(services=[service], boundary=SQUARE if n == 0 else None)
    stats.refresh()

    with django_assert_num_queries(1):
        # 1. the active authorities; the figures are one cache read.
        anonymous.get(INDEX)


def test_the_report_page_links_to_the_authority(anonymous, report):
    html = anonymous.get(report.get_absolute_url()).content.decode()

    assert '<a href="/authorities/borough/">Sent to Borough Council</a>' in html


def test_the_stats_page_links_to_every_authority(anonymous, db):
    html = anonymous.get(reverse("accountability:stats")).content.decode()

    assert f'href="{INDEX}"' in html


def test_a_service_without_a_target_says_so(anonymous, borough):
    graffiti = make_service(code="graffiti", name="Graffiti")
    borough.contacts.create(service=graffiti, email=borough.email)

    html = anonymous.get(PAGE).content.decode()

    assert '<th scope="row">Graffiti</th><td>No target set</td>' in html
