"""Every change to a report keeps its discussion, its permissions and its history
consistent, whichever door it comes through (admin, staff panel, upstream sync)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from civic.models import OutboundEmail
from delivery.models import Delivery
from discussions import actions as discussion_actions
from discussions.models import Comment, ModerationEntry, Notification, Thread
from discussions.notifications import send_due_digests
from reports import actions
from reports.models import Report, ReportUpdate
from tests.admin_forms import post_change_form
from tests.factories import make_comment, make_report, make_user

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _change_url(report: Report) -> str:
    return reverse("admin:reports_report_change", args=[report.pk])


def _hide_in_admin(client, report: Report, reason: str = "Shows a car's number plate"):
    return client.post(
        reverse("admin:reports_report_changelist"),
        {"action": "hide", "_selected_action": [report.pk], "reason": reason, "index": 0},
    )


def _discussion_urls(thread: Thread, comment: Comment) -> list[tuple[str, str, dict]]:
    """Every discussion URL of a thread: (method, url, data)."""
    t, c = thread.pk, comment.pk
    return [
        ("get", f"/community/threads/{t}/comments/?after=0", {}),
        ("get", f"/community/threads/{t}/comments/since/?v=0", {}),
        ("post", f"/community/threads/{t}/comments/", {"body": "Still here?"}),
        ("post", f"/community/threads/{t}/follow/", {"on": "on"}),
        ("post", f"/community/threads/{t}/support/", {"on": "on"}),
        ("get", f"/community/comments/{c}/", {}),
        ("get", f"/community/comments/{c}/reply/", {}),
        ("post", f"/community/comments/{c}/reply/", {"body": "A reply"}),
        ("get", f"/community/comments/{c}/edit/", {}),
        ("get", f"/community/comments/{c}/flag/", {}),
        ("post", f"/community/comments/{c}/flag/", {"reason": "spam"}),
        ("get", f"/community/comments/{c}/moderate/", {}),
        ("get", f"/community/topics/{t}/", {}),
    ]


# --- hiding ---------------------------------------------------------------------------


def test_hiding_a_report_in_the_admin_hides_its_whole_discussion(
    client, staff, resident, other_staff, report
):
    comment = make_comment(report.thread, author=resident, body="The hole is by number 12")
    staff_client = client
    staff_client.force_login(staff)
    assert _hide_in_admin(staff_client, report).status_code == 302

    report.refresh_from_db()
    thread = Thread.objects.get(pk=report.thread_id)
    assert report.is_hidden and thread.is_hidden
    # Everyone but its moderators: the author of the comment, another authority's
    # staff, a visitor.
    for who in (resident, other_staff, None):
        client.logout()
        if who:
            client.force_login(who)
        missing = _discussion_urls(Thread(pk=999999), Comment(pk=999999))
        for (method, url, data), (_m, missing_url, _d) in zip(
            _discussion_urls(thread, comment), missing, strict=True
        ):
            response = getattr(client, method)(url, data, **HTMX)
            if who is None and response.status_code == 302:
                # Sign-in first, exactly as for a discussion that does not exist.
                assert getattr(client, method)(missing_url, data, **HTMX).status_code == 302
                assert "/accounts/login/" in response["Location"]
                continue
            assert response.status_code == 404, (who, method, url, response.status_code)
        assert client.get(report.get_absolute_url()).status_code == 404
    assert Comment.objects.count() == 1
    assert not thread.supports.exists()


def test_staff_of_the_authority_still_see_a_hidden_report_and_its_discussion(
    client, staff, resident, report
):
    make_comment(report.thread, author=resident, body="The hole is by number 12")
    actions.hide_report(report, by=staff, reason="Personal data")
    client.force_login(staff)

    page = client.get(report.get_absolute_url())
    poll = client.get(f"/community/threads/{report.thread_id}/comments/since/?v=0", **HTMX)

    assert page.status_code == 200 and "The hole is by number 12" in page.content.decode()
    assert poll.status_code == 200 and "The hole is by number 12" in poll.content.decode()


def test_a_hidden_report_emails_no_follower(staff, resident, report):
    follower = make_user(email="follower@example.org")
    discussion_actions.set_following(report.thread, follower, True)
    start = timezone.now()
    make_comment(report.thread, author=resident, body="Waiting for a digest")
    assert Notification.objects.filter(follow__user=follower).exists()

    actions.hide_report(report, by=staff, reason="Personal data")
    actions.change_state(report, Report.State.FIXED, by=staff, note="Filled in.")

    assert send_due_digests(now=start + timedelta(hours=1)) == 0
    assert not OutboundEmail.objects.filter(to=follower.email).exists()


def test_showing_a_report_again_reopens_its_discussion(client, staff, resident, report):
    actions.hide_report(report, by=staff, reason="Checking")
    actions.unhide_report(report, by=staff, reason="Checked: nothing private")
    client.force_login(resident)

    response = client.post(
        f"/community/threads/{report.thread_id}/comments/", {"body": "Thanks"}, **HTMX
    )

    assert response.status_code == 200
    assert not Thread.objects.get(pk=report.thread_id).is_hidden


# --- reassigning ----------------------------------------------------------------------


def test_not_ours_in_the_admin_moves_report_and_discussion_to_the_other_authority(
    client, staff, other_staff, other_authority, resident, report
):
    comment = make_comment(report.thread, author=resident, body="Any news?")
    client.force_login(staff)
    response = post_change_form(
        client,
        _change_url(report),
        authority=str(other_authority.pk),
        moderation_reason="The water company owns this pipe",
    )
    assert response.status_code == 302, response.content.decode()[:3000]

    report.refresh_from_db()
    thread = Thread.objects.get(pk=report.thread_id)
    assert report.authority == other_authority
    assert thread.official_group_id == other_authority.staff_group_id
    assert Delivery.objects.filter(report=report, authority=other_authority).exists()
    entry = ReportUpdate.objects.filter(report=report).latest("pk")
    assert entry.note == "Passed to Water Company." and entry.is_official
    # The old authority's staff no longer moderate; the new one's do, and speak officially.
    moderate_url = f"/community/comments/{comment.pk}/moderate/"
    assert client.get(moderate_url).status_code == 403
    client.force_login(other_staff)
    assert client.get(moderate_url).status_code == 200
    reply = discussion_actions.post_comment(thread, other_staff, "We are on it.")
    assert reply.is_official


def test_reassigning_to_another_category_routes_anew(staff, service, other_authority, report):
    from tests.factories import make_service

    leak = make_service(code="leak", name="Water leak")
    other_authority.contacts.create(service=leak, email="leaks@water.example.org")

    update = actions.reassign_report(report, by=staff, service=leak, note="It is a leak.")

    report.refresh_from_db()
    assert report.service == leak and report.authority == other_authority
    assert "Moved to the category “Water leak”." in update.note
    assert Delivery.objects.filter(report=report, authority=other_authority).exists()


def test_reassigning_to_the_same_authority_is_refused(staff, authority, report):
    with pytest.raises(actions.NotAllowed):
        actions.reassign_report(report, by=staff, authority=authority)


# --- the moderation log ---------------------------------------------------------------


def test_every_staff_change_is_logged_with_the_original_values(
    staff, service, other_authority, report
):
    original = make_report(service=service, title="The same hole")
    actions.edit_report(
        report,
        by=staff,
        title="Pothole outside number 12",
        description="A deep pothole.",
        reason="Removed a phone number",
    )
    actions.change_state(report, Report.State.ACKNOWLEDGED, by=staff, note="Seen.")
    actions.hide_report(report, by=staff, reason="Checking a photo")
    actions.unhide_report(report, by=staff, reason="Photo is fine")
    actions.mark_duplicate(report, original, by=staff, note="Reported before.")
    actions.reassign_report(report, by=staff, authority=other_authority, reason="Their road")

    entries = list(
        ModerationEntry.objects.filter(target_type="report", target_id=report.pk).order_by("pk")
    )
    by_action = {}
    for entry in entries:
        by_action.setdefault(entry.action, []).append(entry)
    edit = by_action["edit"][0]
    assert edit.actor == staff and edit.reason == "Removed a phone number"
    assert edit.original == {"title": "Deep pothole", "description": "Something is broken here."}
    assert by_action["state"][0].original["state"] == "submitted"
    assert by_action["hide"][0].reason == "Checking a photo"
    assert by_action["unhide"][0].original == {"is_hidden": True}
    assert by_action["duplicate"][0].changes == {"duplicate_of": original.pk}
    assert by_action["reassign"][0].original == {"service": "pothole", "authority": "borough"}
    # The discussion followed each change.
    thread = Thread.objects.get(pk=report.thread_id)
    assert thread.title == "Pothole outside number 12"
    assert thread.is_locked  # a duplicate's conversation carries on at the original


def test_staff_see_the_log_on_the_report_page_and_residents_do_not(client, staff, resident, report):
    actions.edit_report(report, by=staff, title="Pothole by the school", reason="Clearer title")
    client.force_login(staff)
    html = client.get(report.get_absolute_url()).content.decode()
    assert "Staff: moderation log" in html
    assert "Clearer title" in html and "Deep pothole" in html  # the original title

    client.force_login(resident)
    html = client.get(report.get_absolute_url()).content.decode()
    assert "moderation log" not in html and "Clearer title" not in html


def test_comment_moderation_is_logged_and_shown_in_the_report_admin(
    client, staff, resident, report
):
    comment = make_comment(report.thread, author=resident, body="Call me on 0123")
    client.force_login(staff)
    client.post(
        f"/community/comments/{comment.pk}/moderate/",
        {"action": "hide", "reason": "personal information"},
    )
    entry = ModerationEntry.objects.get(action="comment_hide")
    assert entry.actor == staff and entry.thread_id == report.thread_id
    assert entry.original["is_hidden"] is False
    assert entry.changes["hidden_reason"] == "personal information"

    html = client.get(_change_url(report)).content.decode()
    assert "Comment hidden" in html


# --- the upstream sync and the staff panel go through the same actions ------------------


def test_upstream_status_goes_through_the_actions(report):
    from delivery.sending import apply_upstream

    assert apply_upstream(report.pk, {"status": "closed", "status_notes": "Repaired."}) == 1

    report.refresh_from_db()
    assert report.state == Report.State.FIXED
    entry = ModerationEntry.objects.get(action="state")
    assert entry.actor is None and entry.original["state"] == "submitted"
    assert Thread.objects.get(pk=report.thread_id).version > 0


# --- the report admin cannot forge ---------------------------------------------------


def test_report_admin_keeps_the_reporter_and_never_shows_other_users_or_reports(
    client, staff, service, other_authority, report, resident
):
    stranger = make_user(first_name="Zebedee", last_name="Unrelated", email="zeb@example.org")
    theirs = make_report(service=service, title="Secret matter of the water company")
    actions.reassign_report(theirs, authority=other_authority)
    actions.hide_report(theirs, by=None, reason="Private")
    client.force_login(staff)

    response = post_change_form(
        client,
        _change_url(report),
        reporter=str(stranger.pk),
        new_state="duplicate",
        duplicate_of=str(theirs.pk),
    )

    assert response.status_code == 200  # the form comes back with an error
    html = response.content.decode()
    assert "There is no report with this number" in html
    assert "Secret matter" not in html
    assert "Zebedee" not in html and "zeb@example.org" not in html
    report.refresh_from_db()
    assert report.reporter == resident and report.state == Report.State.SUBMITTED
    assert report.duplicate_of is None


def test_report_admin_marks_a_duplicate_of_a_report_of_the_same_authority(
    client, staff, service, report
):
    original = make_report(service=service, title="The first report")
    client.force_login(staff)

    response = post_change_form(
        client,
        _change_url(report),
        new_state="duplicate",
        duplicate_of=str(original.pk),
        public_note="Reported before.",
    )

    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == Report.State.DUPLICATE and report.duplicate_of == original
    assert Thread.objects.get(pk=report.thread_id).is_locked


def test_report_admin_edit_of_the_title_keeps_the_original(client, staff, report):
    client.force_login(staff)

    post_change_form(
        client, _change_url(report), title="Pothole by the school", moderation_reason="Clearer"
    )

    report.refresh_from_db()
    assert report.title == "Pothole by the school"
    assert Thread.objects.get(pk=report.thread_id).title == "Pothole by the school"
    entry = ModerationEntry.objects.get(action="edit")
    assert entry.original == {"title": "Deep pothole"} and entry.actor == staff


def test_hiding_in_the_report_form_needs_a_reason(client, staff, report):
    client.force_login(staff)

    response = post_change_form(client, _change_url(report), is_hidden="on")

    assert response.status_code == 200
    assert "Say why you hide the report" in response.content.decode()
    report.refresh_from_db()
    assert not report.is_hidden


# --- the staff panel's "not ours" and hide forms ------------------------------------


def test_staff_pass_a_report_on_from_its_page(client, staff, other_authority, report):
    client.force_login(staff)
    page = client.get(report.get_absolute_url()).content.decode()
    assert "Not ours: pass it on" in page

    response = client.post(
        reverse("triage:reassign", args=[report.pk]),
        {"authority": other_authority.pk, "service": report.service_id, "note": "Their pipe."},
    )

    assert response.status_code == 302
    report.refresh_from_db()
    assert report.authority == other_authority
    assert ReportUpdate.objects.filter(note="Passed to Water Company. Their pipe.").exists()


def test_passing_on_to_nobody_new_is_a_form_error_keeping_the_note(client, staff, report):
    client.force_login(staff)

    response = client.post(
        reverse("triage:reassign", args=[report.pk]),
        {"authority": "", "service": report.service_id, "note": "Not our road"},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Choose the authority to pass it to" in html and "Not our road" in html


def test_staff_hide_a_report_from_its_page_with_a_reason(client, staff, report):
    client.force_login(staff)
    url = reverse("triage:visibility", args=[report.pk])

    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 200 and "Say why" in refused.content.decode()
    assert client.post(url, {"reason": "A face in the photo"}).status_code == 302

    report.refresh_from_db()
    assert report.is_hidden
    assert "Show to the public again" in client.get(report.get_absolute_url()).content.decode()


@pytest.mark.parametrize("who", ["resident", "other_staff"])
def test_only_the_authority_staff_may_pass_on_or_hide(
    client, resident, other_staff, other_authority, report, who
):
    client.force_login({"resident": resident, "other_staff": other_staff}[who])

    reassign = client.post(
        reverse("triage:reassign", args=[report.pk]),
        {"authority": other_authority.pk, "service": report.service_id},
    )
    hide = client.post(reverse("triage:visibility", args=[report.pk]), {"reason": "x"})

    assert reassign.status_code == 403 and hide.status_code == 403
    report.refresh_from_db()
    assert not report.is_hidden and report.authority.slug == "borough"
    assert "Not ours" not in client.get(report.get_absolute_url()).content.decode()


def test_a_cached_poll_stops_answering_once_the_report_is_hidden(
    client, staff, report, django_capture_on_commit_callbacks
):
    thread = Thread.objects.get(pk=report.thread_id)
    url = f"/community/threads/{thread.pk}/comments/since/?v={thread.version}"
    first = client.get(url, **HTMX)  # now in the shared cache
    assert first.status_code == 204

    with django_capture_on_commit_callbacks(execute=True):
        actions.hide_report(report, by=staff, reason="Personal data")

    assert client.get(url, **HTMX).status_code == 404
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"], **HTMX).status_code == 404
