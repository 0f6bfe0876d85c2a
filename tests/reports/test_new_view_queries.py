"""Query counts of the pages added for alerts, accounts and "has this been fixed?"."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from alerts.models import Alert
from tests.factories import make_service, make_user


@pytest.mark.parametrize("rows", [1, 30])
def test_my_page_with_alerts_runs_constant_queries(
    client, service, django_assert_num_queries, rows
):
    user = make_user()
    for _n in range(rows):
        Alert.objects.create(
            user=user,
            email=user.email,
            kind=Alert.Kind.SERVICE,
            service=service,
            confirmed_at=timezone.now(),
        )
    client.force_login(user)
    # 1 session, 2 user, 3 my reports (count; no page to fetch when there are none),
    # 4 follows, 5 alerts with their authority and service, 6 upcoming volunteer sign-ups.
    with django_assert_num_queries(6):
        response = client.get(reverse("me"))
    html = response.content.decode()
    assert html.count("Stop</a>") == rows
    assert "<title>My page · Civic</title>" in html


@pytest.mark.parametrize("rows", [1, 30])
def test_alert_form_runs_constant_queries(client, authority, django_assert_num_queries, rows):
    for n in range(rows):
        make_service(code=f"s-{n}")
    # 1 services for the category list, 2 authorities with a boundary (the map),
    # 3 authorities for the select.
    with django_assert_num_queries(3):
        response = client.get(reverse("alerts:new"))
    assert response.status_code == 200
