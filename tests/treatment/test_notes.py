import json

import pytest
from django.core.exceptions import ValidationError

from patternwork.audit.models import AuditEvent
from patternwork.core.concurrency import StaleEdit
from patternwork.treatment import services
from patternwork.treatment.models import NoteAmendment, SessionNote
from tests.course_fixtures import weekly


@pytest.fixture
def attended(course, therapist):
    services.start_course(course=course, values=weekly(), actor=therapist)
    appointment = course.appointments.order_by("starts_at").first()
    return services.mark_attended(appointment=appointment, actor=therapist)


def save(appointment, actor, version=None, body="First session.", **answers):
    return services.save_note(
        appointment=appointment, answers=answers, body=body, expected_version=version, actor=actor
    )


def test_note_is_created_with_the_phase_prompts(attended, therapist):
    note = save(attended, therapist, relationships="Mother, sister", ignored_key="dropped")

    assert (note.phase, note.version, note.author) == ("initial", 1, therapist)
    assert json.loads(note.prompts) == {"relationships": "Mother, sister"}
    assert AuditEvent.objects.filter(action="note.create").count() == 1


def test_note_needs_an_attended_appointment(course, therapist):
    services.start_course(course=course, values=weekly(), actor=therapist)
    booked = course.appointments.order_by("starts_at").first()

    with pytest.raises(ValidationError, match="attended"):
        save(booked, therapist)


def test_note_second_save_with_an_old_version_is_a_conflict(attended, therapist):
    save(attended, therapist)
    save(attended, therapist, version=1, body="Mine, saved first.")

    with pytest.raises(StaleEdit) as conflict:
        save(attended, therapist, version=1, body="Theirs, saved second.")

    assert conflict.value.current_version == 2
    assert SessionNote.objects.get().body == "Mine, saved first."


def test_note_two_people_creating_at_once_do_not_overwrite(attended, therapist):
    save(attended, therapist, body="Created first.")

    with pytest.raises(StaleEdit):
        save(attended, therapist, version=None, body="Created second.")
    assert SessionNote.objects.get().body == "Created first."


def test_note_signed_cannot_be_edited_only_amended(attended, therapist):
    note = save(attended, therapist)
    services.sign_note(note=note, expected_version=1, actor=therapist)

    with pytest.raises(ValidationError, match="signed"):
        save(attended, therapist, version=1, body="Rewritten.")
    amendment = services.amend_note(
        note=note, body="Correction: the sister is younger.", actor=therapist
    )

    note.refresh_from_db()
    assert note.body == "First session."
    assert note.signed_by == therapist
    assert list(note.amendments.all()) == [amendment]
    assert [e.action for e in AuditEvent.objects.order_by("id")][-3:] == [
        "note.create",
        "note.sign",
        "note.amend",
    ]


def test_note_sign_refuses_an_empty_or_stale_note(attended, therapist):
    note = save(attended, therapist, body="")
    with pytest.raises(ValidationError, match="Write something"):
        services.sign_note(note=note, expected_version=1, actor=therapist)
    save(attended, therapist, version=1, body="Now written.")

    with pytest.raises(StaleEdit):
        services.sign_note(note=note, expected_version=1, actor=therapist)


def test_note_amend_needs_text_and_a_signed_note(attended, therapist):
    note = save(attended, therapist)

    with pytest.raises(ValidationError, match="signed note"):
        services.amend_note(note=note, body="x", actor=therapist)
    services.sign_note(note=note, expected_version=1, actor=therapist)
    with pytest.raises(ValidationError):
        services.amend_note(note=note, body="   ", actor=therapist)
    assert NoteAmendment.objects.count() == 0


def test_note_texts_are_encrypted_at_rest(attended, therapist):
    from django.db import connection

    note = save(attended, therapist, body="NOTE-CANARY-91", relationships="PROMPT-CANARY-92")
    with connection.cursor() as cursor:
        cursor.execute("SELECT body, prompts FROM treatment_sessionnote WHERE id = %s", [note.pk])
        body, prompts = cursor.fetchone()

    assert "NOTE-CANARY-91" not in body
    assert "PROMPT-CANARY-92" not in prompts
    assert "NOTE-CANARY" not in str(list(AuditEvent.objects.values_list("changes", flat=True)))


def test_note_phase_follows_the_session_number(course, therapist):
    services.start_course(course=course, values=weekly(), actor=therapist)
    appointments = list(course.appointments.order_by("starts_at"))
    for appointment in appointments[:5]:
        services.mark_attended(appointment=appointment, actor=therapist)

    note = save(
        appointments[4].__class__.objects.get(pk=appointments[4].pk),
        therapist,
        focus_week="At work",
    )

    assert (note.phase, json.loads(note.prompts)) == ("middle", {"focus_week": "At work"})
