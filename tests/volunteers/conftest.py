from __future__ import annotations

import pytest

from tests.factories import make_topic, make_user
from tests.volunteers.support import make_opportunity

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def organiser(db):
    return make_user(email="organiser@example.org", first_name="Omar", last_name="Organiser")


@pytest.fixture
def volunteer(db):
    return make_user(email="vera@example.org", first_name="Vera", last_name="Volunteer")


@pytest.fixture
def outsider(db):
    return make_user(email="outsider@example.org", first_name="Otto", last_name="Outsider")


@pytest.fixture
def call(report, organiser):
    """A call for 12 volunteers on the report (whose authority is the `staff` persona's)."""
    return make_opportunity(report.thread, organiser, title="Clean-up at Elm Park", capacity=12)


@pytest.fixture
def topic(db, organiser):
    return make_topic(author=organiser, title="Plant trees on the green")


def people(n: int, prefix: str = "v"):
    return [make_user(email=f"{prefix}{i}@example.org", first_name=f"P{i}") for i in range(n)]
