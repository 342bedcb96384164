"""Session recordings: consent, upload, playback, deletion and retention.

Every write checks who may do it, runs in one transaction and records its audit event in
that transaction; a stored file is deleted only once the transaction that deleted its row
has committed. The audio is sealed chunk by chunk (core/stream_crypto.py) on its way to
the `recordings` storage, so neither the upload nor playback ever holds a whole file in
memory, and the storage (a folder under var/ or an S3-compatible bucket) never sees a
plain byte.

Who may listen: the treating therapist and that therapist's supervisor, no one else; an
admin cannot, whatever the practice allows for notes. A play is one request for the
audio from its first byte: the browser's first request, or a replay from the start. The
range requests a browser makes while the user seeks are not new plays, so they are not
audited again.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from patternwork.accounts.access import Reader, deny_not_found, visible
from patternwork.accounts.models import Membership, Practice
from patternwork.audit.services import record
from patternwork.core import stream_crypto
from patternwork.core.prepared import PreparedRead
from patternwork.supervision import audio
from patternwork.supervision.models import RecordingConsent, SessionRecording
from patternwork.supervision.selectors import supervises
from patternwork.treatment.models import Appointment, Course

logger = logging.getLogger("patternwork.recordings")

NOT_TREATING = "Only the client's therapist may do this."
NO_CONSENT = (
    "The client has not consented to recording (or has withdrawn consent). Record the "
    "client's consent on the course page before uploading a recording."
)
ALREADY_CONSENTED = "The client's consent to recording is already recorded."
NO_CONSENT_TO_REVOKE = "There is no consent to recording to withdraw."
FUTURE_CONSENT = "Consent is recorded on or after the day it was given."
NOT_ATTENDED = "A recording belongs to a session the client attended."
EMPTY_FILE = "The file is empty."
TOO_LARGE = "The file is larger than the limit of {limit}."
NOT_AUDIO = (
    "This file is not a recording in a supported audio format (MP3, AAC, Ogg, WAV, FLAC, "
    "M4A or WebM). The check reads the file's contents, not its name."
)


def _audit(actor: Membership | None, action: str, *, obj, practice, **changes) -> None:
    record(
        action=action,
        actor=actor.user if actor else None,
        actor_role=actor.role if actor else "system",
        actor_label="" if actor else "recording retention",
        practice=practice,
        obj=obj,
        changes=changes,
    )


def max_bytes() -> int:
    return settings.PATTERNWORK_RECORDING_MAX_BYTES


def too_large() -> str:
    return TOO_LARGE.format(limit=f"{max_bytes() / 1_000_000:g} MB")


# Consent ---------------------------------------------------------------------------


# As first() reads it: the model's ordering, one row; compiled once (core.prepared).
_CURRENT_CONSENT = PreparedRead(
    lambda course_id: (
        RecordingConsent.objects.filter(course_id=course_id, revoked_at__isnull=True)
        .select_related("recorded_by__user")
        .order_by(*RecordingConsent._meta.ordering)[:1]
    ),
    int,
)


def current_consent(course: Course) -> RecordingConsent | None:
    """The course's consent to recording that has not been withdrawn, if any."""
    found = _CURRENT_CONSENT.rows(course.pk)
    return found[0] if found else None


def _require_treating(actor: Membership, course: Course) -> None:
    if actor.pk != course.therapist_id or actor.practice_id != course.practice_id:
        raise ValidationError(NOT_TREATING)


def give_consent(
    *, course: Course, method: str, given_on: dt.date, actor: Membership
) -> RecordingConsent:
    """Record the client's consent to recording on the course (audited: how and when)."""
    _require_treating(actor, course)
    if method not in RecordingConsent.Method.values:
        raise ValidationError({"method": _("Choose how consent was given.")})
    if given_on > timezone.localdate():
        raise ValidationError({"given_on": FUTURE_CONSENT})
    with transaction.atomic():
        Course.objects.select_for_update().get(pk=course.pk)
        if current_consent(course) is not None:
            raise ValidationError(ALREADY_CONSENTED)
        consent = RecordingConsent.objects.create(
            practice_id=course.practice_id,
            course=course,
            method=method,
            given_on=given_on,
            recorded_by=actor,
        )
        _audit(
            actor,
            "recording.consent_given",
            obj=consent,
            practice=course.practice,
            course=str(course.public_id),
            method=method,
            given_on=given_on.isoformat(),
        )
    return consent


def revoke_consent(*, course: Course, actor: Membership) -> int:
    """Withdraw the client's consent (audited) and delete the course's recordings at once,
    each deletion audited; return how many were deleted."""
    _require_treating(actor, course)
    with transaction.atomic():
        Course.objects.select_for_update().get(pk=course.pk)
        consent = current_consent(course)
        if consent is None:
            raise ValidationError(NO_CONSENT_TO_REVOKE)
        consent.revoked_at = timezone.now()
        consent.revoked_by = actor
        consent.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
        recordings = list(SessionRecording.objects.filter(course=course).order_by("pk"))
        _audit(
            actor,
            "recording.consent_revoked",
            obj=consent,
            practice=course.practice,
            course=str(course.public_id),
            recordings_deleted=len(recordings),
        )
        for recording in recordings:
            _delete(recording, actor, why="consent withdrawn")
    return len(recordings)


# Upload ----------------------------------------------------------------------------


def check_audio(upload) -> str:
    """The upload's audio content type; a ValidationError for an empty, too large or
    non-audio file. Reads only its first bytes."""
    if not upload.size:
        raise ValidationError({"file": EMPTY_FILE})
    if upload.size > max_bytes():
        raise ValidationError({"file": too_large()})
    upload.seek(0)
    content_type = audio.sniff(upload.read(audio.SNIFF_BYTES))
    upload.seek(0)
    if content_type is None:
        raise ValidationError({"file": NOT_AUDIO})
    return content_type


def upload_recording(*, appointment: Appointment, upload, actor: Membership) -> SessionRecording:
    """Seal an uploaded audio file into the recordings storage and attach it to an attended
    session (audited: the session, the size and the type, never the content).

    The treating therapist uploads, with the client's consent current. `upload` is a
    Django UploadedFile (a big one is already a temporary file on disk): it is read a chunk
    at a time into a sealed temporary file, which the storage then copies in chunks.
    """
    course = appointment.course
    _require_treating(actor, course)
    if appointment.status != Appointment.Status.ATTENDED:
        raise ValidationError(NOT_ATTENDED)
    if current_consent(course) is None:
        raise ValidationError(NO_CONSENT)
    content_type = check_audio(upload)
    name = f"{course.practice.public_id}/{uuid.uuid4().hex}.sealed"
    with tempfile.TemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR) as sealed:
        size = stream_crypto.seal(upload, sealed)
        sealed.seek(0)
        stored = SessionRecording._meta.get_field("sealed").storage.save(name, File(sealed))
    try:
        with transaction.atomic():
            Course.objects.select_for_update().get(pk=course.pk)
            # Consent could have been withdrawn while the file was being sealed.
            if current_consent(course) is None:
                raise ValidationError(NO_CONSENT)
            recording = SessionRecording.objects.create(
                practice_id=course.practice_id,
                appointment=appointment,
                course=course,
                therapist_id=course.therapist_id,
                uploaded_by=actor,
                sealed=stored,
                content_type=content_type,
                size=size,
            )
            _audit(
                actor,
                "recording.upload",
                obj=recording,
                practice=course.practice,
                appointment=str(appointment.public_id),
                size=size,
                content_type=content_type,
            )
    except BaseException:
        SessionRecording._meta.get_field("sealed").storage.delete(stored)
        raise
    return recording


# Deletion and retention ------------------------------------------------------------


def _delete(recording: SessionRecording, actor: Membership | None, *, why: str) -> None:
    name, storage = recording.sealed.name, recording.sealed.storage
    _audit(
        actor,
        "recording.delete",
        obj=recording,
        practice=recording.practice,
        appointment=str(recording.appointment.public_id),
        uploaded_at=recording.created_at.isoformat(),
        why=why,
    )
    recording.delete()
    # The bytes go once the row is gone for good; a rolled-back deletion keeps both.
    transaction.on_commit(lambda: storage.delete(name))


def delete_recording(*, recording: SessionRecording, actor: Membership) -> None:
    """Delete a recording and its file before its retention ends (audited). The treating
    therapist may."""
    _require_treating(actor, recording.course)
    with transaction.atomic():
        _delete(recording, actor, why="deleted by the therapist")


def purge_expired(*, now: dt.datetime | None = None) -> int:
    """The nightly job: delete every recording older than its practice's retention."""
    now = now or timezone.now()
    deleted = 0
    practices = Practice.objects.filter(
        pk__in=SessionRecording.objects.values("practice_id")
    ).order_by("pk")
    for practice in practices:
        cutoff = now - dt.timedelta(days=practice.recording_retention_days)
        expired = (
            SessionRecording.objects.filter(practice=practice, created_at__lt=cutoff)
            .select_related("practice", "appointment")
            .order_by("pk")
        )
        for recording in expired:
            with transaction.atomic():
                _delete(recording, None, why="retention period passed")
            deleted += 1
    if deleted:
        logger.info("recording retention: %d recording(s) deleted", deleted)
    return deleted


# Listening -------------------------------------------------------------------------


def may_listen(membership: Membership | None, course: Course) -> bool:
    """The treating therapist and that therapist's supervisor; no one else."""
    if membership is None or membership.practice_id != course.practice_id:
        return False
    return membership.pk == course.therapist_id or supervises(membership, course.therapist_id)


def recordings_for(membership: Membership, appointment: Appointment) -> list[SessionRecording]:
    """The session's recordings, for someone who may listen to them; none for others."""
    if not may_listen(membership, appointment.course):
        return []
    return list(SessionRecording.objects.filter(appointment=appointment).order_by("created_at"))


def playable(reader: Reader, public_id) -> SessionRecording:
    """The recording, if the reader may listen to it; an audited 404 otherwise."""
    found = (
        visible(reader, SessionRecording)
        .select_related("course__client", "course__practice", "practice")
        .filter(public_id=public_id)
        .first()
    )
    if found is None or not may_listen(reader.membership, found.course):
        raise deny_not_found(
            user=reader.user,
            membership=reader.membership,
            practice=reader.practice if reader.client is not None else None,
            object_type="supervision.sessionrecording",
            object_id=public_id,
        )
    return found


def record_play(reader: Reader, recording: SessionRecording) -> None:
    """Audit one play (a request from the first byte): who listened to whose session."""
    record(
        action="recording.play",
        actor=reader.user,
        actor_role=reader.role,
        practice=recording.practice,
        obj=recording,
        changes={
            "client": str(recording.course.client.public_id),
            "appointment": str(recording.appointment.public_id),
        },
    )
    reader.seen.add(str(recording.course.client.public_id))


def stream(recording: SessionRecording, start: int, end: int) -> PlainStream:
    """The plaintext bytes start..end (inclusive), opening only the chunks they span.

    The first chunk is opened before this returns, so a damaged file is refused before a
    response starts (DecryptionError); a later damaged chunk ends the stream early.
    """
    handle = recording.sealed.storage.open(recording.sealed.name, "rb")
    try:
        stored_size = recording.sealed.storage.size(recording.sealed.name)
        chunks = stream_crypto.open_range(handle, stored_size, start, end)
        first = next(chunks, b"")
    except BaseException:
        handle.close()
        raise
    return PlainStream(handle, first, chunks)


class PlainStream:
    """A response body that closes its file when the server closes the response, even
    if the client went away before reading any of it."""

    def __init__(self, handle, first: bytes, chunks: Iterator[bytes]) -> None:
        self._handle, self._first, self._chunks = handle, first, chunks

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield self._first
            yield from self._chunks
        except stream_crypto.DecryptionError:
            logger.error("a session recording failed authentication while streaming")
        finally:
            self.close()

    def close(self) -> None:
        self._handle.close()


@dataclass(frozen=True)
class RecordingPanel:
    """What a session or course page shows of recordings to one member."""

    recordings: list[SessionRecording]
    consent: RecordingConsent | None
    treating: bool
    may_upload: bool


# The session's recordings in the order they were uploaded, compiled once.
_SESSION_RECORDINGS = PreparedRead(
    lambda appointment_id: SessionRecording.objects.filter(appointment_id=appointment_id).order_by(
        "created_at", "pk"
    ),
    int,
)


def session_panel(membership: Membership, appointment: Appointment) -> RecordingPanel | None:
    """The session's recordings for someone who may listen (None for anyone else), and,
    for the treating therapist, whether one can be uploaded."""
    course = appointment.course
    if not may_listen(membership, course):
        return None
    treating = membership.pk == course.therapist_id
    consent = current_consent(course) if treating else None
    return RecordingPanel(
        recordings=_SESSION_RECORDINGS.rows(appointment.pk),
        consent=consent,
        treating=treating,
        may_upload=treating
        and consent is not None
        and appointment.status == Appointment.Status.ATTENDED,
    )


def course_panel(membership: Membership, course: Course) -> RecordingPanel | None:
    """The course's consent to recording, for the treating therapist and supervisor."""
    if not may_listen(membership, course):
        return None
    return RecordingPanel(
        recordings=[],
        consent=current_consent(course),
        treating=membership.pk == course.therapist_id,
        may_upload=False,
    )
