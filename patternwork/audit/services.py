"""The one place that writes audit events.

Services call `record()` inside their own `transaction.atomic()` block, so the audit
row commits or rolls back with the change it describes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from patternwork.audit.models import AuditEvent
from patternwork.core import context

MASKED = "[changed]"


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
    return AuditEvent.objects.create(
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
    """Write one event per object, alike but for the object, in a single INSERT."""
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    ctx = context.current()
    AuditEvent.objects.bulk_create(
        AuditEvent(
            action=action,
            actor=actor if authenticated else None,
            actor_label=actor.email if authenticated else "",
            actor_role=actor_role,
            practice=practice,
            object_type=object_type,
            object_id=object_id,
            changes=dict(changes or {}),
            request_id=ctx.request_id,
            remote_addr=ctx.remote_addr,
        )
        for object_id in object_ids
    )


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
