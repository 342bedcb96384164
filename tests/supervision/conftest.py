"""Supervision scenarios: a trainee with a supervisor, a session with a signed note,
the default rating form, a colleague outside the supervisor's scope, and a recorded
session with the client's consent."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from patternwork.accounts.models import Membership
from patternwork.supervision import recordings
from patternwork.supervision import services as supervision
from patternwork.supervision.models import Rubric
from patternwork.treatment import services as treatment
from tests.audio_files import wav
from tests.course_fixtures import attend, new_course
from tests.factories import MembershipFactory


@pytest.fixture
def rubric_form(practice):
    supervision.ensure_default_rubric(practice)
    return Rubric.objects.get(practice=practice, is_current=True)


@pytest.fixture
def attended(db, frozen, attended_built_once):
    """Session 1 of a 16-session course of the trainee's, attended: built once per
    module (course_fixtures.attended_built_once); what a test adds is rolled back."""
    return attended_built_once.appointment()


@pytest.fixture
def signed_note(attended, therapist):
    note = treatment.save_note(
        appointment=attended,
        answers={},
        body="Talked about the relationship with an older sister.",
        expected_version=None,
        actor=therapist,
    )
    return treatment.sign_note(note=note, expected_version=note.version, actor=therapist)


@pytest.fixture
def cosigning(therapist, supervisor):
    """The trainee's notes need co-signing from now on."""
    return supervision.set_cosign_required(therapist=therapist, required=True, actor=supervisor)


@pytest.fixture
def outsider_course(other_therapist, frozen):
    """A course of a colleague whom the supervisor does not supervise."""
    course = new_course(other_therapist, planned=16, name="Pat Outsider")
    attend(course, other_therapist, 1)
    return course


@pytest.fixture
def other_supervisor(practice, other_therapist):
    member = MembershipFactory(
        practice=practice, role=Membership.Role.SUPERVISOR, user__full_name="Dr Gil Other"
    )
    member.supervisees.add(other_therapist)
    return member


@pytest.fixture
def consent(attended, therapist):
    """The client consented verbally, in the first session, to its recording."""
    return recordings.give_consent(
        course=attended.course, method="verbal", given_on=dt.date(2026, 3, 2), actor=therapist
    )


@pytest.fixture
def audio():
    """Three seconds of a generated tone as WAV (about 48 kB, one sealed chunk)."""
    return wav(3.0)


@pytest.fixture
def long_audio():
    """About 200 kB of WAV: four chunks, the last one short."""
    return wav(12.5)


@pytest.fixture
def recorded(attended, therapist, consent, long_audio, recordings_dir):
    """The session's recording, uploaded by the therapist and stored on disk."""
    return recordings.upload_recording(
        appointment=attended,
        upload=SimpleUploadedFile("session.wav", long_audio, content_type="audio/wav"),
        actor=therapist,
    )
