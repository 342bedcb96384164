"""Erasing one app's share of a record: the rows that hang off a root row, and their files.

A record (a client's, for the retention purge) spans many apps, and each app writes only
its own models. So each app's erase service calls `erase_owned(root, app_label=...)`
for its own label, and the caller (the purge, in an app above them all) calls them
highest app first: a row only ever points at rows of its own app or of a lower one, so
by the time an app's rows go, nothing above still points at them.

Which rows belong to the record is found by following foreign keys to the root, across
all apps, so a new model is covered without a change anywhere. The audit trail is never
part of it: it outlives the record.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cache

from django.apps import apps
from django.db import IntegrityError, connection, models, transaction
from django.db.models import F, Func, IntegerField, ProtectedError, RestrictedError, Subquery

from patternwork.core.prepared import PreparedRead

# Rows that are never erased: the audit trail (and its chain) outlives the record.
KEPT_APPS = frozenset({"audit"})


@dataclass
class Erased:
    """What one erase call deleted: rows per model label, and the files those rows held
    (deleted once the transaction commits)."""

    rows: Counter[str] = field(default_factory=Counter)
    files: int = 0

    def add(self, other: Erased) -> None:
        self.rows.update(other.rows)
        self.files += other.files


@cache
def _edges(root: type[models.Model]) -> dict[type[models.Model], tuple[tuple[str, type], ...]]:
    """Each model that hangs off `root`, with its foreign keys to other such models
    (field name, model pointed at), in the order they were found."""
    found: dict[type[models.Model], list[tuple[str, type]]] = {root: []}
    frontier = [root]
    while frontier:
        target = frontier.pop()
        for model in apps.get_models():
            if model._meta.app_label in KEPT_APPS:
                continue
            for rel in model._meta.concrete_fields:
                if not rel.is_relation or rel.related_model is not target:
                    continue
                if model not in found:
                    found[model] = []
                    frontier.append(model)
                found[model].append((rel.name, target))
    return {model: tuple(edges) for model, edges in found.items()}


def owned_models(root: type[models.Model]) -> list[type[models.Model]]:
    """Every model whose rows may hang off a `root` row, the root's own model included."""
    return list(_edges(root))


def owned_rows(root: models.Model, model: type[models.Model]) -> models.QuerySet:
    """The rows of `model` that hang off `root`, directly or through other such rows."""
    return _rows(root, model, ())


def _rows(root, model, stack) -> models.QuerySet:
    if model is type(root):
        return model._base_manager.filter(pk=root.pk)
    query = models.Q(pk__in=[])
    for name, target in _edges(type(root)).get(model, ()):
        # A self-reference or a loop back up the path adds no row the others miss.
        if target is model or target in stack:
            continue
        query |= models.Q(**{f"{name}__in": _rows(root, target, (*stack, model))})
    return model._base_manager.filter(query)


def count_owned(root: models.Model) -> dict[str, int]:
    """How many rows of each model an erasure of `root` would delete (a read)."""
    labels, read = _count_read(type(root))
    found = read(root.pk)
    if not found:
        return {}
    return {label: n for label, n in zip(labels, found[0], strict=True) if n}


@cache
def _count_read(root_model: type[models.Model]) -> tuple[list[str], PreparedRead]:
    """Every owned model's count for one root row, as one statement built once.

    Following the foreign keys builds a query per model, each nested over the paths up
    to the root: building and compiling them for every preview cost far more than
    SQLite spends answering them. Their shape depends only on the root's model.
    """
    owned = owned_models(root_model)

    def build(pk):
        root = root_model(pk=pk)
        counts = [
            Subquery(
                owned_rows(root, model)
                .order_by()
                .annotate(n=Func(F("pk"), function="COUNT", output_field=IntegerField()))
                .values("n")
            )
            for model in owned
        ]
        return root_model._base_manager.filter(pk=pk).values_list(*counts)

    return [model._meta.label for model in owned], PreparedRead(build, int)


def erase_owned(root: models.Model, *, app_label: str) -> Erased:
    """Delete the rows of `app_label`'s models that hang off `root`, leaves first, and
    their files after the commit. Runs inside the caller's transaction.

    Called by that app's own erase service only. Apps above it must have erased their
    rows first; a delete that would reach another app's rows is refused.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("erase_owned runs inside the erasure's transaction.")
    erased = Erased()
    pending: dict[type[models.Model], list] = {}
    files: list[tuple[object, str]] = []
    for model in owned_models(type(root)):
        if model._meta.app_label != app_label:
            continue
        pks = list(owned_rows(root, model).values_list("pk", flat=True))
        if pks:
            pending[model] = pks
            files += _files_of(model, pks)
    for _ in range(len(pending) + 1):
        for model, pks in list(pending.items()):
            try:
                with transaction.atomic():
                    _, deleted = model._base_manager.filter(pk__in=pks).delete()
                    strays = sorted(
                        label
                        for label, n in deleted.items()
                        if n and apps.get_model(label)._meta.app_label != app_label
                    )
                    if strays:
                        raise RuntimeError(
                            f"Erasing {app_label} would delete rows of other apps: {strays}"
                        )
            except (ProtectedError, RestrictedError, IntegrityError):
                continue
            erased.rows.update({label: n for label, n in deleted.items() if n})
            del pending[model]
        if not pending:
            break
    else:
        raise RuntimeError(f"Could not erase: {sorted(m._meta.label for m in pending)}")
    erased.files = len(files)
    transaction.on_commit(lambda: _delete_files(files))
    return erased


def _files_of(model: type[models.Model], pks: list) -> list[tuple[object, str]]:
    found = []
    for file_field in model._meta.concrete_fields:
        if not isinstance(file_field, models.FileField):
            continue
        names = (
            model._base_manager.filter(pk__in=pks)
            .exclude(**{file_field.name: ""})
            .values_list(file_field.name, flat=True)
        )
        found += [(file_field.storage, name) for name in names if name]
    return found


def _delete_files(files) -> None:
    for storage, name in files:
        storage.delete(name)
