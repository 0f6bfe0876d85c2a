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


def _indexes(table: str, *, unique: bool = True) -> dict[str, tuple[str, ...]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {
        name: tuple(info["columns"])
        for name, info in constraints.items()
        if (info["index"] or (unique and info["unique"]))
        and info["columns"]
        and not info["primary_key"]
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


# Nullable keys that nearly every row of their table has: indexed over every row.
MOSTLY_SET = {
    ("discussions_comment", "author_id"): "a comment keeps its author until the account goes",
    ("discussions_thread", "official_group_id"): "every report's thread has its authority's staff",
    ("discussions_notification", "comment_id"): "nearly every notification is of a comment",
    ("reports_report", "authority_id"): "nearly every report is routed to an authority",
}


def _definitions(table: str) -> dict[str, str]:
    """Each index of `table` and the SQL that made it (WHERE and all)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [table]
            )
        else:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s",
                [table],
            )
        return {name: sql or "" for name, sql in cursor.fetchall()}


def _empty_keys() -> list[tuple[str, str]]:
    """(table, column) of every nullable key a write-path row may leave empty (a unique
    one, a report's thread, is a constraint first)."""
    return [
        (model._meta.db_table, field.column)
        for model in apps.get_models()
        if model._meta.db_table in WRITE_PATH
        for field in model._meta.concrete_fields
        if field.is_relation
        and field.null
        and not field.unique
        and (model._meta.db_table, field.column) not in MOSTLY_SET
    ]


def _on_column(table: str, column: str) -> list[str]:
    """The indexes of `table` on `column` alone (unique constraints aside)."""
    return [name for name, columns in _indexes(table, unique=False).items() if columns == (column,)]


def test_a_key_rows_often_leave_empty_is_indexed_only_where_set():
    """A comment that answers nobody, a report's thread with no author (Open311, a
    guest), an update by the system: none of them writes an index entry for the key it
    does not have, inside the write lock."""
    keys = _empty_keys()
    assert ("discussions_comment", "parent_id") in keys
    indexed_everywhere, unindexed = [], []
    for table, column in keys:
        definitions = _definitions(table)
        on_column = _on_column(table, column)
        if not on_column:
            unindexed.append(f"{table}.{column}")
        indexed_everywhere += [
            f"{table}.{name}" for name in on_column if " WHERE " not in definitions[name].upper()
        ]
    assert indexed_everywhere == []
    assert unindexed == []


def test_a_lookup_by_such_a_key_reads_its_partial_index():
    """`parent_id = 5` (a comment's replies), a cascade's `IN (…)`: each implies the key
    is set, so the planner still reads the index that holds only the rows that have it."""
    plans = {}
    for table, column in _empty_keys():
        (name,) = _on_column(table, column)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute(
                    f'EXPLAIN SELECT id FROM {table} WHERE "{column}" IN (%s, %s)', [1, 2]
                )
            else:
                cursor.execute(
                    f'EXPLAIN QUERY PLAN SELECT id FROM {table} WHERE "{column}" IN (%s, %s)',
                    [1, 2],
                )
            plan = " ".join(str(part) for row in cursor.fetchall() for part in row)
        plans[f"{table}.{column}"] = name in plan
    assert plans and [key for key, used in plans.items() if not used] == []
