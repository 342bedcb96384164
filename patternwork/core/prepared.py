"""Reads that the ORM builds once per connection and then runs as their SQL, and
updates of fixed columns written once.

Building a query (resolving lookups and joins, choosing columns and converters, writing
the SQL) costs a hot write path far more than running it against an indexed row: about
half a millisecond to two milliseconds of CPU for a read that SQLite answers in a few
tens of microseconds. A `PreparedRead` is written as an ordinary values-list queryset
over placeholder arguments; the first call on a connection compiles it, checks that each
placeholder is one parameter of the SQL, and keeps the SQL with the columns'
converters. Every call then runs that SQL through the connection's cursor (so execute
wrappers, the debug log and query counts still see it), with its own arguments in the
placeholders' places, and converts the rows as the ORM would have.

A read may also be an ordinary model queryset (`select_related` and `only()` allowed, no
annotations): `rows()` then gives the model instances the queryset would, built as the
ORM builds them (`Model.from_db` and the related objects' populators). The floor every
request pays (its session, member, device and navigation counts) is read this way.

Only for reads whose shape never changes with their arguments: no `__in` over an
argument, no argument that changes the joins. A placeholder that does not come through
as exactly one parameter fails the first call loudly.

A `PreparedUpdate` sets fixed columns of the rows matched by one column to plain values,
each prepared for the database by its field as `QuerySet.update()` prepares it. Like
`update()`, it sends no signals and sets no `auto_now` field the caller does not give.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.db import connections
from django.db.models import AutoField, Field, Model, QuerySet
from django.db.models.query import ModelIterable, get_related_populators
from django.db.transaction import TransactionManagementError


class Placeholder(int):
    """An argument slot: an int the SQL's parameters can be searched for.

    Negative and far outside any primary key, so a compiled read never matches a row
    by accident even if it were run with the placeholders in place.
    """


class TextPlaceholder(str):
    """A text argument slot (a chain name, a code), found the same way."""


def placeholders(*kinds: type) -> list[Any]:
    """One placeholder per argument kind (int or str), each different from the others."""
    return [
        Placeholder(-7_340_000_000 - number)
        if kind is int
        else TextPlaceholder(f"\x00placeholder-{number}\x00")
        for number, kind in enumerate(kinds, 1)
    ]


class _Compiled:
    __slots__ = (
        "compiler",
        "converters",
        "end",
        "init_list",
        "locks",
        "model",
        "params",
        "populators",
        "slots",
        "sql",
        "start",
    )

    def __init__(self, queryset: QuerySet, marks: Sequence[Any], alias: str) -> None:
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        params = list(params)
        slots = []
        for mark in marks:
            # A field's get_prep_value may turn the placeholder into a plain int or str.
            found = [i for i, value in enumerate(params) if value == mark]
            if len(found) != 1:
                raise ValueError(
                    f"a prepared read's placeholder {mark!r} is {len(found)} parameters "
                    "of its SQL, not one"
                )
            slots.append(found[0])
        fields = [column[0] for column in compiler.select[: compiler.col_count]]
        self.compiler = compiler
        self.locks = queryset.query.select_for_update
        self.converters = compiler.get_converters(fields)
        self.sql = sql
        self.params = params
        self.slots = slots
        # A model queryset: where the model's own columns are in a row, and how the
        # related objects of select_related are made from the rest.
        self.model = None
        if queryset._iterable_class is ModelIterable:
            if compiler.annotation_col_map:
                raise ValueError("a prepared read of model rows takes no annotations")
            klass_info = compiler.klass_info
            columns = klass_info["select_fields"]
            self.model = klass_info["model"]
            self.start, self.end = columns[0], columns[-1] + 1
            self.init_list = [
                column[0].target.attname for column in compiler.select[self.start : self.end]
            ]
            self.populators = get_related_populators(klass_info, compiler.select, alias)


class PreparedRead:
    """`build(*placeholders)` returns a queryset, one placeholder per argument kind
    (int or str). For a values-list queryset, calling the read with the real arguments
    returns its rows as tuples; for a model queryset, `rows()` returns its instances."""

    def __init__(self, build: Callable[..., QuerySet], *kinds: type) -> None:
        self._build = build
        self._kinds = kinds
        # Per thread: a compiled read holds its connection, and each thread has its own.
        self._local = threading.local()

    def _run(self, args: Sequence[Any], using: str) -> tuple[_Compiled, list]:
        connection = connections[using]
        compiled = getattr(self._local, using, None)
        if compiled is None or compiled.compiler.connection is not connection:
            marks = placeholders(*self._kinds)
            compiled = _Compiled(self._build(*marks), marks, using)
            setattr(self._local, using, compiled)
        if compiled.locks and connection.get_autocommit():
            # As the ORM refuses it: a row lock outside a transaction would end at once.
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        params = list(compiled.params)
        for slot, value in zip(compiled.slots, args, strict=True):
            params[slot] = value
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if compiled.converters:
            rows = compiled.compiler.apply_converters(rows, compiled.converters)
        return compiled, rows

    def __call__(self, *args: Any, using: str = "default") -> list[tuple]:
        """The rows of a values-list read, as tuples of its columns."""
        compiled, rows = self._run(args, using)
        if compiled.model is not None:
            raise TypeError("a read of model rows: use rows()")
        return [tuple(row) for row in rows]

    def rows(self, *args: Any, using: str = "default") -> list[Model]:
        """The model instances a model queryset would give for these arguments."""
        compiled, rows = self._run(args, using)
        if compiled.model is None:
            raise TypeError("a values-list read: call it")
        found = []
        for row in rows:
            obj = compiled.model.from_db(
                using, compiled.init_list, row[compiled.start : compiled.end]
            )
            for populator in compiled.populators:
                populator.populate(row, obj)
            found.append(obj)
        return found


def field_names(model) -> list[str]:
    """The model's concrete columns by attribute name, for a prepared read of whole rows."""
    return [field.attname for field in model._meta.concrete_fields]


def instances(model, rows: Sequence[tuple], using: str = "default") -> list:
    """Model instances from a prepared read of `field_names(model)`, as the ORM makes them."""
    names = field_names(model)
    return [model.from_db(using, names, row) for row in rows]


# How a field's value is prepared for a write: as `field.get_db_prep_save(value,
# connection)`, entered lower down Django's own chain of calls where the field leaves the
# upper steps as Django's base class has them (a value with `as_sql` is passed as it is,
# as the base `get_db_prep_save` does). The same value, with fewer calls per column.
_SAVE, _DB_PREP, _PREP = range(3)


def _prep_mode(field) -> int:
    kind = type(field)
    if kind.get_db_prep_save is not Field.get_db_prep_save:
        return _SAVE
    if kind.get_db_prep_value is not Field.get_db_prep_value:
        return _DB_PREP
    return _PREP


def _prepared(field, mode: int, value: Any, connection) -> Any:
    if mode == _SAVE or hasattr(value, "as_sql"):
        return field.get_db_prep_save(value, connection)
    if mode == _DB_PREP:
        return field.get_db_prep_value(value, connection, prepared=False)
    return field.get_prep_value(value)


class PreparedUpdate:
    """`UPDATE table SET col = %s, ... WHERE key = %s` for one model, its SQL written once
    per database vendor; calling it with the key's value and a value per field (by
    field name or attribute name) returns the number of rows it changed."""

    def __init__(self, model, fields: Sequence[str], key: str) -> None:
        meta = model._meta
        self._fields = [meta.get_field(name) for name in fields]
        self._modes = [_prep_mode(field) for field in self._fields]
        self._names = list(fields)
        self._key = meta.get_field(key)
        self._model = model
        self._sql: dict[str, str] = {}

    def _statement(self, connection) -> str:
        sql = self._sql.get(connection.vendor)
        if sql is None:
            quote = connection.ops.quote_name
            columns = ", ".join(f"{quote(field.column)} = %s" for field in self._fields)
            # Only the model's own table and column names, quoted; every value is a parameter.
            sql = self._sql[connection.vendor] = (
                f"UPDATE {quote(self._model._meta.db_table)} SET {columns} "  # noqa: S608
                f"WHERE {quote(self._key.column)} = %s"
            )
        return sql

    def __call__(self, key: Any, values: Mapping[str, Any], using: str = "default") -> int:
        if len(values) != len(self._names):
            # A value for a column the statement does not set would be silently dropped.
            raise ValueError(f"expected values for {sorted(self._names)}, got {sorted(values)}")
        connection = connections[using]
        params = [
            _prepared(field, mode, values[name], connection)
            for name, field, mode in zip(self._names, self._fields, self._modes, strict=True)
        ]
        params.append(self._key.get_db_prep_value(key, connection, prepared=False))
        with connection.cursor() as cursor:
            cursor.execute(self._statement(connection), params)
            return cursor.rowcount


class PreparedInsert:
    """What `bulk_create` does for new rows of one model given plain values: one INSERT
    of them all, returning their primary keys, with its SQL written once per database
    vendor and number of rows. Each field prepares its value as for `save()` (so
    `auto_now`, `auto_now_add` and defaults hold). Rows with an expression for a value,
    and batches too large for one statement, go through `bulk_create` itself."""

    # Under SQLite's oldest limit on parameters in one statement.
    MAX_PARAMS = 900

    def __init__(self, model) -> None:
        self._model = model
        self._fields = [
            field
            for field in model._meta.concrete_fields
            if not field.generated and not (field.primary_key and isinstance(field, AutoField))
        ]
        # Per column: the field, its prep mode, and its attribute name when its
        # `pre_save` is the base one (the value as it stands on the instance).
        self._plan = [
            (
                field,
                _prep_mode(field),
                field.attname if type(field).pre_save is Field.pre_save else None,
            )
            for field in self._fields
        ]
        self._sql: dict[tuple[str, int], str] = {}

    def _statement(self, connection, rows: int) -> str:
        sql = self._sql.get((connection.vendor, rows))
        if sql is None:
            quote = connection.ops.quote_name
            meta = self._model._meta
            row = "(" + ", ".join(["%s"] * len(self._fields)) + ")"
            sql = self._sql[(connection.vendor, rows)] = (
                # Only the model's own table and column names, quoted; values are parameters.
                f"INSERT INTO {quote(meta.db_table)} "  # noqa: S608
                f"({', '.join(quote(field.column) for field in self._fields)}) "
                f"VALUES {', '.join([row] * rows)} RETURNING {quote(meta.pk.column)}"
            )
        return sql

    def __call__(self, objs: Sequence[Any], using: str = "default") -> None:
        if not objs:
            return
        connection = connections[using]
        if (
            not connection.features.can_return_rows_from_bulk_insert
            or len(objs) * len(self._fields) > self.MAX_PARAMS
            or any(obj.pk is not None for obj in objs)
        ):
            self._model.objects.using(using).bulk_create(objs)
            return
        params = []
        for obj in objs:
            obj._prepare_related_fields_for_save(operation_name="bulk_create")
            for field, mode, attname in self._plan:
                value = getattr(obj, attname) if attname else field.pre_save(obj, add=True)
                if hasattr(value, "resolve_expression"):
                    self._model.objects.using(using).bulk_create(objs)
                    return
                params.append(
                    field.get_prep_value(value)
                    if mode == _PREP and not hasattr(value, "as_sql")
                    else _prepared(field, mode, value, connection)
                )
        with connection.cursor() as cursor:
            cursor.execute(self._statement(connection, len(objs)), params)
            keys = cursor.fetchall()
        for obj, (key,) in zip(objs, keys, strict=True):
            obj.pk = key
            obj._state.adding = False
            obj._state.db = using


class KeptStatements:
    """Whole statements, their SQL and parameters both, kept by a key that holds every
    value they depend on.

    For a read whose shape changes with its arguments (a list of ids, a period open at
    one end), where a placeholder cannot stand in for them, but which a page repeats
    with the same arguments: its SQL is made once per key and run again as it is. A
    bounded number of keys per process (all dropped when full); a key that cannot be
    hashed is built for that call alone.
    """

    def __init__(self, size: int = 128) -> None:
        self._kept: dict[Any, tuple[str, tuple]] = {}
        self._size = size

    def fetchone(
        self, key: Any, build: Callable[[], QuerySet], using: str = "default"
    ) -> tuple[list[str], tuple | None]:
        """The statement's column names and its first row (None for no row)."""
        try:
            kept = self._kept.get(key)
        except TypeError:
            kept, key = None, None
        if kept is None:
            sql, params = build().query.get_compiler(using=using).as_sql()
            kept = (sql, tuple(params))
            if key is not None:
                if len(self._kept) >= self._size:
                    self._kept.clear()
                self._kept[key] = kept
        with connections[using].cursor() as cursor:
            cursor.execute(*kept)
            return [column[0] for column in cursor.description], cursor.fetchone()
