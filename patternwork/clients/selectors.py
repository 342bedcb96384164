"""Reads of clients and referrals, always scoped to the member asking."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from patternwork.accounts.access import may_triage, record_scope, visible
from patternwork.accounts.models import Membership, Practice
from patternwork.clients.models import Client, Referral
from patternwork.core.prepared import PreparedRead, PreparedShapes


def clients_for(membership: Membership) -> QuerySet[Client]:
    return visible(membership, Client.objects.select_related("therapist__user"))


def client_rows() -> QuerySet[Client]:
    """Client records with what their pages show; scope them with accounts.access."""
    return Client.objects.select_related("therapist__user", "practice")


def search_clients(membership: Membership, query: str) -> QuerySet[Client]:
    clients = clients_for(membership)
    query = query.strip()
    if query:
        clients = clients.filter(
            Q(full_name__icontains=query)
            | Q(preferred_name__icontains=query)
            | Q(client_number__iexact=query)
            | Q(client_number__icontains=query)
        )
    return clients


def referrals_for(membership: Membership, *, status: str = "") -> QuerySet[Referral]:
    """The referrals the member may see (accounts.access says who sees which)."""
    referrals = visible(membership, Referral).select_related("client", "decided_by__user")
    if status:
        referrals = referrals.filter(status=status)
    return referrals


def referral_rows() -> QuerySet[Referral]:
    return Referral.objects.select_related("client", "decided_by__user")


# One prepared count per shape of the member's scope (core.prepared): its role, whether
# it triages, and how many therapists' caseloads it sees.
def _status_count_read(shape: tuple) -> PreparedRead:
    role, triage, everyone, count = shape
    return PreparedRead(
        lambda practice_id, *ids: _counts_for_shape(role, triage, everyone, practice_id, *ids),
        *[int] * (1 + count),
    )


_STATUS_COUNTS = PreparedShapes(_status_count_read)


def _counts_for_shape(role, triage, everyone, practice_id, *therapist_ids):
    """The referrals a member of this shape sees, counted by status, from `referrals_for`.

    A stand-in member carries the shape, so the rule of who sees which referral stays in
    one place (accounts.access); the real ids take the stand-in's in the prepared SQL.
    """
    stand_in = Membership(role=role, practice=Practice(pk=practice_id))
    stand_in.practice.clinicians_triage_referrals = triage
    if not everyone:
        stand_in.pk = therapist_ids[0]
        # record_scope keeps a per-request answer here, so the stand-in needs no query.
        stand_in.per_request = True
        stand_in._request_record_scope = list(therapist_ids)
    return referrals_for(stand_in).order_by().values("status").annotate(n=Count("pk"))


def referral_status_counts(membership: Membership) -> dict[str, int]:
    """How many referrals the member sees in each status (0 for none), in one query.

    `referrals_for(membership)` grouped by status; the navigation shows the open ones on
    every staff page, so the SQL is made once per process and scope shape.
    """
    scope = record_scope(membership)
    everyone = scope is None
    therapist_ids = () if everyone else tuple(scope)
    triage = may_triage(membership)
    query = _STATUS_COUNTS[membership.role, triage, everyone, len(therapist_ids)]
    counts = dict.fromkeys(Referral.Status.values, 0)
    counts.update(query(membership.practice_id, *therapist_ids))
    return counts
