"""No table a comment, a report, a "me too" or a follow writes keeps an index that
another of its indexes already begins with.

An index on (thread_id) beside one on (thread_id, path) answers no query the second
cannot, and every insert, update and delete writes both, inside the one write lock.
Nor is one of their indexes descending. Checked on the migrated schema of each
database the suite runs on."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection

pytestmark = pytest.mark.django_db

# Where each write of a resident's lands (the outbox and notifications included).
WRITE_PATH = [
    "discussions_thread",
    "discussions_comment",
    "discussions_follow",
    "discussions_support",
    "discussions_notification",
    "reports_report",
    "reports_reportupdate",
    "civic_task",
]


def _indexes(table: str) -> dict[str, tuple[str, ...]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {
        name: tuple(info["columns"])
        for name, info in constraints.items()
        if (info["index"] or info["unique"]) and info["columns"] and not info["primary_key"]
    }


def test_no_index_is_a_leading_part_of_another():
    redundant = []
    tables = {model._meta.db_table for model in apps.get_models()}
    assert set(WRITE_PATH) <= tables
    for table in WRITE_PATH:
        indexes = _indexes(table)
        for name, columns in indexes.items():
            for other, longer in indexes.items():
                if (
                    other != name
                    and len(longer) > len(columns)
                    and longer[: len(columns)] == columns
                ):
                    redundant.append(f"{table}.{name} {columns} begins {other} {longer}")
                    break
    assert redundant == []


def test_no_index_a_write_lands_in_is_descending():
    """A descending index on a time gets each new row at its left end, where SQLite's
    B-tree has no append path and rebalances pages every other insert, inside the write
    lock. Lists read newest first through ascending indexes, backwards."""
    descending = []
    for table in WRITE_PATH:
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(cursor, table)
        for name, info in constraints.items():
            if "DESC" in (info.get("orders") or ()):
                descending.append(f"{table}.{name} {info['columns']} {info['orders']}")
    assert descending == []
