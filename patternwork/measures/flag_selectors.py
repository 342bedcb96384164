"""Reads of risk flags and recorded responses, scoped to the member asking.

Risk answers are clinical content: the clinical scope applies (treating therapist,
their supervisor, admins only where the practice allows it).
"""

from __future__ import annotations

from django.db.models import Count, OuterRef, QuerySet, Subquery

from patternwork.accounts.access import PreparedVisible, may_read_clinical, visible
from patternwork.accounts.models import Membership
from patternwork.clients.models import Client
from patternwork.core.prepared import PreparedRead, prefetched
from patternwork.measures.models import Response, RiskFlag
from patternwork.treatment.models import Course


def flags_for(membership: Membership) -> QuerySet[RiskFlag]:
    return visible(
        membership,
        RiskFlag.objects.select_related(
            "client", "course__therapist__user", "response__appointment"
        ),
    )


def flag_rows() -> QuerySet[RiskFlag]:
    return RiskFlag.objects.select_related(
        "client", "course__therapist__user", "response__appointment", "practice"
    )


def open_flags_for(membership: Membership) -> QuerySet[RiskFlag]:
    """Unacknowledged flags, oldest first: the longest-waiting answer is the most urgent."""
    return flags_for(membership).open().order_by("raised_at", "id")


# What a list of open flags shows (the caseload, oversight, the supervisor's page): the
# answer, when it was given, the client's name and number, the treating therapist's name.
LISTED_COLUMNS = (
    "public_id",
    "practice_id",
    "client",
    "course",
    "instrument",
    "item",
    "item_text",
    "value",
    "value_label",
    "raised_at",
    "acknowledged_at",
    "client__public_id",
    "client__full_name",
    "client__preferred_name",
    "client__client_number",
    "course__therapist",
    "course__therapist__user",
    "course__therapist__user__full_name",
)


def open_flags_listed(membership: Membership) -> QuerySet[RiskFlag]:
    """`open_flags_for` with only the columns a list of open flags shows.

    The client and course are wide and carry encrypted fields that no list shows; reading
    them for every flag would decrypt them for nothing. A caller that needs more of the
    flag reads it through `open_flags_for`.
    """
    return visible(membership, open_flags_listed_rows())


def open_flags_listed_rows() -> QuerySet[RiskFlag]:
    """`open_flags_listed` before the reader's scope."""
    return (
        RiskFlag.objects.open()
        .select_related("client", "course__therapist__user")
        .only(*LISTED_COLUMNS)
        .order_by("raised_at", "id")
    )


# The caseload's, oversight's and the supervisor page's open flags, compiled once per
# shape of the reader's scope.
OPEN_FLAGS_LISTED = PreparedVisible(open_flags_listed_rows)


def open_flags_of(owner) -> list[RiskFlag]:
    """A course's or a client's unacknowledged flags, oldest first.

    The caller has scoped the course or client (as for ending it or closing the record);
    `readable_by` then keeps the flags whose content the member may read.
    """
    return list(
        owner.risk_flags.open()
        .select_related("client", "course__therapist__user")
        .order_by("raised_at", "id")
    )


def readable_by(membership: Membership, flags: list[RiskFlag]) -> list[RiskFlag]:
    """The flags in the member's clinical scope (no query: the courses are loaded)."""
    return [flag for flag in flags if may_read_clinical(membership, flag.course.therapist_id)]


def _still_open(owner_field: str) -> Subquery:
    flags = RiskFlag.objects.open().filter(**{owner_field: OuterRef("pk")})
    return Subquery(
        flags.order_by().values(owner_field).annotate(count=Count("pk")).values("count")
    )


def ended_over_open_flags(membership: Membership) -> list[Course]:
    """Courses ended with risk flags unacknowledged, while any of them is still open.

    The supervisor's oversight lists each one with the therapist's reason until its flags
    are acknowledged; the course and the audit log keep the reason after that.
    Annotated with `still_open`; newest ending first; one query besides the scope's.
    """
    return list(ended_over_open_flags_rows(membership))


def ended_over_open_flags_rows(membership: Membership) -> QuerySet[Course]:
    """`ended_over_open_flags`' query."""
    return visible(membership, _ended_over_open_flags(), clinical=True)


def _ended_over_open_flags() -> QuerySet[Course]:
    return (
        Course.objects.filter(end_override_flags__gt=0)
        .annotate(still_open=_still_open("course"))
        .filter(still_open__gt=0)
        .select_related("client", "therapist__user")
        .order_by("-ended_at", "-id")
    )


def closed_over_open_flags(membership: Membership) -> list[Client]:
    """Closed client records whose closure overrode risk flags that are still open.

    As `ended_over_open_flags`, for the record: annotated with `still_open`, by name,
    one query besides the scope's.
    """
    return list(closed_over_open_flags_rows(membership))


def closed_over_open_flags_rows(membership: Membership) -> QuerySet[Client]:
    """`closed_over_open_flags`' query."""
    return visible(membership, _closed_over_open_flags(), clinical=True)


def _closed_over_open_flags() -> QuerySet[Client]:
    return (
        Client.objects.filter(status=Client.Status.CLOSED, close_override_flags__gt=0)
        .annotate(still_open=_still_open("client"))
        .filter(still_open__gt=0)
        .select_related("therapist__user")
        .order_by("full_name", "client_number")
    )


# Oversight's endings and closures over open flags (read with `clinical=True`), each
# compiled once per shape of the reader's scope.
ENDED_OVER_OPEN_FLAGS = PreparedVisible(_ended_over_open_flags)
CLOSED_OVER_OPEN_FLAGS = PreparedVisible(_closed_over_open_flags)


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


_COMPLETE_AT = PreparedRead(
    lambda appointment_id: Response.objects.filter(
        appointment_id=appointment_id, status=Response.Status.COMPLETE
    ).order_by("instrument"),
    int,
)
_FLAGS_OF_COMPLETE_AT = PreparedRead(
    lambda appointment_id: RiskFlag.objects.filter(
        response__appointment_id=appointment_id, response__status=Response.Status.COMPLETE
    ),
    int,
)


def responses_at(
    appointment, *, include_drafts: bool = False, with_flags: bool = False
) -> dict[str, Response]:
    """The questionnaires given at an appointment; a client's unsent drafts on request;
    with their risk flags read in one more query on request."""
    if with_flags and not include_drafts:
        # The session page's read, compiled once: the complete responses, then their
        # flags, as the prefetch reads them (none read when there is no response).
        found = _COMPLETE_AT.rows(appointment.pk)
        if found:
            flags: dict[int, list[RiskFlag]] = {r.pk: [] for r in found}
            for flag in _FLAGS_OF_COMPLETE_AT.rows(appointment.pk):
                flags[flag.response_id].append(flag)
            for response in found:
                prefetched(response, "risk_flags", flags[response.pk], back="response")
        return {r.instrument: r for r in found}
    responses = Response.objects.filter(appointment=appointment)
    if not include_drafts:
        responses = responses.filter(status=Response.Status.COMPLETE)
    if with_flags:
        responses = responses.prefetch_related("risk_flags")
    return {r.instrument: r for r in responses.order_by("instrument")}
