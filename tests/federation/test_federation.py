"""Federation with an authority's Open311 back end, end to end over real HTTP: this site
(the community site) and another Civic (the city's back end, tests/federation/conftest.py),
each with its own database. Categories and requests made there come here; residents'
comments and reopenings go there; what this site sent is never imported back."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from delivery.federation import import_all_requests, push_all_updates, sync_all_services
from delivery.models import Delivery, UpdatePush, UpstreamSync
from delivery.reopen_notices import send_reopen_notices
from delivery.sending import deliver_due, fetch_upstream_updates
from reports.actions import reopen_report
from reports.models import Authority, Contact, Report, Service
from tests.factories import make_authority, make_comment, make_report, make_user
from tests.scaleout.conftest import free_port

pytestmark = pytest.mark.django_db

_prefixes = itertools.count(1)


def _back_end_city(backend, services: list[tuple[str, str]]) -> tuple[str, str]:
    """The back end's own authority handling `services` ((code, name) pairs, codes
    prefixed for this test); (prefix, the community site's api key there)."""
    prefix = f"t{next(_prefixes)}x{free_port()}"
    made = [(f"{prefix}-{code}", name) for code, name in services]
    # The back end's own numbering starts again in each of its processes: names are
    # made unique here.
    raw = backend.python(
        f"""
made = [Service.objects.create(code=code, name=name, group="Streets") for code, name in {made!r}]
factories.make_authority(
    services=made, send_method="none", name="City of {prefix}", slug="{prefix}"
)
key, raw = ApiKey.create_key("Community site")
print(json.dumps(raw))
"""
    )
    return prefix, raw


def _city_here(backend, key: str, **federation) -> Authority:
    return make_authority(
        services=[],
        send_method=Authority.SendMethod.OPEN311,
        endpoint=backend.endpoint,
        api_key=key,
        **federation,
    )


def _later(minutes: int = 5):
    return time_machine.travel(timezone.now() + dt.timedelta(minutes=minutes), tick=True)


def test_categories_follow_the_back_end_and_one_with_reports_is_never_deleted(backend, client):
    prefix, key = _back_end_city(
        backend, [("graffiti", "Graffiti"), ("bins", "Overflowing bin"), ("benches", "Bench")]
    )
    backend.python(
        f"""
ServiceAttribute.objects.create(
    service=Service.objects.get(code="{prefix}-graffiti"), code="surface",
    datatype="singlevaluelist", required=True, description="What is it on?",
    values=[{{"key": "wall", "name": "A wall"}}, {{"key": "fence", "name": "A fence"}}],
)
print(1)
"""
    )
    city = _city_here(backend, key, sync_services=True)

    assert sync_all_services() == 1

    graffiti = Service.objects.get(code=f"{prefix}-graffiti")
    assert (graffiti.name, graffiti.group, graffiti.upstream_authority) == (
        "Graffiti",
        "Streets",
        city,
    )
    question = graffiti.attributes.get()
    assert (question.code, question.required, question.values[1]) == (
        "surface",
        True,
        {"key": "fence", "name": "A fence"},
    )
    contact = Contact.objects.get(authority=city, service=graffiti)
    assert contact.upstream_service_code == f"{prefix}-graffiti"
    form = client.get(reverse("reports:new")).content.decode()
    assert "Graffiti" in form and "Overflowing bin" in form

    bins = Service.objects.get(code=f"{prefix}-bins")
    make_report(service=bins, title="Bin spilling onto the pavement")
    # Upstream: one renamed, two dropped, one added.
    backend.python(
        f"""
Service.objects.filter(code="{prefix}-graffiti").update(name="Graffiti and tags")
Service.objects.filter(code__in=["{prefix}-bins", "{prefix}-benches"]).update(is_active=False)
flytipping = Service.objects.create(code="{prefix}-flytipping", name="Fly-tipping")
Authority.objects.get(contacts__service__code="{prefix}-graffiti").contacts.create(service=flytipping)
print(1)
"""
    )

    assert sync_all_services() == 1

    assert Service.objects.get(pk=graffiti.pk).name == "Graffiti and tags"
    bins.refresh_from_db()
    assert not bins.is_active  # retired with its report, not deleted
    assert bins.reports.count() == 1
    assert not Service.objects.filter(code=f"{prefix}-benches").exists()
    assert Service.objects.get(code=f"{prefix}-flytipping").is_active
    form = client.get(reverse("reports:new")).content.decode()
    assert "Fly-tipping" in form and "Graffiti and tags" in form
    assert "Overflowing bin" not in form
    sync = UpstreamSync.objects.get(authority=city, kind=UpstreamSync.Kind.SERVICES)
    assert (sync.attempts, sync.last_error) == (0, "")
    assert "1 added" in sync.summary and "1 retired" in sync.summary


def test_a_request_made_in_the_back_end_appears_here_once_and_its_closure_follows(backend, client):
    prefix, key = _back_end_city(backend, [("pothole", "Pothole")])
    city = _city_here(backend, key, sync_services=True, import_requests=True)
    sync_all_services()
    pothole = Service.objects.get(code=f"{prefix}-pothole")
    ours = make_report(service=pothole, title="Pothole by the school gate")
    assert deliver_due() == 1
    sent_as = Delivery.objects.get(report=ours).external_id
    # Made in the city's own system: a phone call to its contact centre.
    phoned = backend.python(
        f"""
report = factories.make_report(
    service=Service.objects.get(code="{prefix}-pothole"), title="Pothole on Mill Road",
    description="Pothole on Mill Road\\n\\nThe caller says a cyclist fell.", lat=51.52, lon=-0.13,
)
print(json.dumps(report.pk))
"""
    )

    assert import_all_requests() == 1

    imported = Report.objects.get(source=Report.Source.UPSTREAM)
    assert (imported.title, imported.service, imported.authority) == (
        "Pothole on Mill Road",
        pothole,
        city,
    )
    assert "a cyclist fell" in imported.description
    assert (imported.lat, imported.lon) == (51.52, -0.13)
    assert Delivery.objects.get(report=imported).external_id == str(phoned)
    # What this site sent there is not brought back as a second report.
    assert Report.objects.filter(service=pothole).count() == 2
    assert str(sent_as) != str(phoned)
    # On the public map and list, marked with where it was made.
    features = client.get(
        reverse("reports:geojson"), {"bbox": "-0.23,51.47,-0.05,51.55", "zoom": "18"}
    ).json()["features"]
    assert imported.pk in [feature["id"] for feature in features]
    listed = client.get(reverse("reports:list")).content.decode()
    assert "Pothole on Mill Road" in listed
    assert "Made in the authority's own system" in listed
    page = client.get(imported.get_absolute_url()).content.decode()
    assert f"{city.name}'s own system" in page
    assert f"Sent to {city.name}" not in page  # made there, not sent

    backend.python(
        f"""
change_state(Report.objects.get(pk={phoned}), "fixed", note="Filled on Tuesday.", is_official=True)
print(1)
"""
    )
    with _later():
        import_all_requests()
        import_all_requests()  # asked again: nothing twice

    imported.refresh_from_db()
    assert imported.state == Report.State.FIXED
    notes = list(imported.updates.exclude(note="").values_list("note", "is_official"))
    assert notes == [("Filled on Tuesday.", True)]
    assert Report.objects.filter(source=Report.Source.UPSTREAM).count() == 1


def test_a_residents_comment_and_a_reopening_reach_the_back_end(backend):
    prefix, key = _back_end_city(backend, [("light", "Street light")])
    _city_here(backend, key, sync_services=True, push_updates=True)
    sync_all_services()
    resident = make_user()
    report = make_report(
        service=Service.objects.get(code=f"{prefix}-light"), title="Light out", reporter=resident
    )
    assert deliver_due() == 1
    upstream_id = Delivery.objects.get(report=report).external_id
    assert push_all_updates() == 0  # switched on: from now on, not the history
    neighbour = make_user()
    make_comment(report.thread, author=neighbour, body="Still dark tonight, the whole street.")
    hidden = make_comment(report.thread, author=neighbour, body="Spam link here")
    hidden.__class__.objects.filter(pk=hidden.pk).update(is_hidden=True)

    with _later(minutes=1):
        assert push_all_updates() == 1

    push = UpdatePush.objects.get()
    assert (push.state, push.attempts) == (UpdatePush.State.SENT, 1)
    there = backend.python(
        f"""
report = Report.objects.get(pk={upstream_id})
print(json.dumps([[u.note, u.is_official] for u in report.updates.exclude(note="")]))
"""
    )
    assert there == [["Still dark tonight, the whole street.", False]]
    # The back end now shows that comment as its latest note: it is not the city's word here.
    assert fetch_upstream_updates() == 0
    assert not report.updates.filter(is_official=True).exclude(note="").exists()

    backend.python(
        f"""
change_state(Report.objects.get(pk={upstream_id}), "fixed", note="Lamp replaced.", is_official=True)
print(1)
"""
    )
    assert fetch_upstream_updates() == 1
    report.refresh_from_db()
    assert report.state == Report.State.FIXED

    reopen_report(report, by=resident, note="Out again a day later.")
    assert send_reopen_notices() == 1

    state = backend.python(
        f"""
report = Report.objects.get(pk={upstream_id})
print(json.dumps([report.state, report.reopen_count, report.updates.last().note]))
"""
    )
    assert state == ["submitted", 1, "Out again a day later."]


def test_a_back_end_that_does_not_answer_is_retried_with_backoff_and_nothing_is_lost(
    backend, admin_client
):
    prefix, key = _back_end_city(backend, [("drain", "Blocked drain")])
    city = _city_here(backend, key, sync_services=True, import_requests=True, push_updates=True)
    sync_all_services()
    report = make_report(service=Service.objects.get(code=f"{prefix}-drain"), title="Drain")
    assert deliver_due() == 1
    push_all_updates()  # from now on
    make_comment(report.thread, author=make_user(), body="Water up to the kerb.")
    down = f"http://127.0.0.1:{free_port()}/open311/v2/"
    Authority.objects.filter(pk=city.pk).update(endpoint=down)

    with _later(minutes=1):
        assert import_all_requests() == 0
        assert push_all_updates() == 0
        assert import_all_requests() == 0  # not due again yet: it backs off

    sync = UpstreamSync.objects.get(authority=city, kind=UpstreamSync.Kind.REQUESTS)
    assert sync.attempts == 1 and "refused" in sync.last_error.lower()
    assert sync.next_attempt_at > timezone.now()
    push = UpdatePush.objects.get()
    assert (push.state, push.attempts) == (UpdatePush.State.PENDING, 1)
    assert "refused" in push.last_error.lower()
    # Staff see it failing, and why.
    changelist = admin_client.get(reverse("admin:delivery_upstreamsync_changelist"))
    assert "refused" in changelist.content.decode().lower()

    Authority.objects.filter(pk=city.pk).update(endpoint=backend.endpoint)
    with _later(minutes=10):
        assert import_all_requests() == 1
        assert push_all_updates() == 1

    sync.refresh_from_db()
    assert (sync.attempts, sync.last_error) == (0, "")
    push.refresh_from_db()
    assert (push.state, push.attempts) == (UpdatePush.State.SENT, 2)
