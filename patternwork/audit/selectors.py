from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from patternwork.audit.models import AuditEvent


def events_for_practice(membership, *, filters: dict) -> QuerySet[AuditEvent]:
    """The admin's own practice's audit events, newest first, filtered.

    `client_record` (a client row) keeps the events recorded against that client: every read
    of their record and every change to it. Dates are read in the practice's time zone;
    stored times are UTC.
    """
    events = AuditEvent.objects.filter(practice_id=membership.practice_id).select_related("actor")
    if filters.get("client_record") is not None:
        # Reads of a client's record and writes to it are recorded against the client.
        events = events.filter(
            object_type="clients.client", object_id=str(filters["client_record"].public_id)
        )
    if filters.get("action"):
        events = events.filter(action__startswith=filters["action"])
    if filters.get("actor"):
        events = events.filter(actor_label__icontains=filters["actor"])
    if filters.get("object_type"):
        events = events.filter(object_type=filters["object_type"])
    if filters.get("object_id"):
        events = events.filter(object_id=filters["object_id"])
    if filters.get("outcome"):
        events = events.filter(outcome=filters["outcome"])
    zone = ZoneInfo(membership.practice.time_zone)
    if filters.get("since"):
        events = events.filter(occurred_at__gte=datetime.combine(filters["since"], time(), zone))
    if filters.get("until"):
        end = datetime.combine(filters["until"] + timedelta(days=1), time(), zone)
        events = events.filter(occurred_at__lt=end)
    return events.order_by("-occurred_at", "-id")


def events_about_client(client) -> QuerySet[AuditEvent]:
    """Every event recorded against a client record, oldest first: each read of it (who
    was shown their clinical content, and what), each change to it, each refused look."""
    return (
        AuditEvent.objects.filter(
            practice_id=client.practice_id,
            object_type="clients.client",
            object_id=str(client.public_id),
        )
        .select_related("actor")
        .order_by("occurred_at", "id")
    )


def instance_events() -> QuerySet[AuditEvent]:
    """Events that concern no practice (logins of unknown addresses, instance commands),
    newest first: the operator's instance audit page."""
    return AuditEvent.objects.filter(practice__isnull=True).order_by("-occurred_at", "-id")
