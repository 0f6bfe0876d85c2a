"""One row, inserted or read on a hot path with its statement built once per model.

`Model.save()` builds an InsertQuery and compiles it to SQL on every call: for the few
rows a POST writes (a report, its thread, its first timeline entry, a comment, the
task for the worker), that compile cost more than the insert itself. `insert(obj)`
does what `save()` does for a new object (each field's `pre_save`, such as
`auto_now_add`, its value prepared for the database, the pre_save and post_save
signals) and runs one INSERT … RETURNING built the first time the model is written.

Only for models without multi-table inheritance or their own save(): anything else
goes through save(), which the caller can always use instead.

Each value is prepared as `get_db_prep_save` prepares it, but a value that Django
hands to the driver unchanged (text in a text field, a boolean, a float, and on
databases that take them as they are an integer or a key) is taken as it is, and an
aware datetime goes straight to the backend's adapter: Django's generic path per
field was most of an insert's own time, inside the transaction that holds the write
lock. Which fields may skip it is decided once per model and database
(`_preparations`), and the tests hold the two paths equal for every model's fields.

`select_one(model, condition, params)` is the same for a one-row read by a fixed
condition: the ORM's query built and compiled on every call cost more than running it.

`next_pk(model)` takes the key a new row will get before it is written, for a row
that names its own key (a comment's place in its thread): written once, not written
and then updated.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import (
    IntegrityError,
    NotSupportedError,
    connections,
    router,
    transaction,
)
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import Field, Model, fields
from django.db.models.fields import related
from django.db.models.signals import post_save, pre_save
from django.db.transaction import TransactionManagementError

_statements: dict[tuple[str, str, bool, bool], tuple[str, list]] = {}
_selects: dict[tuple, tuple[str, list, list]] = {}

# How a field's value reaches the driver (`_preparations`).
GENERIC, TEXT, EXACT, AWARE = range(4)
# The fields whose get_db_prep_save gives back a value of this type as it is.
_TEXT_FIELDS = (
    fields.CharField,
    fields.TextField,
    fields.EmailField,
    fields.URLField,
    fields.SlugField,
)
_EXACT_FIELDS = {fields.BooleanField: bool, fields.FloatField: float}
# Unchanged only where the backend's integer adapter is the base one (PostgreSQL's
# wraps each integer in the driver's own type).
_INTEGER_FIELDS = (
    fields.IntegerField,
    fields.BigIntegerField,
    fields.SmallIntegerField,
    fields.PositiveIntegerField,
    fields.PositiveSmallIntegerField,
    fields.PositiveBigIntegerField,
    fields.AutoField,
    fields.BigAutoField,
)


def _statement(
    model: type[Model], connection, ignore_conflicts: bool, with_pk: bool
) -> tuple[str, list]:
    key = (model._meta.label, connection.alias, ignore_conflicts, with_pk)
    known = _statements.get(key)
    if known is None:
        meta = model._meta
        quote = connection.ops.quote_name
        fields = [
            field
            for field in meta.local_concrete_fields
            if (with_pk or field is not meta.auto_field) and not getattr(field, "generated", False)
        ]
        columns = ", ".join(quote(field.column) for field in fields)
        marks = ", ".join(["%s"] * len(fields))
        sql = (
            f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks})"
            f"{' ON CONFLICT DO NOTHING' if ignore_conflicts else ''}"
            f" RETURNING {quote(meta.pk.column)}"
        )
        known = _statements[key] = (sql, _preparations(fields, connection))
    return known


def _preparations(columns: list[Field], connection) -> list[tuple[Field, str, int, type | None]]:
    """For each field: its attname, and how its value is prepared (GENERIC: Django's
    pre_save and get_db_prep_save; TEXT: a str as it is; EXACT: a value of exactly the
    given type as it is; AWARE: an aware datetime through the backend's adapter).
    None is None on every path but GENERIC."""
    plain_integers = (
        type(connection.ops).adapt_integerfield_value
        is BaseDatabaseOperations.adapt_integerfield_value
    )
    found = []
    for field in columns:
        kind, exact, cls = GENERIC, None, type(field)
        if cls in (related.ForeignKey, related.OneToOneField):
            if type(field.target_field) in _INTEGER_FIELDS and plain_integers:
                kind, exact = EXACT, int
        elif cls is fields.DateTimeField:
            if settings.USE_TZ and not (field.auto_now or field.auto_now_add):
                kind = AWARE
        elif cls.pre_save is not Field.pre_save:
            pass  # a pre_save of its own (a file, say): always Django's
        elif cls in _TEXT_FIELDS:
            kind = TEXT
        elif cls in _EXACT_FIELDS:
            kind, exact = EXACT, _EXACT_FIELDS[cls]
        elif cls in _INTEGER_FIELDS and plain_integers:
            kind, exact = EXACT, int
        found.append((field, field.attname, kind, exact))
    return found


def _params(obj: Model, preparations, connection) -> list:
    params = []
    append = params.append
    for field, attname, kind, exact in preparations:
        if kind != GENERIC:
            value = getattr(obj, attname)
            if value is None:
                append(None)
                continue
            if kind == TEXT:
                if isinstance(value, str):
                    append(value)
                    continue
            elif kind == EXACT:
                if type(value) is exact:
                    append(value)
                    continue
            elif type(value) is datetime.datetime and value.tzinfo is not None:
                append(connection.ops.adapt_datetimefield_value(value))
                continue
        append(field.get_db_prep_save(field.pre_save(obj, True), connection))
    return params


def insert(obj: Model, *, ignore_conflicts: bool = False) -> Model | None:
    """Write the new `obj` as `obj.save()` would, and give it its primary key (or
    write it under the one it has: from `next_pk`, say).

    `ignore_conflicts`: a row that would break a unique constraint is not written (as
    `bulk_create(…, ignore_conflicts=True)`), and None is returned."""
    model = type(obj)
    meta = model._meta
    if meta.parents or model.save is not Model.save or meta.auto_field is None:
        if not ignore_conflicts:
            obj.save()
            return obj
        try:
            with transaction.atomic():
                obj.save()
        except IntegrityError:
            return None
        return obj
    using = router.db_for_write(model, instance=obj)
    connection = connections[using]
    pre_save.send(sender=model, instance=obj, raw=False, using=using, update_fields=None)
    sql, preparations = _statement(model, connection, ignore_conflicts, obj.pk is not None)
    params = _params(obj, preparations, connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None  # a conflict, ignored
    setattr(obj, meta.pk.attname, row[0])
    obj._state.adding = False
    obj._state.db = using
    post_save.send(
        sender=model, instance=obj, created=True, update_fields=None, raw=False, using=using
    )
    return obj


def next_pk(model: type[Model], *, using: str | None = None) -> int:
    """The primary key the next new row of `model` gets, taken before it is written,
    for a row that must name its own key (a comment's place in its thread): it is
    written once instead of written and then updated. Inside a transaction only,
    which on SQLite holds the one write lock (transactions open IMMEDIATE), so no
    other writer takes the key meanwhile; one outside the lock would make the insert
    fail on the key, never write over a row."""
    connection = connections[using or router.db_for_write(model)]
    if not connection.in_atomic_block:
        raise TransactionManagementError("A key is taken inside the transaction that uses it.")
    meta = model._meta
    table, column = meta.db_table, meta.pk.column
    if connection.vendor == "sqlite":
        # AUTOINCREMENT, as Django declares SQLite's keys: one above both the highest
        # key ever given (kept in sqlite_sequence) and the highest row now.
        quote = connection.ops.quote_name
        sql = (
            "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0),"
            f" COALESCE((SELECT MAX({quote(column)}) FROM {quote(table)}), 0)) + 1"
        )
        params = [table]
    elif connection.vendor == "postgresql":
        sql, params = "SELECT nextval(pg_get_serial_sequence(%s, %s))", [table, column]
    else:
        raise NotSupportedError(f"No next key on {connection.vendor}.")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.fetchone()[0])


def _select(
    model: type[Model], connection, condition: str, annotations: tuple[tuple[str, str], ...]
) -> tuple[str, list, list]:
    key = (model._meta.label, connection.alias, condition, annotations)
    known = _selects.get(key)
    if known is None:
        meta, quote = model._meta, connection.ops.quote_name
        fields = list(meta.concrete_fields)
        # Each column's converters from the database, as the ORM's compiler takes them.
        converters = []
        for index, field in enumerate(fields):
            column = field.get_col(meta.db_table)
            found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            if found:
                converters.append((index, column, found))
        columns = ", ".join(quote(field.column) for field in fields)
        columns += "".join(f", {expression} AS {quote(name)}" for name, expression in annotations)
        sql = f"SELECT {columns} FROM {quote(meta.db_table)} t WHERE {condition}"
        known = _selects[key] = (sql, [field.attname for field in fields], converters)
    return known


def select_one(
    model: type[Model],
    condition: str,
    params: list,
    *,
    using: str,
    annotations: tuple[tuple[str, str], ...] = (),
) -> Model | None:
    """The first row of `model` where the SQL `condition` holds (with `params`), built as
    the ORM would build it, or None. `condition` must be a constant: it keys the memo.

    `annotations`: (name, SQL expression) pairs, constants too, selected with the row
    and set on the instance under their names as the database answers them, as a raw
    query's extra columns are. The table is `t` to them; their parameters come first
    in `params`, before the condition's."""
    connection = connections[using]
    sql, attnames, converters = _select(model, connection, condition, annotations)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row[: len(attnames)])
    for index, column, column_converters in converters:
        for convert in column_converters:
            values[index] = convert(values[index], column, connection)
    instance = model.from_db(using, attnames, values)
    for (name, _expression), value in zip(annotations, row[len(attnames) :], strict=True):
        setattr(instance, name, value)
    return instance
