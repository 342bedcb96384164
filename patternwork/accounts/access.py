"""Who may see what. Every permission-scoped selector in every app starts here.

Rules (DESIGN.md section 1):
- a practice is the tenant: nothing crosses practices, and another practice's object
  is a 404, never a 403, so its existence does not leak;
- a therapist sees the clients assigned to them;
- a supervisor sees their supervisees' clients (and any assigned to themselves);
- an admin manages staff and practice settings, and reads clinical records only where
  the practice allows it (every such read is audited by the selector that makes it).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from patternwork.accounts.models import Membership
from patternwork.audit.models import AuditEvent
from patternwork.audit.services import record

Role = Membership.Role


def record_scope(membership: Membership) -> list[int] | None:
    """Membership ids of the therapists whose clients' records this member may see.

    None means every client of the practice (admins, who assign and manage clients).
    """
    if membership.role == Role.THERAPIST:
        return [membership.pk]
    if membership.role == Role.SUPERVISOR:
        return [membership.pk, *membership.supervisees.values_list("pk", flat=True)]
    return None


def clinical_scope(membership: Membership) -> list[int] | None:
    """Like record_scope, for clinical content (notes, episodes, letters).

    Admins read clinical content only where the practice allows it.
    """
    if membership.role == Role.ADMIN:
        return None if membership.practice.admins_read_clinical else []
    return record_scope(membership)


def scope_filter(scope: list[int] | None, field: str = "therapist_id") -> Q:
    """A filter for a queryset of objects carrying a therapist foreign key."""
    if scope is None:
        return Q()
    return Q(**{f"{field}__in": scope})


def deny_not_found(*, user, membership, object_type: str, object_id: str = "") -> Http404:
    """Audit a refused read of an object outside the user's scope; return the 404 to raise."""
    record(
        action="access.denied",
        actor=user,
        actor_role=membership.role if membership else "",
        practice=membership.practice if membership else None,
        outcome=AuditEvent.Outcome.DENIED,
        object_type=object_type,
        object_id=str(object_id),
    )
    return Http404("Not found.")


def require_role(request, *roles: str) -> None:
    """Refuse (403, audited) a member whose role is not one of `roles`."""
    membership = request.membership
    if membership.role in roles:
        return
    record(
        action="access.denied",
        actor=request.user,
        actor_role=membership.role,
        practice=membership.practice,
        outcome=AuditEvent.Outcome.DENIED,
        object_type="page",
        object_id=request.path[:64],
    )
    raise PermissionDenied("Your role does not allow this.")
