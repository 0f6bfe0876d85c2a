"""Staff answering in public on the report page: new status, note, expected date."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from civic.models import OutboundEmail
from discussions.models import Follow, Notification
from reports.actions import change_state, mark_duplicate
from reports.models import Report, ReportUpdate
from tests.factories import make_report, make_user, worker_round

HTMX = {"HTTP_HX_REQUEST": "true"}
PANEL = 'id="staff-panel"'


def _url(report: Report) -> str:
    return reverse("triage:update", args=[report.pk])


def _post(client, report: Report, *, htmx: bool = False, follow: bool = False, **data):
    data.setdefault("state", report.state)
    return client.post(_url(report), data, follow=follow, **(HTMX if htmx else {}))


def _in_a_week() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=7)


# --- the happy paths ------------------------------------------------------------------


def test_staff_acknowledges_with_a_public_note(staff_client, staff, report, resident):
    response = _post(staff_client, report, state="acknowledged", note="A crew comes on Monday.")

    assert response.status_code == 302
    assert response.url == report.get_absolute_url()
    report.refresh_from_db()
    assert report.state == Report.State.ACKNOWLEDGED
    assert report.acknowledged_at is not None
    update = report.updates.latest("created_at", "id")
    assert (update.state, update.note, update.author, update.is_official) == (
        "acknowledged",
        "A crew comes on Monday.",
        staff,
        True,
    )
    # The reporter hears about it at once, by email, rather than in the next digest.
    email = OutboundEmail.objects.get(to=resident.email)
    assert "Acknowledged" in email.subject
    assert "A crew comes on Monday." in email.body_text
    assert report.get_absolute_url() in email.body_text
    assert not Notification.objects.filter(follow__user=resident).exists()


def test_the_update_shows_on_the_page_with_a_success_message(staff_client, report):
    response = _post(
        staff_client, report, state="acknowledged", note="A crew comes on Monday.", follow=True
    )

    html = response.content.decode()
    assert "Your update is published on the timeline." in html
    assert "A crew comes on Monday." in html
    assert '<span class="badge badge--official">Official</span>' in html
    assert '<span class="badge badge--acknowledged">Acknowledged</span>' in html


def test_note_only_update_keeps_the_state(staff_client, report):
    change_state(report, "acknowledged")

    _post(staff_client, report, state="acknowledged", note="Parts are on order.")

    report.refresh_from_db()
    assert report.state == Report.State.ACKNOWLEDGED
    update = report.updates.latest("created_at", "id")
    assert (update.state, update.note, update.is_official) == ("", "Parts are on order.", True)


def test_a_new_state_needs_no_note(staff_client, report):
    _post(staff_client, report, state="fixed")

    report.refresh_from_db()
    assert report.state == Report.State.FIXED
    assert report.closed_at is not None
    assert report.updates.latest("created_at", "id").note == ""


def test_expected_by_date_is_set_and_shown_in_the_facts(staff_client, report):
    day = _in_a_week()

    response = _post(
        staff_client, report, state="in_progress", expected_at=day.isoformat(), follow=True
    )

    report.refresh_from_db()
    assert timezone.localdate(report.expected_at) == day
    html = response.content.decode()
    assert "<dt>Expected by</dt>" in html
    assert f'value="{day.isoformat()}"' in html  # the form shows the date set


def test_an_expected_date_already_past_may_stay_when_adding_a_note(staff_client, report):
    """The form comes prefilled with the date set earlier: keeping it is no error."""
    last_week = timezone.now() - dt.timedelta(days=7)
    Report.objects.filter(pk=report.pk).update(expected_at=last_week)

    response = _post(
        staff_client,
        report,
        note="Sorry, we are late.",
        expected_at=timezone.localdate(last_week).isoformat(),
    )

    assert response.status_code == 302
    report.refresh_from_db()
    assert report.expected_at == last_week


def test_clearing_the_expected_date_removes_it(staff_client, report):
    Report.objects.filter(pk=report.pk).update(expected_at=timezone.now())

    _post(staff_client, report, note="No date yet.", expected_at="")

    report.refresh_from_db()
    assert report.expected_at is None


def test_duplicate_points_at_the_original(staff_client, service, report):
    original = make_report(service=service, title="Pothole on Elm Street")

    response = _post(
        staff_client,
        report,
        state="duplicate",
        duplicate_of=f"#{original.pk}",
        note="Already reported.",
        follow=True,
    )

    report.refresh_from_db()
    assert report.state == Report.State.DUPLICATE
    assert report.duplicate_of == original
    html = response.content.decode()
    assert f'Duplicate of <a href="{original.get_absolute_url()}">Pothole on Elm Street</a>' in html


def test_superuser_may_answer_too(client, report):
    admin = make_user(is_staff=True, is_superuser=True)
    client.force_login(admin)

    response = _post(client, report, state="in_progress", note="On it.")

    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == Report.State.IN_PROGRESS


def test_staff_may_answer_on_a_hidden_report_of_their_authority(staff_client, report):
    Report.objects.filter(pk=report.pk).update(is_hidden=True)

    response = _post(staff_client, report, state="closed", note="Not a public matter.")

    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == Report.State.CLOSED


# --- what is refused, and why ---------------------------------------------------------


def _invalid(client, report: Report, **data) -> str:
    """Post, expect the page back with the form's errors and nothing changed."""
    before = ReportUpdate.objects.count()
    response = _post(client, report, **data)
    assert response.status_code == 200
    assert ReportUpdate.objects.count() == before
    return response.content.decode()


def test_keeping_the_state_needs_a_note(staff_client, report):
    html = _invalid(staff_client, report, note="   ", expected_at=_in_a_week().isoformat())

    assert "Write a public note, or choose a new status." in html
    # The full page comes back with the panel, keeping what was typed.
    assert '<h1 id="report-title">Deep pothole</h1>' in html
    assert f'value="{_in_a_week().isoformat()}"' in html


def test_note_is_at_most_2000_characters(staff_client, report):
    html = _invalid(staff_client, report, state="acknowledged", note="x" * 2001)

    assert "Ensure this value has at most 2000 characters (it has 2001)." in html


def test_expected_date_cannot_be_newly_set_in_the_past(staff_client, report):
    yesterday = timezone.localdate() - dt.timedelta(days=1)

    html = _invalid(staff_client, report, state="acknowledged", expected_at=yesterday.isoformat())

    assert "The expected date cannot be in the past." in html


@pytest.mark.parametrize(
    ("original", "message"),
    [
        ("", "Type the number of the report this one repeats."),
        ("abc", "Type the number of the original report, such as 123."),
        ("self", "A report cannot be a duplicate of itself."),
        ("unknown", "There is no public report #"),
        ("hidden", "There is no public report #"),
    ],
)
def test_duplicate_needs_a_visible_original(staff_client, service, report, original, message):
    hidden = make_report(service=service)
    Report.objects.filter(pk=hidden.pk).update(is_hidden=True)
    number = {"self": report.pk, "unknown": 999_999, "hidden": hidden.pk}.get(original, original)

    html = _invalid(staff_client, report, state="duplicate", duplicate_of=number, note="Dupe.")

    assert message in html
    report.refresh_from_db()
    assert (report.state, report.duplicate_of) == (Report.State.SUBMITTED, None)


def test_unknown_state_is_refused(staff_client, report):
    html = _invalid(staff_client, report, state="resolved", note="Done.")

    assert "Select a valid choice." in html


def test_staff_of_another_authority_is_forbidden(client, other_staff, report):
    client.force_login(other_staff)

    response = _post(client, report, state="closed", note="Not ours.")

    assert response.status_code == 403
    report.refresh_from_db()
    assert report.state == Report.State.SUBMITTED


def test_resident_is_forbidden(resident_client, report):
    response = _post(resident_client, report, state="fixed", note="I fixed it myself.")

    assert response.status_code == 403
    assert not report.updates.filter(note="I fixed it myself.").exists()


def test_group_member_without_staff_status_is_forbidden(client, authority, report):
    """Like the page's panel, answering needs staff status as well as the group."""
    member = make_user()
    member.groups.add(authority.staff_group)
    client.force_login(member)

    assert _post(client, report, state="fixed", note="Done.").status_code == 403


def test_anonymous_visitor_is_sent_to_sign_in(anonymous, report):
    response = _post(anonymous, report, state="fixed", note="Done.")

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    report.refresh_from_db()
    assert report.state == Report.State.SUBMITTED


def test_hidden_report_is_not_found_for_another_authority_staff(client, other_staff, report):
    Report.objects.filter(pk=report.pk).update(is_hidden=True)
    client.force_login(other_staff)

    assert _post(client, report, state="closed", note="Hmm.").status_code == 404


def test_unknown_report_is_not_found(staff_client, db):
    response = staff_client.post(reverse("triage:update", args=[999_999]), {"state": "fixed"})

    assert response.status_code == 404


def test_get_is_not_allowed(staff_client, report):
    assert staff_client.get(_url(report)).status_code == 405


# --- htmx -----------------------------------------------------------------------------


def test_htmx_success_returns_the_fragments(staff_client, report):
    response = _post(
        staff_client, report, htmx=True, state="in_progress", note="The crew is on site."
    )

    html = response.content.decode()
    assert response.status_code == 200
    # The fresh form replaces the one that was sent, showing the new state.
    assert html.lstrip().startswith('<form class="staff-form" id="staff-form"')
    assert '<option value="in_progress" selected>' in html
    assert "The crew is on site.</textarea>" not in html
    # Out of band: the status line, the timeline with the new entry, the facts, the message.
    assert '<p class="report__status" id="report-status" hx-swap-oob="true">' in html
    assert '<span class="badge badge--in_progress">In progress</span>' in html
    assert '<section id="timeline" aria-labelledby="timeline-title" hx-swap-oob="true">' in html
    assert "<p>The crew is on site.</p>" in html
    assert html.count('class="timeline__item') == 2
    assert '<dl class="facts" id="report-facts" hx-swap-oob="true">' in html
    assert 'id="staff-panel-status" hx-swap-oob="innerHTML"' in html
    assert "Your update is published on the timeline." in html
    # Not the whole page.
    assert "<html" not in html
    assert 'id="report-map"' not in html


def test_htmx_errors_come_back_in_the_form_keeping_what_was_typed(staff_client, report):
    response = _post(
        staff_client,
        report,
        htmx=True,
        state="duplicate",
        duplicate_of="999999",
        note="Same as the other one.",
    )

    html = response.content.decode()
    assert response.status_code == 200  # htmx swaps only successful responses
    assert html.lstrip().startswith('<form class="staff-form" id="staff-form"')
    assert 'role="alert"' in html
    assert "There is no public report #999999." in html
    # The error is tied to its input, after the help text.
    assert 'aria-invalid="true" aria-describedby="staff-duplicate_of_helptext' in html
    assert 'staff-duplicate_of_error"' in html
    assert 'id="staff-duplicate_of_error"' in html
    assert 'value="999999"' in html
    assert '<option value="duplicate" selected>' in html
    assert "Same as the other one.</textarea>" in html
    assert "hx-swap-oob" not in html
    assert not report.updates.exclude(state="submitted").exists()


def test_htmx_request_is_still_refused_to_a_resident(resident_client, report):
    response = _post(resident_client, report, htmx=True, state="fixed", note="Done.")

    assert response.status_code == 403


@pytest.mark.parametrize("rows", [1, 30])
def test_htmx_update_runs_a_constant_number_of_queries(
    rows, client, staff, service, django_assert_num_queries
):
    report = make_report(service=service)
    for n in range(rows):
        change_state(report, "acknowledged" if n % 2 else "submitted", note=f"Update {n}")
    worker_round()  # those changes' followers (none yet) were told long ago
    followers = [make_user() for _ in range(rows)]
    Follow.objects.bulk_create(Follow(thread=report.thread, user=user) for user in followers)
    client.force_login(staff)

    with django_assert_num_queries(18):
        # 1. the session
        # 2. the signed-in user
        # 3. the report with its service, authority, reporter and duplicate_of
        # 4. is the user in the authority's staff group (may they answer?)
        # 5. the authority's canned responses (for the form, and the fresh one after)
        # 6. SAVEPOINT: change_state runs in one transaction
        # 7. UPDATE the reports' data version (cached API answers and map)
        # 8. the report again, locked (SELECT … FOR UPDATE on PostgreSQL)
        # 9. is the user in the authority's staff group (is the entry official?)
        # 10. UPDATE the report's state and times
        # 11. INSERT the timeline entry
        # 12. UPDATE the thread (title, hidden, official group), bumping its version and
        #     returning it
        # 13. UPDATE the discussions' data version (cached pages)
        # 14. INSERT the moderation log entry
        # 15. INSERT the followers' task: the worker tells them, however many they are
        # 16. the authority's active webhooks (none here: nothing more to queue)
        # 17. RELEASE SAVEPOINT
        # 18. the timeline, for the fragment
        response = _post(client, report, htmx=True, state="in_progress", note="On site.")

    assert response.status_code == 200
    assert response.content.decode().count('class="timeline__item') == rows + 2
    worker_round()
    assert Notification.objects.count() == rows


# --- the report page ------------------------------------------------------------------


def test_staff_of_the_authority_sees_the_panel(staff_client, report):
    html = staff_client.get(report.get_absolute_url()).content.decode()

    assert PANEL in html
    assert "Staff: update this report" in html
    assert f'action="{_url(report)}#staff-panel"' in html
    assert f'hx-post="{_url(report)}"' in html
    assert "<legend>Public update</legend>" in html
    assert '<label for="staff-note">Public note</label>' in html
    assert '<option value="submitted" selected>' in html


@pytest.mark.parametrize("who", ["anonymous", "resident", "other_staff"])
def test_nobody_else_sees_the_panel(client, report, resident, other_staff, who):
    if who != "anonymous":
        client.force_login({"resident": resident, "other_staff": other_staff}[who])

    html = client.get(report.get_absolute_url()).content.decode()

    assert PANEL not in html
    assert "Staff: update this report" not in html
    assert _url(report) not in html


@pytest.mark.parametrize("rows", [1, 30])
def test_report_page_for_a_resident_costs_no_query_for_the_panel(
    rows, resident_client, report, django_assert_num_queries
):
    for n in range(rows):
        change_state(report, "acknowledged" if n % 2 else "in_progress", note=f"Update {n}")

    with django_assert_num_queries(14):
        # 1. the report's thread, state and reporter (what its kept copies are keyed by)
        # 2. the data versions the copy is kept under, with who is signed in's
        # 3. the session, 4. the user and 5. their profile: not kept yet for this
        #    session; a resident is not staff, so no more
        # What the resident's view of the page is (reports.views.detail._resident_view), as
        # the reporter they have a copy of their own, built here:
        # 6. the viewer's state in the thread, with their part in its calls
        # 7. the report with service, authority, reporter, thread and duplicate_of
        # 8. its photos
        # 9. its timeline updates with their authors
        # 10. its service's attributes
        # 11. the thread with the viewer's follow and support state
        # 12. the first page of comments
        # 13. the volunteer calls (none)  14. may the resident organise one? (verified email)
        response = resident_client.get(report.get_absolute_url())

    assert PANEL not in response.content.decode()
    assert response.content.decode().count('class="timeline__item') == rows + 1


@pytest.mark.parametrize("rows", [1, 30])
def test_report_page_for_staff_costs_six_queries_for_the_panels_and_log(
    rows, staff_client, staff, report, django_assert_num_queries
):
    for n in range(rows):
        change_state(report, "acknowledged" if n % 2 else "in_progress", by=staff, note=f"N{n}")

    with django_assert_num_queries(19):
        # 1-5. as for a resident (the report's keys and versions are read before it is
        #    known who is signed in: for staff they go unused)
        # 6. the report with service, authority, reporter, thread and duplicate_of
        # 7. its photos  8. its timeline updates  9. its service's attributes
        # 10. is the user in the authority's staff group (show the panel?)
        # 11. the personal data hidden from the public, as typed (civic/privacy.py)
        # 12. the authority's canned responses, and 13. its staff (to assign it to)
        # 14. the moderation log with its authors
        # 15. the thread with the viewer's follow and support state
        # 16. the first page of comments
        # 17. the volunteer calls (none; staff may organise without a query)
        # 18. the authorities and 19. the categories "not ours" may pass it to
        response = staff_client.get(report.get_absolute_url())

    assert PANEL in response.content.decode()
    assert response.content.decode().count('class="moderation-log__item"') == rows


def test_reopened_duplicate_no_longer_says_duplicate_of(staff_client, service, report):
    original = make_report(service=service, title="Pothole on Elm Street")
    mark_duplicate(report, original)

    response = _post(staff_client, report, state="submitted", note="Not the same.", follow=True)

    assert "Duplicate of" not in response.content.decode()
