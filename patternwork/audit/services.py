"""The one place that writes audit events.

Services call `record()` inside their own `transaction.atomic()` block, so the audit
row commits or rolls back with the change it describes.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone

from patternwork.audit import chain
from patternwork.audit.models import AuditChainHead, AuditEvent
from patternwork.core import context
from patternwork.core.prepared import (
    PreparedInsert,
    PreparedRead,
    PreparedUpdate,
    field_names,
)

MASKED = "[changed]"
_NO_PUBLIC_ID = object()


def record(
    *,
    action: str,
    actor=None,
    practice=None,
    obj=None,
    object_type: str = "",
    object_id: str = "",
    outcome: str = AuditEvent.Outcome.SUCCESS,
    changes: Mapping[str, Any] | None = None,
    actor_role: str = "",
    actor_label: str = "",
) -> AuditEvent:
    """Write one audit event; the request id and address come from the request context."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(getattr(obj, "public_id", obj.pk))
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    ctx = context.current()
    event = AuditEvent(
        action=action,
        actor=actor if authenticated else None,
        actor_label=actor_label or (actor.email if authenticated else ""),
        actor_role=actor_role,
        practice=practice,
        outcome=outcome,
        object_type=object_type,
        object_id=object_id,
        changes=dict(changes or {}),
        request_id=ctx.request_id,
        remote_addr=ctx.remote_addr,
    )
    append([event])
    return event


def record_row(
    *,
    action: str,
    actor=None,
    practice=None,
    obj=None,
    changes: Mapping[str, Any] | None = None,
    actor_role: str = "",
    actor_label: str = "",
) -> None:
    """Write one audit event as `record` does, for a caller that does not use the event.

    The event is a plain row (`EventRow`), not a model instance: building an AuditEvent
    and preparing its columns one by one is most of an event's cost, and a write that
    records several (an attendance with its questionnaires) pays it for each. It is
    chained and written as `record()`'s events are, in the same INSERT as the other plain
    rows of its batch. As for an instance, an actor or a practice not yet saved is
    refused rather than written as no one's.
    """
    actor_id = actor.pk if actor is not None else None
    practice_id = practice.pk if practice is not None else None
    for name, related, key in (("actor", actor, actor_id), ("practice", practice, practice_id)):
        if related is not None and key is None:
            raise ValueError(
                f"record_row() prohibited to prevent data loss due to unsaved related "
                f"object '{name}'."
            )
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    object_type = object_id = ""
    if obj is not None:
        object_type = obj._meta.label_lower
        public_id = getattr(obj, "public_id", _NO_PUBLIC_ID)
        object_id = str(obj.pk if public_id is _NO_PUBLIC_ID else public_id)
    ctx = context.current()
    append(
        [
            EventRow(
                occurred_at=timezone.now(),
                actor_id=actor_id if authenticated else None,
                actor_label=actor_label or (actor.email if authenticated else ""),
                actor_role=actor_role,
                practice_id=practice_id,
                action=action,
                outcome=AuditEvent.Outcome.SUCCESS,
                object_type=object_type,
                object_id=object_id,
                changes=dict(changes or {}),
                request_id=ctx.request_id,
                remote_addr=ctx.remote_addr,
                chain_seq=None,
                chain_hash="",
            )
        ]
    )


def record_many(
    *,
    action: str,
    actor=None,
    practice=None,
    object_type: str,
    object_ids: Iterable[str],
    changes: Mapping[str, Any] | None = None,
    actor_role: str = "",
) -> None:
    """Write one event per object, alike but for the object, in a single INSERT.

    The events are plain rows (`EventRow`: the audit row's columns by attribute name),
    not model instances: nothing reads them back, and a page that reads clinical content
    writes one on every request. They are chained and written as `record()`'s are.
    """
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    ctx = context.current()
    occurred_at = timezone.now()
    plain = dict(changes or {})
    append(
        [
            EventRow(
                occurred_at=occurred_at,
                actor_id=actor.pk if authenticated else None,
                actor_label=actor.email if authenticated else "",
                actor_role=actor_role,
                practice_id=practice.pk if practice is not None else None,
                action=action,
                outcome=AuditEvent.Outcome.SUCCESS,
                object_type=object_type,
                object_id=object_id,
                changes=plain,
                request_id=ctx.request_id,
                remote_addr=ctx.remote_addr,
                chain_seq=None,
                chain_hash="",
            )
            for object_id in object_ids
        ]
    )


class EventRow(dict):
    """An audit row to write, as plain values keyed by the model's attribute names."""

    @property
    def practice_id(self) -> int | None:
        return self["practice_id"]


@dataclasses.dataclass
class _Batch:
    # How deep the transaction's savepoint stack was when the batch began.
    depth: int
    events: list[AuditEvent] = dataclasses.field(default_factory=list)


# Per thread and per task, so two requests served by one process never share a batch.
_batch: ContextVar[_Batch | None] = ContextVar("patternwork_audit_batch", default=None)


@contextmanager
def batched() -> Iterator[None]:
    """Chain the events recorded in this block onto their chains once, at its end.

    For a use case that writes several audited changes in one transaction: every event
    still commits or rolls back with its change, but the chain head is read and moved
    once for the block (two statements and one INSERT) instead of once per event. Call
    it inside the transaction; when the block raises, nothing buffered is written (the
    transaction, or its savepoint, rolls back). An event recorded inside a savepoint
    opened within the block is written at once, as without a batch, since that
    savepoint may roll back on its own while the block goes on. A nested block joins the
    outer one.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("audit.batched() needs an enclosing transaction.atomic()")
    if _batch.get() is not None:
        yield
        return
    batch = _Batch(depth=len(connection.savepoint_ids))
    token = _batch.set(batch)
    try:
        yield
    finally:
        _batch.reset(token)
    append(batch.events)


def _buffer(events: list[AuditEvent]) -> bool:
    """Keep the events for the enclosing batch's end, when nothing can roll them back alone."""
    batch = _batch.get()
    if batch is None:
        return False
    # The connection itself, once: each attribute read through the `connection` proxy
    # looks the connection up again.
    db = connections[DEFAULT_DB_ALIAS]
    if not db.in_atomic_block:
        return False
    savepoints = db.savepoint_ids
    if len(savepoints) < batch.depth or any(sid is not None for sid in savepoints[batch.depth :]):
        return False
    batch.events.extend(events)
    return True


def append(events: list[AuditEvent | EventRow]) -> None:
    """Chain unsaved events onto their practices' chains and insert them.

    Each chain's head row is locked (SELECT ... FOR UPDATE on PostgreSQL; on SQLite the
    IMMEDIATE transaction already holds the database's one write lock) until the caller's
    transaction ends, so two writers never take the same number and a rolled-back write
    leaves the head where it was. Events are model instances (`record`) or plain rows
    (`record_many`); both are chained alike and inserted in the order given.
    """
    if not events or _buffer(events):
        return
    # No savepoint: an audit write that fails must fail the change it describes.
    with transaction.atomic(savepoint=False):
        by_chain: dict[str, list[AuditEvent | EventRow]] = {}
        for event in events:
            by_chain.setdefault(chain.chain_key(event.practice_id), []).append(event)
        # A fixed lock order, so two writers touching the same chains never deadlock.
        for key in sorted(by_chain):
            head_id, seq, hash_ = _locked_head(key)
            for event in by_chain[key]:
                seq += 1
                if isinstance(event, EventRow):
                    event["changes"] = json.loads(json.dumps(event["changes"]))
                    hash_ = chain.link(hash_, seq, chain_values(event))
                    event["chain_seq"], event["chain_hash"] = seq, hash_
                else:
                    event.changes = json.loads(json.dumps(event.changes))
                    event.chain_seq = seq
                    event.chain_hash = hash_ = chain.link(hash_, seq, chain_values(event))
            _move_head(head_id, {"seq": seq, "hash": hash_})
        # Runs of instances and of plain rows, in the order given.
        for plain, run in itertools.groupby(events, key=lambda e: isinstance(e, EventRow)):
            if plain:
                _insert_events.plain(list(run))
            else:
                _insert_events(list(run))


def start_chain(practice_id: int | None) -> None:
    """Make a chain's head before its first event, so every audit write costs the same."""
    # One INSERT that leaves an existing head alone: get_or_create would read first and
    # then insert in a savepoint of its own.
    AuditChainHead.objects.bulk_create(
        [AuditChainHead(chain=chain.chain_key(practice_id), hash=chain.GENESIS)],
        ignore_conflicts=True,
    )


# The chain's head, locked: a prepared read (built once; every audited write runs it).
_head = PreparedRead(
    lambda key: (
        AuditChainHead.objects.select_for_update()
        .filter(chain=key)
        .order_by("id")
        .values_list(*field_names(AuditChainHead))[:1]
    ),
    str,
)


_insert_events = PreparedInsert(AuditEvent)
_move_head = PreparedUpdate(AuditChainHead, ("seq", "hash"), "id")


def _locked_head(key: str) -> tuple[int, int, str]:
    """The chain's head, locked: its id, last number and last hash."""
    rows = _head(key)
    if rows:
        head = dict(zip(field_names(AuditChainHead), rows[0], strict=True))
        return head["id"], head["seq"], head["hash"]
    # The first event of a chain. A writer racing to create the same head fails on
    # the unique chain name, in a savepoint, and then waits for the winner's lock.
    head, _ = AuditChainHead.objects.get_or_create(chain=key, defaults={"hash": chain.GENESIS})
    head = AuditChainHead.objects.select_for_update().get(pk=head.pk)
    return head.pk, head.seq, head.hash


def chain_values(event: AuditEvent | Mapping[str, Any]) -> dict[str, Any]:
    """An audit row's chained columns in the plain form `chain.canonical` hashes."""
    if isinstance(event, Mapping):
        values = {name: event[name] for name in chain.FIELDS}
    else:
        values = {name: getattr(event, name) for name in chain.FIELDS}
    values["occurred_at"] = values["occurred_at"].astimezone(UTC).isoformat(timespec="microseconds")
    if values["remote_addr"] is not None:
        values["remote_addr"] = _plain_address(values["remote_addr"])
    return values


@functools.lru_cache(maxsize=1024)
def _plain_address(address: str) -> str:
    """The address as the column keeps it (an IPv6 address normalised): the same few
    addresses recur on every row of a chain, and normalising one is costly."""
    return AuditEvent._meta.get_field("remote_addr").to_python(address)


def diff(
    before: Mapping[str, Any], after: Mapping[str, Any], *, sensitive: Iterable[str] = ()
) -> dict[str, Any]:
    """Fields whose value changed as {field: [old, new]}; sensitive ones masked."""
    masked = set(sensitive)
    changes: dict[str, Any] = {}
    for field in sorted(set(before) | set(after)):
        old, new = before.get(field), after.get(field)
        if old == new:
            continue
        changes[field] = MASKED if field in masked else [_plain(old), _plain(new)]
    return changes


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple | set | frozenset):
        return sorted(str(item) for item in value)
    return str(value)
