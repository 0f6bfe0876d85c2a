"""Each write does the least in the request: validate, one transaction, a version bump,
and one task row that hands its fan-out to the worker (civic/tasks.py). So what a
comment, a "me too", a sign-up or a report costs does not grow with the people it
reaches, and the worker, once it has run, has reached every one of them."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from alerts.models import Alert
from civic.management.commands.work import run_round
from civic.models import OutboundEmail, Profile, Task
from delivery.models import Delivery
from discussions.models import Follow, Notification, Support
from open311.models import ApiKey
from places.geo import radius_bbox
from tests.factories import CENTRE, make_user, worker_round
from tests.volunteers.support import make_opportunity
from volunteers.models import Signup

pytestmark = pytest.mark.django_db

FEW_AND_MANY = [1, 50]


@pytest.fixture
def commenter(resident):
    Profile.objects.update_or_create(user=resident, defaults={"display_name": "Rosa"})
    return resident


def _followed_by(thread, count: int) -> set[int]:
    people = [make_user() for _ in range(count)]
    Follow.objects.bulk_create(Follow(thread=thread, user=person) for person in people)
    return {person.pk for person in people}


@pytest.mark.parametrize("followers", FEW_AND_MANY)
def test_a_comment_costs_the_same_at_1_and_50_followers_and_reaches_them_all(
    followers, client, report, commenter, django_assert_num_queries
):
    told = _followed_by(report.thread, followers)
    client.force_login(commenter)
    url = reverse("discussions:comments", args=[report.thread_id])
    client.post(url, {"body": "Warm-up."}, HTTP_HX_REQUEST="true")
    worker_round()

    with django_assert_num_queries(9):
        # Who is signed in, with their display name, is kept in the process since the
        # warm-up (civic/signed_in.py; the users version comes from the cache here).
        # 1. the thread, with the viewer's state
        # 2. SAVEPOINT: the rate count and the comment in one transaction (whether
        # the commenter speaks officially came with the thread, 1)
        # 3. UPDATE the thread's version and counters, returning the new version
        # 4. UPDATE the data versions (lists, this thread's page)
        # 5. INSERT the comment; 6. UPDATE its place in the tree; 7. the commenter follows
        # 8. INSERT the followers' task: one row, however many they are
        # 9. RELEASE
        response = client.post(url, {"body": "Deeper today."}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert "Deeper today." in response.content.decode()
    posted = Notification.objects.filter(comment__body="Deeper today.")
    assert not posted.exists()  # the worker's to write
    assert worker_round() == 1
    assert set(posted.values_list("follow__user_id", flat=True)) == told


@pytest.mark.parametrize("followers", FEW_AND_MANY)
def test_a_me_too_costs_the_same_at_1_and_50_followers(
    followers, client, report, django_assert_num_queries
):
    _followed_by(report.thread, followers)
    neighbour = make_user()
    client.force_login(neighbour)
    url = reverse("discussions:thread-support", args=[report.thread_id])
    client.post(url, {"on": ""}, HTTP_HX_REQUEST="true")  # none yet: nothing to withdraw

    with django_assert_num_queries(12):
        # Who is signed in is kept in the process since the request before.
        # 1. the thread; 2. SAVEPOINT
        # 3. their support, if any; 4-6. INSERT it (in a savepoint: unique per person)
        # 7. UPDATE the thread's count; 8. UPDATE the data versions; 9. the new count
        # 10. RELEASE; 11-12. do they follow, do they support (the button's state)
        response = client.post(url, {"on": "true"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert Support.objects.filter(thread=report.thread, user=neighbour).exists()


@pytest.mark.parametrize("followers", FEW_AND_MANY)
def test_a_sign_up_costs_the_same_at_1_and_50_followers_and_is_confirmed_by_the_worker(
    followers, client, report, django_assert_num_queries
):
    call = make_opportunity(report.thread, make_user())
    _followed_by(report.thread, followers)
    volunteer = make_user(email="vol@example.org")
    client.force_login(volunteer)
    # Any view residents write through keeps who they are (here: no "me too" to withdraw).
    client.post(
        reverse("discussions:thread-support", args=[report.thread_id]),
        {"on": ""},
        HTTP_HX_REQUEST="true",
    )

    with django_assert_num_queries(14):
        # Who is signed in is kept in the process since the request before.
        # 1. the call; 2. SAVEPOINT; 3. the call, locked
        # 4. their sign-up, if any; 5. places taken; 6-7. INSERT it, in a savepoint
        # 8. UPDATE the data versions; 9. RELEASE; 10. INSERT the confirmation's task
        # 11. RELEASE; 12-14. the call again, their sign-up and the volunteers shown
        response = client.post(
            reverse("volunteers:signup", args=[call.pk]), {"note": ""}, HTTP_HX_REQUEST="true"
        )

    assert response.status_code == 200
    assert Signup.objects.filter(opportunity=call, user=volunteer).exists()
    assert not OutboundEmail.objects.filter(to=volunteer.email).exists()
    worker_round()
    assert OutboundEmail.objects.get(to=volunteer.email).subject.startswith("You are signed up")


def _area_alerts(count: int) -> None:
    lat, lon = CENTRE
    for n in range(count):
        west, south, east, north = radius_bbox(lat, lon, 500)
        Alert.objects.create(
            email=f"watcher{n}@example.org",
            kind=Alert.Kind.RADIUS,
            lat=lat,
            lon=lon,
            radius=500,
            west=west,
            south=south,
            east=east,
            north=north,
            confirmed_at=timezone.now(),
            frequency=Alert.Frequency.INSTANT,
        )


@pytest.mark.parametrize("watchers", FEW_AND_MANY)
def test_a_web_report_costs_the_same_at_1_and_50_area_alerts(
    watchers, resident_client, resident, service, authority, django_assert_num_queries
):
    _area_alerts(watchers)
    data = {
        "service": service.code,
        "lat": str(CENTRE[0]),
        "lon": str(CENTRE[1]),
        "title": "Deep pothole",
        "description": "By the bus stop.",
        "name": "Rosa Parks",
    }
    resident_client.post(reverse("reports:new"), {**data, "title": "Warm-up"})
    worker_round()

    with django_assert_num_queries(9):
        # Who is signed in is kept in the process since the warm-up (civic/signed_in.py);
        # the services with their questions (the chosen one is validated among them),
        # and who takes them for routing, while the services' version holds.
        # 1. SAVEPOINT: the rate count and the report in one transaction
        # 2. INSERT the thread; 3. INSERT the report
        # 4. UPDATE the data versions; 5. UPDATE the thread's owner
        # 6. INSERT the first timeline entry; 7. the reporter follows
        # 8. INSERT the task that announces it; 9. RELEASE
        response = resident_client.post(reverse("reports:new"), data)

    assert response.status_code == 302
    assert not Delivery.objects.filter(report__title="Deep pothole").exists()
    run_round()
    assert Delivery.objects.filter(report__title="Deep pothole", authority=authority).exists()
    assert OutboundEmail.objects.filter(to=resident.email, subject__contains="Deep pothole")


@pytest.mark.parametrize("watchers", FEW_AND_MANY)
def test_an_open311_report_costs_the_same_at_1_and_50_area_alerts(
    watchers, client, service, authority, django_assert_num_queries
):
    _area_alerts(watchers)
    _key, raw = ApiKey.create_key("App", can_post=True)
    data = {"api_key": raw, "service_code": service.code, "description": "Deep pothole"}
    data |= {"lat": CENTRE[0], "long": CENTRE[1]}
    client.post("/open311/v2/requests.json", data)  # its key's first use is stamped

    with django_assert_num_queries(9):
        # 1. the key (the service is kept in the process while the services' version,
        # read from the shared cache, holds)
        # (routing's candidates are kept like the service)
        # 2. SAVEPOINT: the rate count and the report in one transaction
        # 3. INSERT the thread; 4. INSERT the report
        # 5. UPDATE the data versions; 6. UPDATE the thread's owner
        # 7. INSERT the first timeline entry; 8. INSERT the task that announces it
        # 9. RELEASE
        response = client.post("/open311/v2/requests.json", data)

    assert response.status_code == 200
    (answer,) = response.json()
    assert not Delivery.objects.filter(report_id=answer["service_request_id"]).exists()
    run_round()
    assert Delivery.objects.filter(report_id=answer["service_request_id"]).exists()
    assert not Task.objects.exclude(state=Task.State.SENT).exists()
