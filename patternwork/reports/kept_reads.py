"""Reads compiled once per key and connection, then run as their SQL with late arguments.

The caseload, oversight and portal pages run the same dozen reads on every request, and
building each one with the ORM (resolving lookups and joins, writing the SQL) costs far
more than running it. `core.prepared.PreparedRead` keeps reads whose shape never changes;
these reads change shape with the reader's scope (a supervisor's list of supervisees, an
admin's whole practice), so each is kept under a key that holds every value its shape
depends on (`scope_key`), and its remaining arguments (a course id, the current time) are
put in place of placeholders on every run, as `PreparedRead` does, through the
connection's cursor, with the columns' converters and model populators the ORM would use.

A `datetime` argument is a placeholder compared with a `DateTimeField` (a lookup such as
`starts_at__gt=now`): it is prepared for the database as that field prepares it.

A bounded number of keys is kept per process and thread (the least recently used
dropped first).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, get_related_populators

from patternwork.accounts.access import clinical_scope, may_triage, record_scope
from patternwork.accounts.models import Membership
from patternwork.core.prepared import placeholders

# A "%s" placeholder as Django's SQLite cursor finds them.
_FORMAT_PLACEHOLDER = re.compile(r"(?<!%)%s")

# A kept read whose shape matches no row.
_NOTHING = object()


def scope_key(membership: Membership) -> tuple:
    """Every value `accounts.access.visible` reads from a member to shape a query: their
    practice, role, record and clinical scopes and whether they triage referrals."""
    record = record_scope(membership)
    clinical = clinical_scope(membership)
    return (
        membership.pk,
        membership.practice_id,
        membership.role,
        None if record is None else tuple(record),
        None if clinical is None else tuple(clinical),
        may_triage(membership),
    )


class _Compiled:
    """A queryset's SQL with where its placeholders go, its converters and, for a model
    queryset, how its instances are made (as `core.prepared`'s compiled reads keep them,
    and with annotations too: each is set on the instance as the ORM sets it)."""

    __slots__ = (
        "annotations",
        "compiler",
        "converters",
        "end",
        "init_list",
        "model",
        "params",
        "populators",
        "slots",
        "sql",
        "start",
    )

    def __init__(self, queryset: QuerySet, marks: list[Any], alias: str) -> None:
        if queryset.query.select_for_update:
            raise ValueError("a kept read takes no row locks")
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        params = list(params)
        slots = []
        for mark in marks:
            found = [i for i, value in enumerate(params) if value == mark]
            if len(found) != 1:
                raise ValueError(
                    f"a kept read's placeholder {mark!r} is {len(found)} parameters "
                    "of its SQL, not one"
                )
            slots.append(found[0])
        fields = [column[0] for column in compiler.select[: compiler.col_count]]
        self.compiler = compiler
        self.converters = compiler.get_converters(fields)
        # The SQL with named placeholders, its parameters given by name: Django's SQLite
        # cursor otherwise rewrites every "%s" with a regular expression on every run
        # (about 0.1 ms for a caseload's 3 KB statement); a name is substituted by plain
        # string formatting, and PostgreSQL's driver takes names as they are.
        numbers = iter(range(len(params)))
        self.sql = _FORMAT_PLACEHOLDER.sub(lambda _: f"%(p{next(numbers)})s", sql)
        if next(numbers, None) is not None:
            raise ValueError("a kept read's SQL has fewer placeholders than parameters")
        self.params = params
        self.slots = slots
        self.model = None
        if queryset._iterable_class is ModelIterable:
            klass_info = compiler.klass_info
            columns = klass_info["select_fields"]
            self.model = klass_info["model"]
            self.start, self.end = columns[0], columns[-1] + 1
            self.init_list = [
                column[0].target.attname for column in compiler.select[self.start : self.end]
            ]
            self.populators = get_related_populators(klass_info, compiler.select, alias)
            self.annotations = list(compiler.annotation_col_map.items())


def _marks(args: tuple, connection) -> tuple[list[Any], list[Any]]:
    """The placeholders to build the query with, and each as the SQL's parameters hold it."""
    built, found = [], []
    simple = iter(placeholders(*(type(arg) for arg in args if not isinstance(arg, datetime))))
    for number, arg in enumerate(args):
        if isinstance(arg, datetime):
            mark = datetime(1901, 2, 3, 4, 5, 6, 734_000 + number, tzinfo=UTC)
            built.append(mark)
            found.append(connection.ops.adapt_datetimefield_value(mark))
        elif isinstance(arg, bool) or not isinstance(arg, int | str):
            raise TypeError(f"a kept read's argument is an int, a str or a datetime: {arg!r}")
        else:
            mark = next(simple)
            built.append(mark)
            found.append(mark)
    return built, found


class KeptReads:
    """`reads(key, build, *args)` runs the values-list queryset `build(*placeholders)`
    with `args` in the placeholders' places and returns its rows as tuples;
    `reads.rows(key, build, *args)` does the same for a model queryset and returns its
    instances. `key` must hold every value `build` uses besides its arguments."""

    def __init__(self, size: int = 512) -> None:
        self._size = size
        self._local = threading.local()

    def _run(
        self, key: Hashable, build: Callable[..., QuerySet], args: tuple, using: str
    ) -> tuple[_Compiled | None, list]:
        connection = connections[using]
        kept = getattr(self._local, using, None)
        if kept is None:
            kept = OrderedDict()
            setattr(self._local, using, kept)
        compiled = kept.get(key)
        if compiled is not None:
            kept.move_to_end(key)
        if compiled is _NOTHING:
            return None, []
        if compiled is None or compiled.compiler.connection is not connection:
            built, found = _marks(args, connection)
            try:
                compiled = _Compiled(build(*built), found, using)
            except EmptyResultSet:
                # As the ORM does for a filter that matches nothing by its shape (an
                # empty scope or list of ids): no rows, and no statement run.
                compiled = _NOTHING
            if len(kept) >= self._size:
                # The least recently used: a practice's many members keep theirs.
                kept.popitem(last=False)
            kept[key] = compiled
            if compiled is _NOTHING:
                return None, []
        params = list(compiled.params)
        for slot, value in zip(compiled.slots, args, strict=True):
            if isinstance(value, datetime):
                value = connection.ops.adapt_datetimefield_value(value)
            params[slot] = value
        with connection.cursor() as cursor:
            cursor.execute(
                compiled.sql, {f"p{number}": value for number, value in enumerate(params)}
            )
            rows = cursor.fetchall()
        if compiled.converters:
            rows = compiled.compiler.apply_converters(rows, compiled.converters)
        return compiled, rows

    def __call__(
        self, key: Hashable, build: Callable[..., QuerySet], *args: Any, using: str = "default"
    ) -> list[tuple]:
        compiled, rows = self._run(key, build, args, using)
        if compiled is None:
            return []
        if compiled.model is not None:
            raise TypeError("a read of model rows: use rows()")
        return [tuple(row) for row in rows]

    def rows(
        self, key: Hashable, build: Callable[..., QuerySet], *args: Any, using: str = "default"
    ) -> list[Model]:
        compiled, rows = self._run(key, build, args, using)
        if compiled is None:
            return []
        if compiled.model is None:
            raise TypeError("a values-list read: call it")
        found = []
        for row in rows:
            obj = compiled.model.from_db(
                using, compiled.init_list, row[compiled.start : compiled.end]
            )
            for populator in compiled.populators:
                populator.populate(row, obj)
            for name, column in compiled.annotations:
                setattr(obj, name, row[column])
            found.append(obj)
        return found


kept = KeptReads()
