"""Reads of risk flags and recorded responses, scoped to the member asking.

Risk answers are clinical content: the clinical scope applies (treating therapist,
their supervisor, admins only where the practice allows it).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from patternwork.accounts.access import clinical_scope, deny_not_found, scope_filter
from patternwork.accounts.models import Membership
from patternwork.measures.models import Response, RiskFlag


def flags_for(membership: Membership) -> QuerySet[RiskFlag]:
    return RiskFlag.objects.filter(
        Q(practice_id=membership.practice_id)
        & scope_filter(clinical_scope(membership), "course__therapist_id")
    ).select_related("client", "course__therapist__user", "response__appointment")


def open_flags_for(membership: Membership) -> QuerySet[RiskFlag]:
    """Unacknowledged flags, oldest first: the longest-waiting answer is the most urgent."""
    return flags_for(membership).filter(acknowledged_at__isnull=True).order_by("raised_at", "id")


def get_flag_for(membership: Membership, public_id, *, user) -> RiskFlag:
    flag = flags_for(membership).filter(public_id=public_id).first()
    if flag is None:
        raise deny_not_found(
            user=user, membership=membership, object_type="measures.riskflag", object_id=public_id
        )
    return flag


def risk_history(flag: RiskFlag) -> dict:
    """Every answer the client gave to this risk item, and every flag, newest first."""
    answers = [
        (response, response.answers.get(flag.item))
        for response in Response.objects.filter(
            client_id=flag.client_id, instrument=flag.instrument, status=Response.Status.COMPLETE
        )
        .select_related("appointment")
        .order_by("-completed_at", "-id")
    ]
    flags = (
        RiskFlag.objects.filter(
            client_id=flag.client_id, item=flag.item, instrument=flag.instrument
        )
        .select_related("acknowledged_by__user")
        .order_by("-raised_at", "-id")
    )
    return {"answers": answers, "flags": list(flags)}


def responses_at(appointment, *, include_drafts: bool = False) -> dict[str, Response]:
    """The questionnaires given at an appointment; a client's unsent drafts on request."""
    responses = Response.objects.filter(appointment=appointment)
    if not include_drafts:
        responses = responses.filter(status=Response.Status.COMPLETE)
    return {r.instrument: r for r in responses.order_by("instrument")}
