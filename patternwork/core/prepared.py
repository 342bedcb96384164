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

A read may also be an ordinary model queryset (`select_related`, `only()` and
annotations allowed): `rows()` then gives the model instances the queryset would, built
as the ORM builds them (`Model.from_db`, the related objects' populators, each
annotation set as an attribute). Related objects the queryset would know without a
query (a related manager's instance) are not known: the caller sets them. The floor every
request pays (its session, member, device and navigation counts) is read this way.

Only for reads whose shape never changes with their arguments: no `__in` over an
argument, no argument that changes the joins. A read whose shape depends on a value (the
reader's scope: how many therapists it names, a role) keeps one `PreparedRead` per shape
and passes the values as arguments (`accounts.access.PreparedVisible`), so the number of
compiled statements follows the shapes, never the number of readers. A placeholder that
does not come through unchanged as at least one parameter fails the first call loudly
(one used twice, such as the reader's id in two conditions, fills both). A read that
matches nothing by its shape (the ORM's `EmptyResultSet`, an `__in` over no values) runs
no statement and gives no rows, as the ORM does.

A `PreparedUpdate` sets fixed columns of the rows matched by one column to plain values,
each prepared for the database by its field as `QuerySet.update()` prepares it. Like
`update()`, it sends no signals and sets no `auto_now` field the caller does not give.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteWrapper
from django.db.models import (
    AutoField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    Field,
    ForeignKey,
    GenericIPAddressField,
    IntegerField,
    JSONField,
    Model,
    QuerySet,
    TextField,
    UUIDField,
)
from django.db.models.fields import AutoFieldMixin
from django.db.models.query import ModelIterable, get_related_populators
from django.db.transaction import TransactionManagementError

# SQLite's operations, whose time conversions have quicker equals below. Taken from its
# connection class: importing its operations module first is a circular import.
SQLiteOperations = SQLiteWrapper.ops_class


class Placeholder(int):
    """An argument slot: an int the SQL's parameters can be searched for.

    Negative and far outside any primary key, so a compiled read never matches a row
    by accident even if it were run with the placeholders in place.
    """


class TextPlaceholder(str):
    """A text argument slot (a chain name, a code), found the same way."""


class UUIDPlaceholder(uuid.UUID):
    """A UUID argument slot (a public id). A database without a UUID type stores its
    hex digits, so the slot is found as the UUID or as its hex, and filled the same way."""


class DatetimePlaceholder(datetime):
    """A time argument slot (a lookup such as `starts_at__gt=now` on a DateTimeField): an
    aware time long before any record, found as the database's field prepares it."""


def placeholders(*kinds: type) -> list[Any]:
    """One placeholder per argument kind (int, str, UUID or datetime), each different
    from the others."""
    return [_placeholder(kind, number) for number, kind in enumerate(kinds, 1)]


def _placeholder(kind: type, number: int) -> Any:
    if kind is int:
        return Placeholder(-7_340_000_000 - number)
    if kind is uuid.UUID:
        return UUIDPlaceholder(int=0x7340_0000_0000_0000_0000_0000_0000_0000 + number)
    if kind is datetime:
        return DatetimePlaceholder(1901, 2, 3, 4, 5, 6, 734_000 + number, tzinfo=UTC)
    return TextPlaceholder(f"\x00placeholder-{number}\x00")


def _slot_of(params: list, mark: Any, connection) -> tuple[list[int], Callable[[Any], Any] | None]:
    """Where a placeholder is among the SQL's parameters (once or more), and how an
    argument is put there (None: as it is)."""
    found = [i for i, value in enumerate(params) if value == mark]
    convert = None
    if isinstance(mark, UUIDPlaceholder) and not found:
        found = [i for i, value in enumerate(params) if value == mark.hex]
        convert = _uuid_hex
    elif isinstance(mark, UUIDPlaceholder):
        convert = _uuid
    elif isinstance(mark, DatetimePlaceholder):
        # SQLite keeps a time as text: the slot holds the field's prepared value.
        adapt = connection.ops.adapt_datetimefield_value
        if not found:
            prepared = adapt(mark)
            found = [i for i, value in enumerate(params) if value == prepared]
        convert = adapt
    if not found:
        raise ValueError(f"a prepared read's placeholder {mark!r} is no parameter of its SQL")
    return found, convert


def _uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _uuid_hex(value: Any) -> str:
    return _uuid(value).hex


# A "%s" placeholder as Django's SQLite cursor finds them ("%%" is a literal percent).
_FORMAT_PLACEHOLDER = re.compile(r"(?<!%)%s")


def _sqlite_datetime(value: Any, expression: Any, connection) -> Any:
    """SQLite's `convert_datetimefield_value` for the naive time its driver gives (the
    backend's own column decoder has parsed the text): the connection's zone given to
    it as `make_aware` gives it, in one call instead of three. Anything else goes to
    Django's own."""
    # The connection's zone is None exactly when USE_TZ is off (Django clears it when the
    # setting changes); read from the connection, it costs no call per value, as the lazy
    # settings object does.
    if type(value) is datetime and value.tzinfo is None:
        zone = connection.timezone
        if zone is not None:
            return value.replace(tzinfo=zone)
    return connection.ops.convert_datetimefield_value(value, expression, connection)


def _quicker(convert: Callable) -> Callable:
    """A read's column converter, or its quicker equal (SQLite's times)."""
    if getattr(convert, "__func__", None) is SQLiteOperations.convert_datetimefield_value:
        return _sqlite_datetime
    return convert


class _Compiled:
    __slots__ = (
        "annotations",
        "compiler",
        "connection",
        "convert",
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
        slots, convert = [], []
        for mark in marks:
            # A field's get_prep_value may turn the placeholder into a plain int or str.
            slot, how = _slot_of(params, mark, compiler.connection)
            slots.append(slot)
            convert.append(how)
        fields = [column[0] for column in compiler.select[: compiler.col_count]]
        self.compiler = compiler
        self.connection = compiler.connection
        self.locks = queryset.query.select_for_update
        self.converters = {
            position: ([_quicker(convert) for convert in converters], expression)
            for position, (converters, expression) in compiler.get_converters(fields).items()
        }
        # The SQL with named placeholders, its parameters given by name: Django's SQLite
        # cursor otherwise rewrites every "%s" with a regular expression on every run
        # (about 0.1 ms for a 3 KB statement); a name is put in place by plain string
        # formatting, and PostgreSQL's driver takes names as they are.
        numbers = iter(range(len(params)))
        self.sql = _FORMAT_PLACEHOLDER.sub(lambda _: f"%(p{next(numbers)})s", sql)
        if next(numbers, None) is not None:
            raise ValueError("a prepared read's SQL has fewer placeholders than parameters")
        self.params = params
        self.slots = slots
        self.convert = convert if any(convert) else None
        # A model queryset: where the model's own columns are in a row, and how the
        # related objects of select_related are made from the rest.
        self.model = None
        self.annotations = ()
        if queryset._iterable_class is ModelIterable:
            self.annotations = tuple(compiler.annotation_col_map.items())
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

    def _run(self, args: Sequence[Any], using: str) -> tuple[_Compiled | None, list]:
        connection = connections[using]
        compiled = getattr(self._local, using, None)
        if compiled is None or compiled.connection is not connection:
            marks = placeholders(*self._kinds)
            try:
                compiled = _Compiled(self._build(*marks), marks, using)
            except EmptyResultSet:
                # As the ORM does for a filter that matches nothing by its shape (an
                # empty list of ids): no rows, and no statement run.
                compiled = _Nothing(connection)
            setattr(self._local, using, compiled)
        if isinstance(compiled, _Nothing):
            return None, []
        return compiled, _execute(compiled, args, connection)

    def __call__(self, *args: Any, using: str = "default") -> list[tuple]:
        """The rows of a values-list read, as tuples of its columns."""
        compiled, rows = self._run(args, using)
        return [] if compiled is None else _tuples(compiled, rows)

    def rows(self, *args: Any, using: str = "default") -> list[Model]:
        """The model instances a model queryset would give for these arguments."""
        compiled, rows = self._run(args, using)
        return [] if compiled is None else _instances(compiled, rows, using)


class PreparedShapes:
    """Prepared reads made once per shape: `shapes[shape]` is the read `make(shape)`
    returns, made the first time that shape is asked for and kept for the process.

    For a read whose SQL depends on something small and bounded (how many ids it takes,
    which model it reads, whether it reads values or models), so that the number of
    compiled statements follows the shapes, never the data or the number of people.
    """

    def __init__(self, make: Callable[[Any], PreparedRead]) -> None:
        self._make = make
        self._reads: dict[Any, PreparedRead] = {}

    def __getitem__(self, shape: Any) -> PreparedRead:
        read = self._reads.get(shape)
        if read is None:
            # Two threads meeting a new shape at once each make one; either serves.
            read = self._reads[shape] = self._make(shape)
        return read

    def __len__(self) -> int:
        """How many shapes have a read made: what bounds the compiled statements."""
        return len(self._reads)


class _Nothing:
    """A read that matches nothing by its shape, on one connection."""

    __slots__ = ("connection",)

    def __init__(self, connection) -> None:
        self.connection = connection


def _cursor(connection):
    """The cursor prepared statements run on: one kept per open connection.

    `connection.cursor()` makes and wraps a new cursor for every statement (the
    connection checked, the driver's cursor made, the wrapper that runs the execute
    wrappers and logs queries); a prepared statement runs at once and reads its whole
    result, so one cursor serves them all. It is kept while the driver's connection is
    the same one and query logging (the debug cursor, as `CaptureQueriesContext` turns
    it on) is as it was, and made again otherwise; execute wrappers, the query log and
    the broken-transaction check run on every statement as through a new cursor.
    Connections are per thread, and so is the kept cursor.
    """
    kept = connection.__dict__.get("_prepared_cursor")
    if (
        kept is not None
        and kept[0] is connection.connection
        and kept[1] == connection.queries_logged
    ):
        return kept[2]
    cursor = connection.cursor()
    connection._prepared_cursor = (connection.connection, connection.queries_logged, cursor)
    return cursor


# Parameter names for SQL written with named placeholders ("p0", "p1", ...), made once.
_NAMES: list[str] = []


def _named(params: Sequence[Any]) -> dict[str, Any]:
    if len(params) > len(_NAMES):
        _NAMES.extend(f"p{number}" for number in range(len(_NAMES), len(params)))
    return dict(zip(_NAMES, params, strict=False))


def _execute(compiled: _Compiled, args: Sequence[Any], connection) -> list:
    """A compiled read's rows for these arguments, converted as the ORM converts them."""
    if compiled.locks and connection.get_autocommit():
        # As the ORM refuses it: a row lock outside a transaction would end at once.
        raise TransactionManagementError(
            "select_for_update cannot be used outside of a transaction."
        )
    params = list(compiled.params)
    convert = compiled.convert or (None,) * len(args)
    for slots, value, how in zip(compiled.slots, args, convert, strict=True):
        if how is not None:
            value = how(value)
        for slot in slots:
            params[slot] = value
    cursor = _cursor(connection)
    cursor.execute(compiled.sql, _named(params))
    rows = cursor.fetchall()
    if compiled.converters:
        rows = compiled.compiler.apply_converters(rows, compiled.converters)
    return rows


def _tuples(compiled: _Compiled, rows: list) -> list[tuple]:
    if compiled.model is not None:
        raise TypeError("a read of model rows: use rows()")
    return [tuple(row) for row in rows]


def _instances(compiled: _Compiled, rows: list, using: str) -> list[Model]:
    """The model instances of a model read's rows, as the ORM makes them."""
    if compiled.model is None:
        raise TypeError("a values-list read: call it")
    found = []
    annotations = compiled.annotations
    for row in rows:
        obj = compiled.model.from_db(using, compiled.init_list, row[compiled.start : compiled.end])
        for populator in compiled.populators:
            populator.populate(row, obj)
        for name, position in annotations:
            setattr(obj, name, row[position])
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


# Shortcuts for the values a column nearly always gets (None, or a value already of the
# column's own Python type), where Django's chain of calls would hand the value back
# as it is or only adapt it for the driver: one call per column instead of three to
# six. Each is chosen only for a field whose whole chain is Django's own (checked below,
# so a subclass that prepares its values differently, an encrypted field say, never
# takes one), and returns `_SLOW` for any other value, which then goes the long way.
_SLOW = object()


def _plain_text(value: Any, connection) -> Any:
    # CharField/TextField: to_python returns any str (a TextChoices member too) as it is.
    return value if value is None or isinstance(value, str) else _SLOW


def _plain_key(value: Any, connection) -> Any:
    # A foreign key to an automatic integer key: int(value), then the backend's
    # `validate_autopk_value`, which the base operations (SQLite's, PostgreSQL's) return.
    if value is None:
        return None
    if (
        type(value) is int
        and type(connection.ops).validate_autopk_value
        is BaseDatabaseOperations.validate_autopk_value
    ):
        return value
    return _SLOW


def _plain_integer(value: Any, connection) -> Any:
    if value is None or type(value) is int:
        ops = connection.ops
        if type(ops).adapt_integerfield_value is BaseDatabaseOperations.adapt_integerfield_value:
            return value
    return _SLOW


def _plain_datetime(value: Any, connection) -> Any:
    # An aware datetime comes out of DateTimeField.get_prep_value unchanged.
    if value is None:
        return None
    if type(value) is datetime and value.utcoffset() is not None:
        ops = connection.ops
        zone = connection.timezone  # None exactly when USE_TZ is off
        if (
            type(ops).adapt_datetimefield_value is SQLiteOperations.adapt_datetimefield_value
            and zone is not None
        ):
            # SQLite's own adaptation (`make_naive` in the connection's zone, as text),
            # without its three calls.
            return str(value.astimezone(zone).replace(tzinfo=None))
        return ops.adapt_datetimefield_value(value)
    return _SLOW


def _plain_date(value: Any, connection) -> Any:
    # DateField.get_prep_value gives a date (not a datetime) back as it is.
    if value is None or type(value) is date:
        return connection.ops.adapt_datefield_value(value)
    return _SLOW


def _plain_bool(value: Any, connection) -> Any:
    # BooleanField.get_prep_value gives True and False back as they are.
    return value if value is None or type(value) is bool else _SLOW


def _plain_address(value: Any, connection) -> Any:
    # GenericIPAddressField: no address is NULL on every backend.
    return None if value is None else _SLOW


def _plain_json(encoder) -> Callable[[Any, Any], Any]:
    def prepare(value: Any, connection) -> Any:
        # JSONField: a dict or list goes straight to the backend's JSON adaptation.
        if value is None:
            return None
        if type(value) is dict or type(value) is list:
            return connection.ops.adapt_json_value(value, encoder)
        return _SLOW

    return prepare


def _plain_uuid(value: Any, connection) -> Any:
    if value is None:
        return None
    if type(value) is uuid.UUID:
        return value if connection.features.has_native_uuid_field else value.hex
    return _SLOW


def _same(kind: type, base: type, *names: str) -> bool:
    return all(getattr(kind, name) is getattr(base, name) for name in names)


def _shortcut(field) -> Callable[[Any, Any], Any] | None:
    """The field's shortcut for its usual values, if its preparation is Django's own."""
    kind = type(field)
    if isinstance(field, ForeignKey):
        target = type(field.target_field)
        if (
            _same(kind, ForeignKey, "get_db_prep_save")
            and issubclass(target, AutoFieldMixin)
            and _same(target, Field, "get_db_prep_save")
            and _same(target, AutoFieldMixin, "get_db_prep_value")
            and _same(target, IntegerField, "get_prep_value")
        ):
            return _plain_key
        return None
    prep = ("get_db_prep_save", "get_db_prep_value", "get_prep_value", "to_python")
    if _same(kind, CharField, *prep) or _same(kind, TextField, *prep):
        return _plain_text
    if _same(kind, IntegerField, *prep):
        return _plain_integer
    if _same(kind, DateTimeField, *prep):
        return _plain_datetime
    if _same(kind, UUIDField, *prep):
        return _plain_uuid
    if _same(kind, DateField, *prep):
        return _plain_date
    if _same(kind, BooleanField, *prep):
        return _plain_bool
    if _same(kind, GenericIPAddressField, *prep):
        return _plain_address
    if _same(kind, JSONField, *prep):
        return _plain_json(field.encoder)
    return None


def _value_for(field, mode: int, shortcut, value: Any, connection) -> Any:
    """`field.get_db_prep_save(value, connection)`, by the shortcut where it applies."""
    if shortcut is not None:
        prepared = shortcut(value, connection)
        if prepared is not _SLOW:
            return prepared
    return _prepared(field, mode, value, connection)


class PreparedUpdate:
    """`UPDATE table SET col = %s, ... WHERE key = %s` for one model, its SQL written once
    per database vendor; calling it with the key's value and a value per field (by
    field name or attribute name) returns the number of rows it changed."""

    def __init__(self, model, fields: Sequence[str], key: str) -> None:
        meta = model._meta
        self._fields = [meta.get_field(name) for name in fields]
        self._modes = [_prep_mode(field) for field in self._fields]
        self._shortcuts = [_shortcut(field) for field in self._fields]
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
            _value_for(field, mode, shortcut, values[name], connection)
            for name, field, mode, shortcut in zip(
                self._names, self._fields, self._modes, self._shortcuts, strict=True
            )
        ]
        params.append(self._key.get_db_prep_value(key, connection, prepared=False))
        cursor = _cursor(connection)
        cursor.execute(self._statement(connection), params)
        return cursor.rowcount


# PostgreSQL's protocol carries at most 65,535 parameters in one statement, and Django's
# PostgreSQL backend puts no limit of its own on a batch (SQLite's does).
WIRE_MAX_PARAMS = 65_535


def plain_batch_size(connection, fields: Sequence[Any], rows: Sequence[Any]) -> int:
    """How many rows one INSERT of plain values takes: as many as `bulk_create` would put
    in one, and never more parameters than the database's protocol carries."""
    return max(
        min(connection.ops.bulk_batch_size(fields, rows), WIRE_MAX_PARAMS // max(len(fields), 1)),
        1,
    )


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
        # Per column: the field, its prep mode, its attribute name when its `pre_save`
        # is the base one (the value as it stands on the instance), and its shortcut.
        self._plan = [
            (
                field,
                _prep_mode(field),
                field.attname if type(field).pre_save is Field.pre_save else None,
                _shortcut(field),
            )
            for field in self._fields
        ]
        self._sql: dict[tuple[str, int, bool], str] = {}

    def _statement(self, connection, rows: int, *, returning: bool = True) -> str:
        sql = self._sql.get((connection.vendor, rows, returning))
        if sql is None:
            quote = connection.ops.quote_name
            meta = self._model._meta
            # Named placeholders: Django's SQLite cursor would otherwise rewrite every "%s"
            # with a regular expression on every run.
            numbers = iter(range(rows * len(self._fields)))
            values = ", ".join(
                "(" + ", ".join(f"%(p{next(numbers)})s" for _ in self._fields) + ")"
                for _ in range(rows)
            )
            back = f" RETURNING {quote(meta.pk.column)}" if returning else ""
            sql = self._sql[(connection.vendor, rows, returning)] = (
                # Only the model's own table and column names, quoted; values are parameters.
                f"INSERT INTO {quote(meta.db_table)} "  # noqa: S608
                f"({', '.join(quote(field.column) for field in self._fields)}) "
                f"VALUES {values}{back}"
            )
        return sql

    def plain(self, rows: Sequence[Mapping[str, Any]], using: str = "default") -> None:
        """Insert rows given as plain values by attribute name, every column but an
        automatic key, with nothing read back: each value prepared by its field for the
        database, as many rows a statement as `bulk_create` puts in one (so as many
        statements)."""
        connection = connections[using]
        fields = self._fields
        size = plain_batch_size(connection, fields, rows)
        for start in range(0, len(rows), size):
            batch = rows[start : start + size]
            values = [
                _value_for(field, mode, shortcut, row[field.attname], connection)
                for row in batch
                for field, mode, _, shortcut in self._plan
            ]
            _cursor(connection).execute(
                self._statement(connection, len(batch), returning=False), _named(values)
            )

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
            for field, mode, attname, shortcut in self._plan:
                value = getattr(obj, attname) if attname else field.pre_save(obj, add=True)
                if shortcut is not None:
                    prepared = shortcut(value, connection)
                    if prepared is not _SLOW:
                        params.append(prepared)
                        continue
                if hasattr(value, "resolve_expression"):
                    self._model.objects.using(using).bulk_create(objs)
                    return
                params.append(
                    field.get_prep_value(value)
                    if mode == _PREP and not hasattr(value, "as_sql")
                    else _prepared(field, mode, value, connection)
                )
        cursor = _cursor(connection)
        cursor.execute(self._statement(connection, len(objs)), _named(params))
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

    def _statement(self, key: Any, build: Callable[[], QuerySet], using: str) -> tuple:
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
        return kept

    def fetchone(
        self, key: Any, build: Callable[[], QuerySet], using: str = "default"
    ) -> tuple[list[str], tuple | None]:
        """The statement's column names and its first row (None for no row)."""
        kept = self._statement(key, build, using)
        with connections[using].cursor() as cursor:
            cursor.execute(*kept)
            return [column[0] for column in cursor.description], cursor.fetchone()

    def fetchall(
        self, key: Any, build: Callable[[], QuerySet], using: str = "default"
    ) -> tuple[list[str], list[tuple]]:
        """The statement's column names and all its rows, as the database gives them: no
        field converters run, so for columns of numbers and plain text."""
        kept = self._statement(key, build, using)
        with connections[using].cursor() as cursor:
            cursor.execute(*kept)
            return [column[0] for column in cursor.description], cursor.fetchall()


def prefetched(instance: Model, name: str, rows: list, *, back: str | None = None) -> None:
    """Give `instance` the rows of its related manager `name` as `prefetch_related(name)`
    would have (so `instance.<name>.all()` reads no more), the rows having been read by
    a prepared read; `back` names the rows' foreign key to `instance`, set on each as
    the prefetch sets it."""
    if back is not None:
        for row in rows:
            setattr(row, back, instance)
    queryset = getattr(instance, name).all()
    queryset._result_cache = rows
    queryset._prefetch_done = True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[name] = queryset
