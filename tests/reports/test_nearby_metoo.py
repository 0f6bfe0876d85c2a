"""Nearby open reports on the new-report page offer “Me too” one click away."""

from __future__ import annotations

from django.urls import reverse

from discussions.models import Support
from tests.factories import CENTRE, make_report

NEARBY = reverse("reports:nearby")


def test_nearby_fragment_offers_me_too_inside_the_form(resident_client, report):
    html = resident_client.get(
        NEARBY, {"lat": CENTRE[0], "lon": CENTRE[1]}, HTTP_HX_REQUEST="true"
    ).content.decode()

    support = reverse("discussions:thread-support", args=[report.thread_id])
    assert f'formaction="{support}" formnovalidate name="on" value="true"' in html
    assert "<form" not in html  # it sits inside the new-report form


def test_signed_out_me_too_from_the_new_report_page_is_kept_for_after_sign_in(
    client, resident, report
):
    html = client.get(
        NEARBY, {"lat": CENTRE[0], "lon": CENTRE[1]}, HTTP_HX_REQUEST="true"
    ).content.decode()
    intent = reverse("discussions:thread-intent", args=[report.thread_id])
    assert f'formaction="{intent}"' in html

    # The button posts the whole new-report form there.
    response = client.post(intent, {"action": "support", "title": "half typed", "service": ""})
    login = client.post(
        response.url, {"login": resident.email, "password": "correct-horse-battery"}
    )
    client.get(login.url)

    assert Support.objects.filter(thread_id=report.thread_id, user=resident).exists()


def test_signed_in_me_too_from_the_new_report_page_counts_and_shows_the_report(
    resident_client, resident, service
):
    other = make_report(service=service, title="Broken bench")

    response = resident_client.post(
        reverse("discussions:thread-support", args=[other.thread_id]),
        {"on": "true", "title": "half typed"},
    )

    assert response.status_code == 302
    assert response.url.startswith(other.get_absolute_url())
    assert Support.objects.filter(thread_id=other.thread_id, user=resident).exists()
