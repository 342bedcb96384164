"""Writes of the reports app: reports are read-only, but an export leaves the system."""

from __future__ import annotations

from datetime import date

from patternwork.accounts.models import Membership
from patternwork.audit.models import AuditEvent
from patternwork.audit.services import record


def record_export(
    *,
    membership: Membership,
    report: str,
    therapist: Membership | None,
    ended_from: date | None,
    ended_to: date | None,
) -> AuditEvent:
    """Audit a report download: who took which figures (filters, never figures) out."""
    return record(
        action="report.export",
        actor=membership.user,
        actor_role=membership.role,
        practice=membership.practice,
        object_type="report",
        object_id=report,
        changes={
            "therapist": str(therapist.public_id) if therapist else None,
            "ended_from": ended_from.isoformat() if ended_from else None,
            "ended_to": ended_to.isoformat() if ended_to else None,
        },
    )
