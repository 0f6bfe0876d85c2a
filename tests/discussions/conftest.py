"""Fixtures for the discussion tests (the personas live in tests/conftest.py)."""

from __future__ import annotations

import pytest

from tests.factories import make_topic, make_user

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _fresh_fragments():
    """The per-process fragment store (used with the database cache) starts empty."""
    from discussions.rendering import _local_fragments

    _local_fragments.clear()


@pytest.fixture
def neighbour(db):
    """Another signed-up resident, who writes the comments the resident acts on."""
    return make_user(email="neighbour@example.org", first_name="Nia", last_name="Jones")


@pytest.fixture
def topic(db, neighbour):
    return make_topic(author=neighbour, title="A bench by the bus stop")


@pytest.fixture
def report_thread(report):
    """The thread of a report whose official group is the `staff` persona's authority."""
    return report.thread


@pytest.fixture
def superuser(db):
    return make_user(email="admin@example.org", is_staff=True, is_superuser=True)
