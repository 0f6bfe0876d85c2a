"""Area alerts: matching by radius, drawn polygon, authority and service against a
hand-made map; one email per address per batch; confirmation and unsubscribe."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from alerts.matching import run_alerts, send_due_alerts
from alerts.models import Alert, AlertNotice
from civic.models import OutboundEmail
from places.geo import radius_bbox
from reports.actions import change_state
from tests.factories import make_authority, make_report, make_service, make_user

# The hand-made map: a school, a park 1.1 km east of it, and a far corner.
SCHOOL = (51.5100, -0.1400)
PARK = (51.5100, -0.1240)
FAR = (51.5400, -0.0700)
# A square drawn round the park (lat, lon corners).
PARK_AREA = "51.5080, -0.1260\n51.5080, -0.1220\n51.5120, -0.1220\n51.5120, -0.1260"


def later(minutes=5):
    return timezone.now() + timedelta(minutes=minutes)


def make_alert(email="alerts@example.org", **kw) -> Alert:
    kw.setdefault("confirmed_at", timezone.now())
    kw.setdefault("frequency", Alert.Frequency.INSTANT)
    alert = Alert(email=email, **kw)
    if alert.kind == Alert.Kind.RADIUS:
        alert.west, alert.south, alert.east, alert.north = radius_bbox(
            alert.lat, alert.lon, alert.radius
        )
    alert.save()
    return alert


def post_alert(client, **data):
    return client.post(reverse("alerts:new"), data)


@pytest.fixture
def city(db, service, authority):
    graffiti = make_service(code="graffiti", name="Graffiti")
    authority.contacts.create(service=graffiti, email="g@example.org")
    # The water board covers the west of the city: the school and the park, not the far corner.
    west = {
        "type": "Polygon",
        "coordinates": [
            [[-0.23, 51.47], [-0.10, 51.47], [-0.10, 51.55], [-0.23, 51.55], [-0.23, 51.47]]
        ],
    }
    water = make_authority(
        services=[service], name="Water Board", slug="water-board", boundary=west
    )
    run_alerts()  # the job starts from "now"
    return {"graffiti": graffiti, "water": water}


def test_alerts_match_by_radius_polygon_authority_and_service(client, city, service, authority):
    client.force_login(make_user(email="me@example.org"))
    assert (
        post_alert(client, kind="radius", lat=SCHOOL[0], lon=SCHOOL[1], radius=500).status_code
        == 302
    )
    assert post_alert(client, kind="polygon", area=PARK_AREA).status_code == 302
    assert post_alert(client, kind="service", service="graffiti").status_code == 302
    assert post_alert(client, kind="authority", authority=city["water"].pk).status_code == 302
    assert Alert.objects.active().count() == 4

    at_school = make_report(service, title="Hole at the school", lat=SCHOOL[0], lon=SCHOOL[1])
    in_park = make_report(service, title="Hole in the park", lat=PARK[0], lon=PARK[1])
    tag = make_report(city["graffiti"], title="Tag far away", lat=FAR[0], lon=FAR[1])
    make_report(service, title="Hole far away", lat=FAR[0], lon=FAR[1])

    run_alerts()
    matched = {
        (n.alert.kind, n.report.title)
        for n in AlertNotice.objects.select_related("alert", "report")
    }
    kinds_by_title = {}
    for kind, title in matched:
        kinds_by_title.setdefault(title, set()).add(kind)
    assert kinds_by_title["Hole at the school"] == {"radius", "authority"}
    assert kinds_by_title["Hole in the park"] == {"polygon", "authority"}
    assert kinds_by_title["Tag far away"] == {"service"}
    assert "Hole far away" not in kinds_by_title
    assert at_school.authority == authority and in_park and tag

    # The profile's default is once a day: nothing yet, then one email for everything.
    assert send_due_alerts(now=later()) == 0
    assert send_due_alerts(now=timezone.now() + timedelta(days=1, minutes=1)) == 1
    [email] = OutboundEmail.objects.filter(to="me@example.org")
    for title in ("Hole at the school", "Hole in the park", "Tag far away"):
        assert title in email.body_text
    assert "Hole far away" not in email.body_text
    assert email.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert AlertNotice.objects.count() == 0


def test_one_click_unsubscribe_stops_the_alerts(city, service):
    make_alert(kind=Alert.Kind.SERVICE, service=service)
    make_report(service)
    run_alerts()
    assert send_due_alerts(now=later()) == 1
    email = OutboundEmail.objects.get(to="alerts@example.org")
    url = re.search(r"<(http[^>]+)>", email.headers["List-Unsubscribe"]).group(1)
    assert url in email.body_text
    path = url.split("://", 1)[1].split("/", 1)[1]
    visitor = Client(enforce_csrf_checks=True)
    assert visitor.get("/" + path).status_code == 200
    assert Alert.objects.exists()  # a GET changes nothing
    response = visitor.post("/" + path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and not Alert.objects.exists()


def test_guest_signs_up_with_email_confirmation(client, city, service):
    response = post_alert(
        client, kind="service", service=service.code, email="guest@example.org", frequency="instant"
    )
    assert "Check your email" in response.content.decode()
    alert = Alert.objects.get()
    assert alert.confirmed_at is None and alert.user is None
    make_report(service, title="Before confirming")
    run_alerts()
    assert not AlertNotice.objects.exists()  # not confirmed: not matched

    email = OutboundEmail.objects.get(to="guest@example.org")
    path = "/" + re.search(r"https?://[^/]+/(\S+/alerts/confirm/\S+/)", email.body_text).group(1)
    assert client.get(path).status_code == 200
    assert Alert.objects.get().confirmed_at is None  # a GET changes nothing
    client.post(path)
    assert Alert.objects.get().confirmed_at is not None
    make_report(service, title="After confirming")
    run_alerts()
    assert send_due_alerts(now=later()) == 1
    digest = OutboundEmail.objects.filter(to="guest@example.org").latest("created_at")
    assert "After confirming" in digest.body_text and "Before confirming" not in digest.body_text


def test_bad_area_is_refused_with_a_clear_message_and_kept(client, city):
    client.force_login(make_user())
    response = post_alert(client, kind="polygon", area="51.51, -0.14\nnot a corner")
    page = response.content.decode()
    assert response.status_code == 200
    assert "is not a corner" in page and "not a corner</textarea>" in page
    response = post_alert(client, kind="radius", lat="", lon="")
    assert "Choose the point on the map" in response.content.decode()
    assert not Alert.objects.exists()


def test_geojson_polygon_is_accepted(client, city):
    client.force_login(make_user())
    geojson = (
        '{"type": "Polygon", "coordinates": [[[-0.126, 51.508], [-0.122, 51.508], '
        "[-0.122, 51.512], [-0.126, 51.508]]]}"
    )
    assert post_alert(client, kind="polygon", area=geojson).status_code == 302
    assert Alert.objects.get().polygon["type"] == "Polygon"


def test_updates_inside_the_area_reach_alerts_that_ask_for_them(city, service, staff):
    report = make_report(service, lat=SCHOOL[0], lon=SCHOOL[1])
    run_alerts()
    with_updates = make_alert(
        kind=Alert.Kind.RADIUS, lat=SCHOOL[0], lon=SCHOOL[1], radius=300, include_updates=True
    )
    make_alert(
        email="quiet@example.org", kind=Alert.Kind.RADIUS, lat=SCHOOL[0], lon=SCHOOL[1], radius=300
    )
    change_state(report, "fixed", by=staff, note="Filled.")
    run_alerts()
    [notice] = AlertNotice.objects.all()
    assert notice.alert == with_updates and notice.update.note == "Filled."


def test_switched_off_in_the_profile_means_nothing_is_sent(city, service):
    user = make_user()
    user.profile.email_alerts = "off"
    user.profile.save()
    make_alert(email=user.email, user=user, kind=Alert.Kind.SERVICE, service=service)
    make_report(service)
    run_alerts()
    assert not AlertNotice.objects.exists()


@pytest.mark.parametrize("alerts", [1, 30])
def test_alert_run_queries_do_not_grow_with_the_number_of_alerts(
    city, service, django_assert_num_queries, alerts
):
    for n in range(alerts):
        make_alert(
            email=f"a{n}@example.org",
            kind=Alert.Kind.RADIUS,
            lat=SCHOOL[0],
            lon=SCHOOL[1],
            radius=500 + n,
        )
    for n in range(3):
        make_report(service, title=f"Hole {n}", lat=SCHOOL[0], lon=SCHOOL[1])
    # 1 SAVEPOINT, 2 the cursor (locked), 3 the new reports, 4 their candidate alerts
    # (one query whatever their number), 5 the matches' insert, 6 new timeline entries,
    # 7 the cursor's save, 8 RELEASE SAVEPOINT.
    with django_assert_num_queries(8):
        recorded = run_alerts()
    assert recorded == 3 * alerts
