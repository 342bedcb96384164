"""Recording questionnaire responses, raising and acknowledging risk flags.

Every write here runs in one transaction with its audit event, its risk flag (if any
risk item fired) and the course's outcome summary, so a response can never exist
without the flag it calls for.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from patternwork.accounts.models import Membership
from patternwork.audit.services import record
from patternwork.core.concurrency import StaleEdit
from patternwork.measures import definitions, scoring
from patternwork.measures.models import Response, ResponseRevision, RiskFlag
from patternwork.measures.summary import refresh_outcome_summary
from patternwork.treatment.models import Appointment

NOT_ATTENDED = "Measures are recorded at an attended session."
NOTHING_TO_SAVE = "Answer at least one questionnaire."
ACK_NEEDS_NOTE = "Write what was done about this answer."
ALREADY_ACKNOWLEDGED = "This flag has already been acknowledged."


@dataclass(frozen=True)
class Answers:
    """One instrument's answers from a form: item key -> option value (None: N/A)."""

    instrument: str
    values: Mapping[str, int | None]


def _score(instrument: definitions.Instrument, values: Mapping[str, int | None]) -> scoring.Score:
    try:
        return scoring.score(instrument, values)
    except scoring.IncompleteResponse as error:
        raise ValidationError({instrument.code: str(error)}) from None
    except scoring.InvalidResponse as error:
        raise ValidationError({instrument.code: list(error.problems)}) from None


def _apply_score(response: Response, result: scoring.Score) -> None:
    response.total = result.total
    response.max_total = result.max_total
    response.band = result.band.label
    response.caseness = result.caseness


def raise_risk_flags(
    response: Response, instrument, hits: Iterable[scoring.RiskHit]
) -> list[RiskFlag]:
    """A flag for each risk item that fired, unless this response has one open for it.

    Takes the hits rather than a score, so that a draft (never scored) raises its flag too.
    """
    flags = []
    for hit in hits:
        if response.risk_flags.filter(item=hit.item, acknowledged_at__isnull=True).exists():
            continue
        item = instrument.item(hit.item)
        label = next(o.label for o in item.options if o.value == hit.value)
        flags.append(
            RiskFlag.objects.create(
                practice_id=response.practice_id,
                client_id=response.client_id,
                course_id=response.course_id,
                response=response,
                instrument=instrument.code,
                item=hit.item,
                item_text=item.text[:300],
                value=hit.value,
                value_label=label,
                raised_at=timezone.now(),
            )
        )
    return flags


def record_measures(
    *,
    appointment: Appointment,
    answers: list[Answers],
    versions: Mapping[str, int] | None = None,
    actor: Membership,
) -> list[Response]:
    """Record (or correct) the questionnaires given at an attended session, on one screen.

    Each instrument's answers are scored by the pure scorer; an incomplete one is refused
    naming its missing items, and nothing is saved. An existing response is edited in
    place and keeps its earlier answers as a revision. `versions` are the versions the
    editor started from: if someone saved in between, StaleEdit is raised.
    """
    if appointment.status != Appointment.Status.ATTENDED:
        raise ValidationError(NOT_ATTENDED)
    given = [a for a in answers if a.values]
    if not given:
        raise ValidationError(NOTHING_TO_SAVE)
    scored = []
    problems: dict[str, list[str]] = {}
    for item in given:
        instrument = definitions.get_instrument(item.instrument)
        try:
            scored.append((instrument, dict(item.values), _score(instrument, item.values)))
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                problems.setdefault(field, []).extend(messages)
    if problems:
        raise ValidationError(problems)
    versions = versions or {}
    saved = []
    with transaction.atomic():
        appointment = Appointment.objects.select_related("course").get(pk=appointment.pk)
        course = appointment.course
        now = timezone.now()
        for instrument, values, result in scored:
            response = (
                Response.objects.select_for_update()
                .filter(appointment=appointment, instrument=instrument.code)
                .first()
            )
            if response is None:
                response = Response(
                    practice_id=course.practice_id,
                    client_id=course.client_id,
                    course=course,
                    appointment=appointment,
                    instrument=instrument.code,
                    instrument_version=instrument.version,
                    source=Response.Source.CLINIC,
                    status=Response.Status.COMPLETE,
                    completed_at=appointment.starts_at,
                    answers=values,
                    entered_by=actor,
                )
                _apply_score(response, result)
                response.save()
                action, changes = "measure.record", {"total": [None, response.total]}
            else:
                expected = versions.get(instrument.code)
                if expected is not None and expected != response.version:
                    raise StaleEdit(current_version=response.version)
                if response.answers == values and response.status == Response.Status.COMPLETE:
                    saved.append(response)
                    continue
                ResponseRevision.objects.create(
                    response=response,
                    version=response.version,
                    answers=response.answers,
                    total=response.total,
                    changed_by=actor,
                    changed_at=now,
                )
                old_total = response.total
                response.answers = values
                response.status = Response.Status.COMPLETE
                response.instrument_version = instrument.version
                response.completed_at = response.completed_at or appointment.starts_at
                _apply_score(response, result)
                response.version += 1
                response.save()
                action, changes = "measure.edit", {"total": [old_total, response.total]}
            flags = raise_risk_flags(response, instrument, result.risk)
            if flags:
                changes["risk_flags_raised"] = len(flags)
            record(
                action=action,
                actor=actor.user,
                actor_role=actor.role,
                practice=course.practice,
                obj=response,
                changes={"instrument": instrument.code, **changes},
            )
            saved.append(response)
        refresh_outcome_summary(course)
    return saved


def acknowledge_flag(*, flag: RiskFlag, note: str, actor: Membership) -> RiskFlag:
    """Record that a clinician has seen the risk answer and what was done about it."""
    if not note.strip():
        raise ValidationError({"note": ACK_NEEDS_NOTE})
    with transaction.atomic():
        flag = RiskFlag.objects.select_for_update().get(pk=flag.pk)
        if flag.acknowledged_at is not None:
            raise ValidationError(ALREADY_ACKNOWLEDGED)
        flag.acknowledged_at = timezone.now()
        flag.acknowledged_by = actor
        flag.action_note = note.strip()
        flag.save(update_fields=["acknowledged_at", "acknowledged_by", "action_note", "updated_at"])
        record(
            action="risk_flag.acknowledge",
            actor=actor.user,
            actor_role=actor.role,
            practice=flag.practice,
            obj=flag,
            changes={"action_note": "[changed]"},
        )
    return flag
