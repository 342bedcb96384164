"""Reads that the ORM builds once per connection and then runs as their SQL.

Building a query (resolving lookups and joins, choosing columns and converters, writing
the SQL) costs a hot write path far more than running it against an indexed row: about
half a millisecond to two milliseconds of CPU for a read that SQLite answers in a few
tens of microseconds. A `PreparedRead` is written as an ordinary values-list queryset
over placeholder arguments; the first call on a connection compiles it, checks that each
placeholder is one parameter of the SQL, and keeps the SQL with the columns'
converters. Every call then runs that SQL through the connection's cursor (so execute
wrappers, the debug log and query counts still see it), with its own arguments in the
placeholders' places, and converts the rows as the ORM would have.

Only for reads whose shape never changes with their arguments: no `__in` over an
argument, no argument that changes the joins. A placeholder that does not come through
as exactly one parameter fails the first call loudly.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections
from django.db.models import QuerySet


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
    __slots__ = ("compiler", "converters", "params", "slots", "sql")

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
        self.converters = compiler.get_converters(fields)
        self.sql = sql
        self.params = params
        self.slots = slots


class PreparedRead:
    """`build(*placeholders)` returns a values-list queryset; calling the read with the
    real arguments returns its rows as tuples."""

    def __init__(self, build: Callable[..., QuerySet], *kinds: type) -> None:
        self._build = build
        self._kinds = kinds
        # Per thread: a compiled read holds its connection, and each thread has its own.
        self._local = threading.local()

    def __call__(self, *args: Any, using: str = "default") -> list[tuple]:
        connection = connections[using]
        compiled = getattr(self._local, using, None)
        if compiled is None or compiled.compiler.connection is not connection:
            marks = placeholders(*self._kinds)
            compiled = _Compiled(self._build(*marks), marks, using)
            setattr(self._local, using, compiled)
        params = list(compiled.params)
        for slot, value in zip(compiled.slots, args, strict=True):
            params[slot] = value
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if compiled.converters:
            rows = compiled.compiler.apply_converters(rows, compiled.converters)
        return [tuple(row) for row in rows]


def field_names(model) -> list[str]:
    """The model's concrete columns by attribute name, for a prepared read of whole rows."""
    return [field.attname for field in model._meta.concrete_fields]


def instances(model, rows: Sequence[tuple], using: str = "default") -> list:
    """Model instances from a prepared read of `field_names(model)`, as the ORM makes them."""
    names = field_names(model)
    return [model.from_db(using, names, row) for row in rows]
