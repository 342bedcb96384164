"""Recordings, service by service: consent, what an upload accepts and how it is stored,
deletion by the therapist, by withdrawn consent and by retention, and their audit."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from patternwork.audit.models import AuditEvent
from patternwork.core import nightly
from patternwork.supervision import recordings
from patternwork.supervision.models import RecordingConsent, SessionRecording
from tests.course_fixtures import attend, new_course

pytestmark = pytest.mark.usefixtures("frozen")


def upload(appointment, actor, content, name="session.wav"):
    return recordings.upload_recording(
        appointment=appointment,
        upload=SimpleUploadedFile(name, content, content_type="audio/wav"),
        actor=actor,
    )


def stored_files(folder):
    return [p for p in folder.rglob("*") if p.is_file()]


def test_upload_stores_the_audio_sealed_and_it_streams_back_byte_for_byte(
    recorded, long_audio, recordings_dir
):
    [path] = stored_files(recordings_dir)
    stored = path.read_bytes()
    # No audio header starts the file, and no stretch of the audio is in it. A 3- or
    # 4-byte magic alone may turn up by chance in megabytes of ciphertext; the whole
    # 44-byte WAV header, or 32 bytes of samples, cannot.
    assert not stored.startswith((b"RIFF", b"WAVE", b"ID3", b"OggS", b"fmt "))
    middle = len(long_audio) // 2
    for stretch in (long_audio[:44], long_audio[middle : middle + 32]):
        assert stretch not in stored
    assert path.stat().st_mode & 0o077 == 0
    assert path.parent.stat().st_mode & 0o077 == 0
    assert (recorded.size, recorded.content_type) == (len(long_audio), "audio/wav")
    assert b"".join(recordings.stream(recorded, 0, recorded.size - 1)) == long_audio


def test_upload_is_audited_without_the_content(recorded, therapist):
    event = AuditEvent.objects.get(action="recording.upload")
    assert (event.actor, event.object_id) == (therapist.user, str(recorded.public_id))
    assert event.changes["size"] == recorded.size
    assert event.changes["content_type"] == "audio/wav"


def test_upload_without_consent_is_refused(attended, therapist, audio, recordings_dir):
    with pytest.raises(ValidationError, match="not consented to recording"):
        upload(attended, therapist, audio)
    assert not SessionRecording.objects.exists()
    assert stored_files(recordings_dir) == []


def test_upload_after_consent_is_withdrawn_is_refused(attended, therapist, consent, audio):
    recordings.revoke_consent(course=attended.course, actor=therapist)
    with pytest.raises(ValidationError, match="not consented to recording"):
        upload(attended, therapist, audio)


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"%PDF-1.7\n" + b"x" * 100, "session.mp3"),
        (b"<html><body>not audio</body></html>", "session.wav"),
        (b"MZ\x90\x00" + b"\x00" * 100, "session.ogg"),
    ],
)
def test_a_file_that_is_not_audio_is_refused_whatever_its_name(
    attended, therapist, consent, content, name
):
    with pytest.raises(ValidationError, match="not a recording in a supported audio format"):
        upload(attended, therapist, content, name=name)


def test_an_empty_file_is_refused(attended, therapist, consent):
    with pytest.raises(ValidationError, match="empty"):
        upload(attended, therapist, b"")


def test_a_file_over_the_size_limit_is_refused(settings, attended, therapist, consent, audio):
    settings.PATTERNWORK_RECORDING_MAX_BYTES = 40_000
    with pytest.raises(ValidationError, match="larger than the limit"):
        upload(attended, therapist, audio)


def test_only_the_treating_therapist_uploads(attended, supervisor, consent, audio):
    with pytest.raises(ValidationError, match="Only the client's therapist"):
        upload(attended, supervisor, audio)


def test_a_session_not_attended_takes_no_recording(therapist, consent, audio, attended):
    booked = attended.course.appointments.filter(status="booked").first()
    with pytest.raises(ValidationError, match="attended"):
        upload(booked, therapist, audio)


def test_consent_records_who_when_and_how_and_is_audited(consent, therapist):
    assert (consent.recorded_by, consent.method, consent.given_on) == (
        therapist,
        "verbal",
        dt.date(2026, 3, 2),
    )
    event = AuditEvent.objects.get(action="recording.consent_given")
    assert event.changes["method"] == "verbal"


def test_consent_is_recorded_once_until_withdrawn(attended, therapist, consent):
    with pytest.raises(ValidationError, match="already recorded"):
        recordings.give_consent(
            course=attended.course, method="written", given_on=dt.date(2026, 3, 9), actor=therapist
        )
    recordings.revoke_consent(course=attended.course, actor=therapist)
    again = recordings.give_consent(
        course=attended.course, method="written", given_on=dt.date(2026, 3, 9), actor=therapist
    )
    assert recordings.current_consent(attended.course) == again


def test_withdrawing_consent_deletes_the_courses_recordings_and_their_bytes(
    recorded, attended, therapist, recordings_dir, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        deleted = recordings.revoke_consent(course=attended.course, actor=therapist)
    assert deleted == 1
    assert not SessionRecording.objects.exists()
    assert stored_files(recordings_dir) == []
    consent = RecordingConsent.objects.get()
    assert (consent.revoked_by, consent.revoked_at is not None) == (therapist, True)
    assert (
        AuditEvent.objects.get(action="recording.consent_revoked").changes["recordings_deleted"]
        == 1
    )
    delete = AuditEvent.objects.get(action="recording.delete")
    assert (delete.object_id, delete.changes["why"]) == (
        str(recorded.public_id),
        "consent withdrawn",
    )


def test_the_therapist_deletes_a_recording_early(
    recorded, therapist, supervisor, recordings_dir, django_capture_on_commit_callbacks
):
    with pytest.raises(ValidationError):
        recordings.delete_recording(recording=recorded, actor=supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        recordings.delete_recording(recording=recorded, actor=therapist)
    assert stored_files(recordings_dir) == []
    event = AuditEvent.objects.get(action="recording.delete")
    assert (event.actor, event.changes["why"]) == (therapist.user, "deleted by the therapist")


def test_the_nightly_job_deletes_recordings_past_the_practice_retention(
    frozen,
    recorded,
    practice,
    therapist,
    consent,
    audio,
    recordings_dir,
    django_capture_on_commit_callbacks,
):
    practice.recording_retention_days = 30
    practice.save(update_fields=["recording_retention_days"])
    frozen.shift(dt.timedelta(days=20))
    newer = upload(recorded.appointment, therapist, audio)
    frozen.shift(dt.timedelta(days=10, seconds=1))
    assert "recordings.retention" in nightly.names()
    with django_capture_on_commit_callbacks(execute=True):
        nightly.run("recordings.retention")
    assert list(SessionRecording.objects.all()) == [newer]
    assert len(stored_files(recordings_dir)) == 1
    event = AuditEvent.objects.get(action="recording.delete")
    assert (event.actor, event.actor_role, event.changes["why"]) == (
        None,
        "system",
        "retention period passed",
    )


def test_retention_defaults_to_90_days(practice):
    assert practice.recording_retention_days == 90


def test_only_the_therapist_and_their_supervisor_may_listen(
    recorded, therapist, supervisor, other_therapist, other_supervisor, admin
):
    course = recorded.course
    assert recordings.may_listen(therapist, course)
    assert recordings.may_listen(supervisor, course)
    for outsider in (other_therapist, other_supervisor, admin):
        assert not recordings.may_listen(outsider, course)


def test_erasing_the_client_record_deletes_the_recording_bytes(
    recorded, admin, recordings_dir, django_capture_on_commit_callbacks
):
    from patternwork.interop import retention

    with django_capture_on_commit_callbacks(execute=True):
        retention.purge(client=recorded.course.client, actor=admin, why="erasure request")
    assert stored_files(recordings_dir) == []


def test_a_second_course_keeps_its_own_consent(attended, therapist, consent):
    other = new_course(therapist, planned=16, start=dt.date(2026, 3, 3), name="Ola Second")
    [session] = attend(other, therapist, 1)
    assert recordings.current_consent(other) is None
    with pytest.raises(ValidationError, match="not consented"):
        upload(session, therapist, b"OggS" + b"\x00" * 100)
