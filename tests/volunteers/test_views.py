"""Every persona on every action: the call block, organising, signing up, the roster."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import timezone

from civic.models import OutboundEmail
from reports.models import Report
from tests.factories import make_user, worker_round
from tests.volunteers.conftest import HTMX, people
from tests.volunteers.support import make_opportunity
from volunteers.models import Opportunity, Signup

pytestmark = pytest.mark.django_db

FMT = "%Y-%m-%dT%H:%M"


def form_data(**overrides) -> dict:
    start = timezone.now() + timedelta(days=5)
    data = {
        "title": "Clean-up at Elm Park playground",
        "description": "Litter and broken glass by the swings.",
        "start_at": start.strftime(FMT),
        "end_at": (start + timedelta(hours=2)).strftime(FMT),
        "meeting_point": "The north gate",
        "lat": "51.51",
        "lon": "-0.14",
        "capacity": "12",
        "what_to_bring": "Gloves",
    }
    data.update(overrides)
    return data


# --- the call block on report and topic pages -----------------------------------------


def test_report_page_shows_the_call_with_its_places(client, report, call, volunteer):
    call.sign_up(volunteer, show_name=True)

    html = client.get(report.get_absolute_url()).content.decode()

    assert "Clean-up at Elm Park" in html
    assert "1 of 12 places taken" in html
    assert "Sign in to sign up" in html
    assert "Vera" in html  # opted in to showing her first name


def test_topic_page_shows_its_calls(client, topic, organiser):
    make_opportunity(topic, organiser, title="Tree planting morning", capacity=None)

    html = client.get(topic.get_absolute_url()).content.decode()

    assert "Tree planting morning" in html
    assert "0 volunteers signed up" in html


def test_public_page_shows_only_counts_and_opted_in_first_names(client, report, call):
    shy = make_user(email="shy@example.org", first_name="Shyla")
    open_ = make_user(email="open@example.org", first_name="Openna")
    call.sign_up(shy, note="Allergic to wasps", show_name=False)
    call.sign_up(open_, note="Bringing a rake", show_name=True)

    html = client.get(report.get_absolute_url()).content.decode()

    assert "2 of 12 places taken" in html
    assert "Openna" in html and "Shyla" not in html
    for private in ("shy@example.org", "open@example.org", "Allergic", "Bringing a rake"):
        assert private not in html


def test_full_call_offers_the_waiting_list(client, report, organiser, volunteer):
    call = make_opportunity(report.thread, organiser, capacity=1)
    call.sign_up(make_user())
    client.force_login(volunteer)

    html = client.get(report.get_absolute_url()).content.decode()

    assert "1 of 1 places taken" in html
    assert "Join the waiting list" in html


# --- organising ------------------------------------------------------------------------


def test_verified_resident_sees_organise_and_posts_a_call(resident_client, report):
    page = resident_client.get(report.get_absolute_url()).content.decode()
    assert "Organise volunteers" in page

    response = resident_client.post(reverse("volunteers:new", args=[report.thread.pk]), form_data())

    call = Opportunity.objects.get()
    assert response.status_code == 302
    assert response.url == f"{report.get_absolute_url()}#call-{call.pk}"
    assert call.capacity == 12 and call.organiser.email == "resident@example.org"
    assert call.thread == report.thread


def test_unverified_resident_cannot_organise(client, report):
    user = make_user(email="new@example.org")
    EmailAddress.objects.filter(user=user).update(verified=False)
    client.force_login(user)

    page = client.get(report.get_absolute_url()).content.decode()
    get = client.get(reverse("volunteers:new", args=[report.thread.pk]))
    post = client.post(reverse("volunteers:new", args=[report.thread.pk]), form_data())

    assert "Organise volunteers" not in page
    assert "confirm your email address first" in page
    assert get.status_code == post.status_code == 403
    assert not Opportunity.objects.exists()


def test_anonymous_cannot_organise(client, report):
    response = client.post(reverse("volunteers:new", args=[report.thread.pk]), form_data())

    assert response.status_code == 302 and "login" in response.url
    assert not Opportunity.objects.exists()


def test_staff_may_organise_on_a_topic(staff_client, topic):
    response = staff_client.post(reverse("volunteers:new", args=[topic.pk]), form_data())

    assert response.status_code == 302
    assert Opportunity.objects.get().thread == topic


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"end_at": (timezone.now() + timedelta(days=4)).strftime(FMT)},
            "The end must be after the start.",
        ),
        (
            {"start_at": (timezone.now() - timedelta(days=1)).strftime(FMT)},
            "The start must be in the future.",
        ),
        ({"capacity": "0"}, "Give at least one place"),
        ({"lat": "48.85", "lon": "2.35"}, "outside the area this site covers"),
        ({"lat": "51.51", "lon": ""}, "Give both the latitude and the longitude"),
    ],
)
def test_bad_call_is_refused_with_a_clear_message_and_keeps_the_input(
    resident_client, report, overrides, message
):
    response = resident_client.post(
        reverse("volunteers:new", args=[report.thread.pk]), form_data(**overrides)
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert 'value="Clean-up at Elm Park playground"' in html
    assert "Litter and broken glass by the swings." in html
    assert not Opportunity.objects.exists()


def test_posting_calls_is_rate_limited(resident_client, report, settings):
    settings.RATE_LIMITS = {"volunteer-call": [(3600, 1)]}
    url = reverse("volunteers:new", args=[report.thread.pk])
    assert resident_client.post(url, form_data()).status_code == 302

    response = resident_client.post(url, form_data(title="Second call"))

    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "try again" in response.content.decode()
    assert 'value="Second call"' in response.content.decode()
    assert Opportunity.objects.count() == 1


# --- signing up ------------------------------------------------------------------------


def test_sign_up_in_place_with_htmx(client, call, volunteer):
    client.force_login(volunteer)

    response = client.post(
        reverse("volunteers:signup", args=[call.pk]),
        {"note": "I have a car", "show_name": "on"},
        **HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<article class="volunteer-call')
    assert "1 of 12 places taken" in html
    assert "You are signed up" in html
    signup = Signup.objects.get()
    assert (signup.note, signup.show_name, signup.state) == ("I have a car", True, "confirmed")


def test_sign_up_without_javascript_redirects_back_to_the_call(client, report, call, volunteer):
    client.force_login(volunteer)

    response = client.post(reverse("volunteers:signup", args=[call.pk]), {"note": ""})

    assert response.status_code == 302
    assert response.url == f"{report.get_absolute_url()}#call-{call.pk}"
    page = client.get(response.url).content.decode()
    assert "You are signed up" in page
    assert "Withdraw" in page


def test_volunteer_cannot_sign_up_twice(client, call, volunteer):
    client.force_login(volunteer)
    url = reverse("volunteers:signup", args=[call.pk])
    client.post(url, {})

    response = client.post(url, {})

    assert response.status_code == 409
    assert "already signed up" in response.content.decode()
    assert call.signups.count() == 1


def test_second_sign_up_by_htmx_says_why_in_the_block(client, call, volunteer):
    client.force_login(volunteer)
    url = reverse("volunteers:signup", args=[call.pk])
    client.post(url, {}, **HTMX)

    response = client.post(url, {}, **HTMX)

    assert response.status_code == 200
    assert "You have already signed up for this call." in response.content.decode()
    assert call.signups.count() == 1


def test_anonymous_cannot_sign_up(client, call):
    response = client.post(reverse("volunteers:signup", args=[call.pk]), {})

    assert response.status_code == 302 and "login" in response.url
    assert not Signup.objects.exists()


def test_joining_a_full_call_puts_you_on_the_waiting_list(client, report, organiser, volunteer):
    call = make_opportunity(report.thread, organiser, capacity=1)
    call.sign_up(make_user())
    client.force_login(volunteer)

    html = client.post(reverse("volunteers:signup", args=[call.pk]), {}, **HTMX).content.decode()

    assert "You are on the waiting list" in html
    assert "1 on the waiting list" in html
    assert Signup.objects.get(user=volunteer).state == Signup.State.WAITLISTED


def test_withdrawing_promotes_the_first_waiting(client, report, organiser, volunteer):
    call = make_opportunity(report.thread, organiser, capacity=1)
    call.sign_up(volunteer)
    waiting = make_user(email="wait@example.org")
    call.sign_up(waiting)
    client.force_login(volunteer)

    html = client.post(reverse("volunteers:withdraw", args=[call.pk]), {}, **HTMX).content.decode()

    assert "You have withdrawn" in html
    assert Signup.objects.get(user=waiting).state == Signup.State.CONFIRMED
    assert OutboundEmail.objects.filter(
        to="wait@example.org", subject__startswith="A place is yours"
    ).exists()


def test_my_page_lists_my_signups_with_withdraw_buttons(client, call, volunteer):
    call.sign_up(volunteer)
    client.force_login(volunteer)

    html = client.get(reverse("me")).content.decode()
    assert call.title in html
    assert reverse("volunteers:withdraw", args=[call.pk]) in html

    response = client.post(reverse("volunteers:withdraw", args=[call.pk]), {"next": reverse("me")})

    assert response.status_code == 302 and response.url == reverse("me")
    assert call.title not in client.get(reverse("me")).content.decode()


def test_withdraw_ignores_a_next_address_on_another_site(client, report, call, volunteer):
    call.sign_up(volunteer)
    client.force_login(volunteer)

    response = client.post(
        reverse("volunteers:withdraw", args=[call.pk]), {"next": "https://evil.example/"}
    )

    assert response.url == f"{report.get_absolute_url()}#call-{call.pk}"


# --- the roster and the organiser's tools ------------------------------------------------------


@pytest.fixture
def busy_call(call, volunteer):
    call.sign_up(volunteer, note="I have a car")
    return call


@pytest.mark.parametrize("who", ["organiser", "staff"])
def test_organiser_and_responsible_staff_see_the_roster_and_csv(client, busy_call, who, request):
    client.force_login(request.getfixturevalue(who))

    html = client.get(reverse("volunteers:roster", args=[busy_call.pk])).content.decode()
    csv = client.get(reverse("volunteers:roster-csv", args=[busy_call.pk]))

    assert "vera@example.org" in html and "I have a car" in html
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode().splitlines()
    assert lines[0] == "name,email,state,note,signed up,public first name"
    assert lines[1].startswith("Vera Volunteer,vera@example.org,confirmed,I have a car,")


@pytest.mark.parametrize("who", ["outsider", "volunteer", "other_staff"])
def test_others_cannot_see_or_export_the_roster(client, busy_call, who, request):
    client.force_login(request.getfixturevalue(who))

    assert client.get(reverse("volunteers:roster", args=[busy_call.pk])).status_code == 403
    assert client.get(reverse("volunteers:roster-csv", args=[busy_call.pk])).status_code == 403


def test_anonymous_cannot_see_the_roster(client, busy_call):
    response = client.get(reverse("volunteers:roster-csv", args=[busy_call.pk]))

    assert response.status_code == 302 and "login" in response.url


def test_csv_cells_cannot_run_as_formulas(client, call, organiser):
    call.sign_up(make_user(first_name="=HYPERLINK(1)"), note="+SUM(A1)")
    client.force_login(organiser)

    body = client.get(reverse("volunteers:roster-csv", args=[call.pk])).content.decode()

    assert "'=HYPERLINK(1)" in body and "'+SUM(A1)" in body


def test_organiser_emails_every_volunteer_within_a_limit(client, busy_call, organiser, settings):
    settings.RATE_LIMITS = {"volunteer-email": [(3600, 1)]}
    client.force_login(organiser)
    url = reverse("volunteers:email", args=[busy_call.pk])

    first = client.post(url, {"message": "Meet by the café instead."})
    second = client.post(url, {"message": "And again."})

    assert first.status_code == 302
    email = OutboundEmail.objects.get(subject__startswith="Message from the organiser")
    assert email.to == "vera@example.org" and "Meet by the café instead." in email.body_text
    assert second.status_code == 429
    assert not OutboundEmail.objects.filter(body_text__contains="And again.").exists()


def test_outsider_cannot_email_the_volunteers(client, busy_call, outsider):
    client.force_login(outsider)

    response = client.post(reverse("volunteers:email", args=[busy_call.pk]), {"message": "Hi"})

    assert response.status_code == 403
    assert not OutboundEmail.objects.filter(subject__startswith="Message").exists()


def test_attendance_is_marked_after_the_start(client, busy_call, organiser, volunteer):
    client.force_login(organiser)
    signup = Signup.objects.get(user=volunteer)
    url = reverse("volunteers:attendance", args=[busy_call.pk])

    assert client.post(url, {"attended": [signup.pk]}).status_code == 409
    with time_machine.travel(busy_call.start_at + timedelta(minutes=30)):
        response = client.post(url, {"attended": [signup.pk]})

    assert response.status_code == 302
    signup.refresh_from_db()
    assert signup.state == Signup.State.ATTENDED


def test_moving_the_date_tells_everyone(client, busy_call, organiser):
    client.force_login(organiser)
    later = busy_call.start_at + timedelta(days=1)
    data = form_data(
        title=busy_call.title,
        start_at=later.strftime(FMT),
        end_at=(later + timedelta(hours=2)).strftime(FMT),
    )

    response = client.post(reverse("volunteers:edit", args=[busy_call.pk]), data)

    assert response.status_code == 302
    busy_call.refresh_from_db()
    assert busy_call.start_at.date() == later.date()
    assert busy_call.sequence == 1
    changed = OutboundEmail.objects.get(subject__startswith="Changed")
    assert changed.to == "vera@example.org" and "the time" in changed.body_text


def test_lowering_places_below_confirmed_asks_first(client, report, organiser):
    call = make_opportunity(report.thread, organiser, capacity=3)
    for person in people(3):
        call.sign_up(person)
    client.force_login(organiser)
    url = reverse("volunteers:edit", args=[call.pk])
    data = form_data(
        title=call.title,
        start_at=timezone.localtime(call.start_at).strftime(FMT),
        end_at=timezone.localtime(call.end_at).strftime(FMT),
        capacity="1",
    )

    refused = client.post(url, data)
    assert refused.status_code == 400
    assert "moves the newest 2 to the waiting list" in refused.content.decode()
    assert 'value="1"' in refused.content.decode()

    accepted = client.post(url, {**data, "move_to_waitlist": "on"})

    assert accepted.status_code == 302
    assert call.signups.filter(state=Signup.State.WAITLISTED).count() == 2


def test_outsider_cannot_edit_or_cancel(client, busy_call, outsider):
    client.force_login(outsider)

    assert client.get(reverse("volunteers:edit", args=[busy_call.pk])).status_code == 403
    assert client.post(reverse("volunteers:cancel", args=[busy_call.pk]), {}).status_code == 403
    busy_call.refresh_from_db()
    assert busy_call.state == Opportunity.State.OPEN


def test_cancelling_tells_everyone(client, busy_call, organiser):
    client.force_login(organiser)

    response = client.post(
        reverse("volunteers:cancel", args=[busy_call.pk]), {"reason": "Storm warning."}
    )

    assert response.status_code == 302
    busy_call.refresh_from_db()
    assert busy_call.state == Opportunity.State.CANCELLED
    email = OutboundEmail.objects.get(subject__startswith="Cancelled")
    assert email.to == "vera@example.org" and "Storm warning." in email.body_text


def test_closing_is_offered_only_after_the_end(client, busy_call, organiser):
    client.force_login(organiser)
    url = reverse("volunteers:close", args=[busy_call.pk])

    assert client.post(url, {"outcome": "solved"}).status_code == 409
    with time_machine.travel(busy_call.end_at + timedelta(hours=1)):
        roster = client.get(reverse("volunteers:roster", args=[busy_call.pk])).content.decode()
        page = client.get(busy_call.thread.get_absolute_url()).content.decode()
    assert "Close the call" in roster
    assert "This call has ended" in page


def test_problem_solved_reaches_the_report_timeline_and_staff_mark_it_fixed(
    client, report, busy_call, organiser, staff, outsider
):
    client.force_login(organiser)
    with time_machine.travel(busy_call.end_at + timedelta(hours=1)):
        response = client.post(
            reverse("volunteers:close", args=[busy_call.pk]),
            {"outcome": "solved", "outcome_note": "Eight bags of litter."},
        )
    assert response.status_code == 302

    page = client.get(report.get_absolute_url()).content.decode()
    assert "Volunteers solved this problem" in page and "Eight bags of litter." in page
    assert "Problem solved" in page
    report.refresh_from_db()
    assert report.state == Report.State.SUBMITTED

    client.force_login(outsider)
    assert client.post(reverse("volunteers:mark-fixed", args=[busy_call.pk])).status_code == 403
    assert "Mark the report fixed" not in client.get(report.get_absolute_url()).content.decode()
    client.force_login(staff)
    roster = client.get(reverse("volunteers:roster", args=[busy_call.pk])).content.decode()
    assert "Mark the report fixed" in roster
    assert "Mark the report fixed" in client.get(report.get_absolute_url()).content.decode()
    client.post(reverse("volunteers:mark-fixed", args=[busy_call.pk]))
    report.refresh_from_db()
    assert report.state == Report.State.FIXED


def test_calls_on_a_hidden_report_are_not_found(client, report, call):
    Report.objects.filter(pk=report.pk).update(is_hidden=True)

    assert client.get(reverse("volunteers:detail", args=[call.pk])).status_code == 404
    assert call.title not in client.get(reverse("volunteers:list")).content.decode()


# --- unsubscribe -------------------------------------------------------------------------


def test_unsubscribe_link_stops_this_calls_emails(client, report, organiser):
    call = make_opportunity(report.thread, organiser, capacity=1)
    volunteer = make_user(email="quiet@example.org")
    call.sign_up(volunteer)
    worker_round()
    email = OutboundEmail.objects.get(to="quiet@example.org")
    link = email.headers["List-Unsubscribe"].strip("<>")
    assert link in email.body_text
    path = link.removeprefix("http://127.0.0.1:8000")

    assert "Stop these emails" in client.get(path).content.decode()
    assert Signup.objects.get(user=volunteer).muted is False
    assert "no more emails" in client.post(path).content.decode()

    call.withdraw(Signup.objects.get(user=volunteer))
    call.sign_up(volunteer)
    worker_round()
    assert OutboundEmail.objects.filter(to="quiet@example.org").count() == 1


def test_a_forged_unsubscribe_link_is_refused(client):
    response = client.get(reverse("volunteers:unsubscribe", args=["not-a-token"]))

    assert response.status_code == 400
