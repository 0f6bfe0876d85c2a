"""The report page: everything a resident needs to see, for anyone, in constant queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reports.actions import change_state
from reports.models import Report
from reports.photos import process_photo
from tests.factories import jpeg_upload, make_report, make_service_with_every_attribute


def _hide(report: Report) -> None:
    Report.objects.filter(pk=report.pk).update(is_hidden=True)


def test_anyone_sees_the_report_with_its_map_status_and_authority(anonymous, report):
    response = anonymous.get(report.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert '<h1 id="report-title">Deep pothole</h1>' in html
    assert '<span class="badge badge--submitted">Submitted</span>' in html
    assert 'id="report-map"' in html
    assert 'data-lat="51.51"' in html
    assert "Borough Council" in html
    assert "Something is broken here." in html
    # The discussion partial is integrated.
    assert 'class="discussion"' in html


def test_reporter_is_anonymous_unless_they_chose_to_show_their_name(anonymous, service, resident):
    hidden_name = make_report(service=service, reporter=resident, show_name=False)
    shown_name = make_report(service=service, reporter=resident, show_name=True)

    assert "Anonymous" in anonymous.get(hidden_name.get_absolute_url()).content.decode()
    assert "Rosa Parks" not in anonymous.get(hidden_name.get_absolute_url()).content.decode()
    assert "Rosa Parks" in anonymous.get(shown_name.get_absolute_url()).content.decode()


def test_private_contact_details_never_appear(anonymous, service, resident):
    report = make_report(service=service, reporter=resident, contact_phone="0123 456 789")

    html = anonymous.get(report.get_absolute_url()).content.decode()

    assert resident.email not in html
    assert "0123 456 789" not in html


def test_photos_show_as_thumbnails_linking_to_the_full_image(anonymous, service):
    report = make_report(service=service, photos=[process_photo(jpeg_upload())])
    photo = report.photos.get()

    html = anonymous.get(report.get_absolute_url()).content.decode()

    assert f'<a href="{photo.image.url}"><img src="{photo.thumbnail.url}"' in html


def test_answers_show_with_their_question_and_value_names(anonymous, authority):
    service = make_service_with_every_attribute()
    report = make_report(
        service=service,
        attributes={
            "where-on-street": "Post 7",
            "colour": "flicker",
            "dangers": ["dark-crossing", "wires"],
            "since": "2026-11-01T20:30:00+00:00",
        },
    )

    html = anonymous.get(report.get_absolute_url()).content.decode()

    assert "<dt>Which lamp post is it?</dt><dd>Post 7</dd>" in html
    assert "<dt>What does the light do?</dt><dd>It flickers</dd>" in html
    assert "<dd>Dark crossing, Loose wires</dd>" in html
    assert "Nov. 1, 2026" in html


def test_official_update_shows_in_the_timeline_with_a_badge(anonymous, report, staff):
    change_state(report, "acknowledged", by=staff, note="We will fill it on Monday.")

    html = anonymous.get(report.get_absolute_url()).content.decode()

    assert "We will fill it on Monday." in html
    assert '<span class="badge badge--official">Official</span>' in html
    assert '<span class="badge badge--acknowledged">Acknowledged</span>' in html


def test_hidden_report_is_not_found_for_the_public(anonymous, report):
    _hide(report)

    assert anonymous.get(report.get_absolute_url()).status_code == 404


def test_hidden_report_is_not_found_for_its_own_reporter(resident_client, report):
    _hide(report)

    assert resident_client.get(report.get_absolute_url()).status_code == 404


def test_hidden_report_is_shown_to_its_authority_staff_with_a_notice(staff_client, report):
    _hide(report)

    response = staff_client.get(report.get_absolute_url())

    assert response.status_code == 200
    assert "hidden from the public" in response.content.decode()


def test_hidden_report_is_not_found_for_another_authority_staff(client, other_staff, report):
    _hide(report)
    client.force_login(other_staff)

    assert client.get(report.get_absolute_url()).status_code == 404


def test_unknown_report_is_not_found(anonymous, db):
    assert anonymous.get(reverse("reports:detail", args=[999])).status_code == 404


@pytest.mark.parametrize("rows", [1, 30])
def test_report_page_runs_a_constant_number_of_queries(
    rows, anonymous, authority, django_assert_num_queries
):
    service = make_service_with_every_attribute()
    report = make_report(
        service=service,
        photos=[process_photo(jpeg_upload()) for _ in range(min(rows, 3))],
        attributes={"where-on-street": "Post 7", "colour": "off"},
    )
    for n in range(rows):
        change_state(report, "acknowledged" if n % 2 else "in_progress", note=f"Update {n}")

    with django_assert_num_queries(8):
        # 1. the report's thread, whose version the page is kept under
        # 2. the data versions the page is kept under (civic/versions.py; a kept copy costs none)
        # 3. the report with service, authority, reporter, thread and duplicate_of
        # 4. its photos
        # 5. its timeline updates with their authors
        # 6. its service's attributes (question texts and value names)
        # 7. its volunteer calls (none here) with their counts
        # 8. the first page of comments (discussions.queries.discussion_context;
        #    a signed-in viewer adds one for their follow/support state)
        response = anonymous.get(report.get_absolute_url())

    assert response.content.decode().count('class="timeline__item') == rows + 1


def test_description_markdown_is_rendered_and_sanitised(client, service, authority):
    report = make_report(
        service, description="It is *deep*.\n\n<script>alert(1)</script> [map](javascript:x)"
    )
    html = client.get(report.get_absolute_url()).content.decode()
    assert "<em>deep</em>" in html
    assert "<script>alert(1)</script>" not in html
    assert 'href="javascript' not in html
