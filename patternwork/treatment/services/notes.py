"""Session notes: draft, save without silent overwrites, sign, amend."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from patternwork.accounts.models import Membership
from patternwork.audit.services import record
from patternwork.core.concurrency import StaleEdit
from patternwork.treatment import plan, prompts
from patternwork.treatment.models import Appointment, NoteAmendment, SessionNote

NOT_ATTENDED = "A note can only be written for an attended appointment."
SIGNED = "This note is signed. Add an amendment instead; the signed text stays as it was."
EMPTY_AMENDMENT = "Write the amendment."
NOT_SIGNED = "Only a signed note is amended; edit the draft instead."
EMPTY_NOTE = "Write something in the note before signing it."


def note_phase(appointment: Appointment) -> str:
    if appointment.kind == Appointment.Kind.ASSESSMENT or appointment.session_number is None:
        return plan.Phase.INITIAL.value
    return plan.phase_for(appointment.session_number, appointment.course.planned_sessions).value


def _audit(actor: Membership, note: SessionNote, action: str, changes: dict) -> None:
    record(
        action=action,
        actor=actor.user,
        actor_role=actor.role,
        practice=note.practice,
        obj=note,
        changes=changes,
    )


def save_note(
    *,
    appointment: Appointment,
    answers: dict[str, str],
    body: str,
    expected_version: int | None,
    actor: Membership,
) -> SessionNote:
    """Create or update the draft note of an attended appointment.

    expected_version is the version the editor started from (None for a new note). If
    someone saved in between, StaleEdit is raised and nothing is written: the caller
    keeps the editor's text and shows it back to them.
    """
    if appointment.status != Appointment.Status.ATTENDED:
        raise ValidationError(NOT_ATTENDED)
    with transaction.atomic():
        note = SessionNote.objects.select_for_update().filter(appointment_id=appointment.pk).first()
        if note is None:
            if expected_version not in (None, 0):
                raise StaleEdit(current_version=0)
            phase = note_phase(appointment)
            allowed = {p.key for p in prompts.prompts_for(phase)}
            note = SessionNote(
                practice_id=appointment.practice_id,
                appointment=appointment,
                course_id=appointment.course_id,
                author=actor,
                phase=phase,
                prompts=json.dumps({k: v for k, v in answers.items() if k in allowed}),
                body=body,
            )
            note.save()
            _audit(actor, note, "note.create", {"body": "[changed]", "version": [None, 1]})
            return note
        if note.is_signed:
            raise ValidationError(SIGNED)
        if note.version != expected_version:
            raise StaleEdit(current_version=note.version)
        allowed = {p.key for p in prompts.prompts_for(note.phase)}
        note.prompts = json.dumps({k: v for k, v in answers.items() if k in allowed})
        note.body = body
        note.version += 1
        note.save(update_fields=["prompts", "body", "version", "updated_at"])
        _audit(
            actor,
            note,
            "note.update",
            {"body": "[changed]", "version": [note.version - 1, note.version]},
        )
    return note


def sign_note(*, note: SessionNote, expected_version: int, actor: Membership) -> SessionNote:
    """Sign the note as it stands; from then on it can only be amended."""
    with transaction.atomic():
        note = SessionNote.objects.select_for_update().get(pk=note.pk)
        if note.is_signed:
            raise ValidationError(SIGNED)
        if note.version != expected_version:
            raise StaleEdit(current_version=note.version)
        if not note.body.strip() and not any(json.loads(note.prompts).values()):
            raise ValidationError(EMPTY_NOTE)
        note.signed_at = timezone.now()
        note.signed_by = actor
        note.save(update_fields=["signed_at", "signed_by", "updated_at"])
        _audit(actor, note, "note.sign", {"version": note.version})
    return note


def amend_note(*, note: SessionNote, body: str, actor: Membership) -> NoteAmendment:
    """Add an amendment to a signed note; the original text is kept unchanged."""
    if not body.strip():
        raise ValidationError({"body": EMPTY_AMENDMENT})
    with transaction.atomic():
        note = SessionNote.objects.select_for_update().get(pk=note.pk)
        if not note.is_signed:
            raise ValidationError(NOT_SIGNED)
        amendment = NoteAmendment.objects.create(note=note, author=actor, body=body.strip())
        _audit(actor, note, "note.amend", {"amendment": str(amendment.public_id)})
    return amendment


def note_answers(note: SessionNote | None) -> dict[str, str]:
    return json.loads(note.prompts) if note else {}
