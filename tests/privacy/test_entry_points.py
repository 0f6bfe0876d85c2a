"""Every public text entry point hides personal data, keeps the original for staff, and
(on the web) tells the author first, keeping what they typed."""

from __future__ import annotations

import re
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from civic.models import OutboundEmail, PrivateOriginal
from discussions import actions as discussion_actions
from discussions.models import Comment, Thread
from reports.actions import change_state, edit_report
from reports.models import Report
from tests.factories import CENTRE, make_comment
from tests.privacy.conftest import HTMX, PHONE, original_of
from volunteers.models import Opportunity

NEW = reverse("reports:new")
WARNING = "Your text looks like it contains a phone number (612 345 678)."


def _report_data(**overrides) -> dict:
    return {
        "service": "pothole",
        "lat": str(CENTRE[0]),
        "lon": str(CENTRE[1]),
        "address": "12 High Street",
        "title": "Deep pothole",
        "description": f"Call me on {PHONE} if you need the exact spot.",
        "name": "Rosa Parks",
        **overrides,
    }


# --- reports ----------------------------------------------------------------------------


def test_new_report_with_a_phone_number_is_shown_again_with_a_warning(resident_client, authority):
    response = resident_client.post(NEW, _report_data())
    assert response.status_code == 200
    assert not Report.objects.exists()
    html = response.content.decode()
    assert WARNING in html
    assert "It will be shown as [phone number hidden]; staff can still see it." in html
    # Linked to its field, listed in the summary, and everything typed is kept.
    assert 'aria-describedby="id_description_helptext id_description_error"' in html
    assert 'href="#id_description"' in html
    assert f"Call me on {PHONE} if you need the exact spot.</textarea>" in html
    assert 'value="12 High Street"' in html and 'value="Rosa Parks"' in html
    assert 'name="post_as_is"' in html


def test_posting_as_it_is_hides_the_number_and_keeps_the_original(resident_client, authority):
    response = resident_client.post(NEW, _report_data(post_as_is="on"))
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.description == "Call me on [phone number hidden] if you need the exact spot."
    kept = original_of(report, "description")
    assert kept.original == f"Call me on {PHONE} if you need the exact spot."
    assert kept.kinds == ["phone"]
    assert not PrivateOriginal.objects.filter(field="title").exists()


def test_a_report_title_is_masked_on_its_discussion_too(resident_client, authority):
    resident_client.post(NEW, _report_data(title="Van 1234 BCD on the pavement", post_as_is="on"))
    report = Report.objects.get()
    assert report.title == "Van [number plate hidden] on the pavement"
    assert report.thread.title == report.title
    assert original_of(report, "title").original == "Van 1234 BCD on the pavement"


def test_a_report_without_personal_data_is_sent_at_once(resident_client, authority):
    response = resident_client.post(NEW, _report_data(description="By the bus stop, 30 cm."))
    assert response.status_code == 302
    assert Report.objects.get().description == "By the bus stop, 30 cm."
    assert not PrivateOriginal.objects.exists()


def test_a_guest_report_is_warned_and_masked_when_published(anonymous, authority):
    data = _report_data(email="ada@example.org", website="")
    assert WARNING in anonymous.post(NEW, data).content.decode()
    anonymous.post(NEW, {**data, "post_as_is": "on"})
    email = OutboundEmail.objects.get(subject__startswith="Confirm your report")
    link = re.search(r"https?://[^/\s]+(/reports/confirm/[^/\s]+/)", email.body_text).group(1)
    anonymous.post(link)
    report = Report.objects.get()
    assert PHONE not in report.description
    assert original_of(report, "description").original.startswith(f"Call me on {PHONE}")


def test_the_reporters_edit_is_warned_then_masked_and_the_kept_original_follows(
    resident_client, authority
):
    resident_client.post(NEW, _report_data(post_as_is="on"))
    report = Report.objects.get()
    url = reverse("reports:edit-own", args=[report.pk])
    new_text = "Ring 699 111 222 instead."
    response = resident_client.post(url, {"title": report.title, "description": new_text})
    assert response.status_code == 200
    html = response.content.decode()
    assert "a phone number (699 111 222)" in html and f"{new_text}</textarea>" in html
    resident_client.post(url, {"title": report.title, "description": new_text, "post_as_is": "on"})
    report.refresh_from_db()
    assert report.description == "Ring [phone number hidden] instead."
    assert original_of(report, "description").original == new_text
    # Taken out again: nothing left to keep.
    resident_client.post(url, {"title": report.title, "description": "Ring the council."})
    report.refresh_from_db()
    assert report.description == "Ring the council."
    assert not PrivateOriginal.objects.filter(field="description").exists()


def test_staff_edits_and_official_notes_are_masked_too(report, staff):
    edit_report(report, by=staff, description="The owner, ana@example.org, was told.")
    report.refresh_from_db()
    assert report.description == "The owner, [email hidden], was told."
    assert original_of(report, "description").original == "The owner, ana@example.org, was told."
    update = change_state(report, Report.State.ACKNOWLEDGED, by=staff, note=f"Call {PHONE}.")
    assert update.note == "Call [phone number hidden]."
    assert original_of(update, "note").original == f"Call {PHONE}."


def test_an_open311_post_cannot_warn_so_it_masks(client, full_service, authority, valid_post):
    response = client.post(
        "/open311/v2/requests.json",
        {**valid_post, "description": f"Deep pothole. Call {PHONE}. Car AB12 CDE nearby."},
    )
    assert response.status_code == 200
    report = Report.objects.get()
    assert report.description == (
        "Deep pothole. Call [phone number hidden]. Car [number plate hidden] nearby."
    )
    assert original_of(report, "description").kinds == ["phone", "plate"]


# --- comments -----------------------------------------------------------------------------


def test_a_comment_with_a_phone_number_is_shown_again_with_a_warning(resident_client, report):
    url = reverse("discussions:comments", args=[report.thread.pk])
    body = f"I saw it too, call me on {PHONE}."
    response = resident_client.post(url, {"body": body})
    assert response.status_code == 200
    html = response.content.decode()
    assert WARNING in html and f"{body}</textarea>" in html
    assert f'aria-describedby="comment-body-{report.thread.pk}-errors"' in html
    assert not Comment.objects.exists()
    response = resident_client.post(url, {"body": body, "post_as_is": "on"})
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert comment.body == "I saw it too, call me on [phone number hidden]."
    assert PHONE not in comment.body_html
    assert original_of(comment, "body").original == body


def test_the_htmx_comment_form_comes_back_with_the_warning_and_the_text(resident_client, report):
    url = reverse("discussions:comments", args=[report.thread.pk])
    body = f"Call me on {PHONE}."
    response = resident_client.post(url, {"body": body}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith("<form") and WARNING in html and f"{body}</textarea>" in html
    box = f'id="comment-body-{report.thread.pk}-post-as-is"'
    assert box in html
    response = resident_client.post(url, {"body": body, "post_as_is": "on"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "[phone number hidden]" in html and PHONE not in html
    assert Comment.objects.get().body == "Call me on [phone number hidden]."


def test_editing_a_comment_masks_again_and_deleting_it_forgets_the_original(resident, report):
    comment = make_comment(report.thread, author=resident, body=f"Call {PHONE}")
    assert original_of(comment, "body").original == f"Call {PHONE}"
    discussion_actions.edit_comment(comment, resident, "Mail me at rosa@example.org")
    assert comment.body == "Mail me at [email hidden]"
    assert original_of(comment, "body").original == "Mail me at rosa@example.org"
    discussion_actions.delete_comment(comment, resident)
    assert not PrivateOriginal.objects.exists()


def test_a_moderators_rewrite_is_masked(report, staff, resident):
    comment = make_comment(report.thread, author=resident, body="Fine")
    discussion_actions.moderate_comment_text(comment, by=staff, body=f"Fine ({PHONE})")
    comment.refresh_from_db()
    assert comment.body == "Fine ([phone number hidden])"


# --- topics and volunteer calls ----------------------------------------------------------


def test_a_topic_is_warned_then_masked(resident_client):
    data = {"kind": "idea", "title": "Bench for 1234 BCD owners?", "body": f"Call {PHONE}"}
    response = resident_client.post(reverse("discussions:topic-create"), data)
    html = response.content.decode()
    assert "a vehicle number plate (1234 BCD)" in html and WARNING in html
    assert 'value="Bench for 1234 BCD owners?"' in html
    resident_client.post(reverse("discussions:topic-create"), {**data, "post_as_is": "on"})
    topic = Thread.objects.get()
    assert topic.title == "Bench for [number plate hidden] owners?"
    assert topic.body == "Call [phone number hidden]" and PHONE not in topic.body_html
    assert original_of(topic, "body").original == f"Call {PHONE}"


def _call_data(**overrides) -> dict:
    start = timezone.now() + timedelta(days=5)
    return {
        "title": "Clean-up at Elm Park",
        "description": f"Questions? Call {PHONE}.",
        "start_at": start.strftime("%Y-%m-%dT%H:%M"),
        "end_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "meeting_point": "The north gate",
        "capacity": "12",
        **overrides,
    }


def test_a_volunteer_call_is_warned_then_masked_and_its_edit_too(resident_client, report):
    url = reverse("volunteers:new", args=[report.thread.pk])
    response = resident_client.post(url, _call_data())
    assert response.status_code == 400 and WARNING in response.content.decode()
    assert resident_client.post(url, _call_data(post_as_is="on")).status_code == 302
    call = Opportunity.objects.get()
    assert call.description == "Questions? Call [phone number hidden]."
    assert original_of(call, "description").original == f"Questions? Call {PHONE}."
    edit = reverse("volunteers:edit", args=[call.pk])
    changed = _call_data(description="Questions? Mail ana@example.org.", post_as_is="on")
    assert resident_client.post(edit, changed).status_code == 302
    call.refresh_from_db()
    assert call.description == "Questions? Mail [email hidden]."
    assert original_of(call, "description").original == "Questions? Mail ana@example.org."


def test_nobody_else_is_warned_about_ordinary_numbers(resident_client, report):
    url = reverse("discussions:comments", args=[report.thread.pk])
    body = "Still there on 06/12/2026 at 10:30, about 30 cm, see report #12345."
    assert resident_client.post(url, {"body": body}).status_code == 302
    assert Comment.objects.get().body == body
