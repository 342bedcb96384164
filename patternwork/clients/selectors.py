"""Reads of clients and referrals, always scoped to the member asking."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from patternwork.accounts.access import visible
from patternwork.accounts.models import Membership
from patternwork.clients.models import Client, Referral


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
