"""30 volunteers race for 10 places, each on its own thread with its own connection.

Run on SQLite (the default) and on PostgreSQL with
DATABASE_URL=postgres://civic:civic@127.0.0.1:5432/civic_v7.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from tests.factories import make_report, make_service, make_user
from tests.volunteers.support import make_opportunity
from volunteers.models import Opportunity, Signup

RACERS = 30
PLACES = 10


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(3))
def test_thirty_signups_race_for_ten_places(round_):
    organiser = make_user()
    report = make_report(service=make_service())
    call = make_opportunity(report.thread, organiser, capacity=PLACES)
    users = [make_user() for _ in range(RACERS)]
    barrier = threading.Barrier(RACERS)
    errors: list[BaseException] = []

    def race(user):
        try:
            barrier.wait()
            Opportunity.objects.get(pk=call.pk).sign_up(user)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=race, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    states = list(Signup.objects.filter(opportunity=call).values_list("state", flat=True))
    assert states.count(Signup.State.CONFIRMED) == PLACES
    assert states.count(Signup.State.WAITLISTED) == RACERS - PLACES
    call.refresh_from_db()
    assert call.state == Opportunity.State.FULL
