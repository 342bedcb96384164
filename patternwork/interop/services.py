"""Writes of the interop app: caseload files kept between their dry run and the import.

The pages upload a file once; it is kept server-side (encrypted, in `CaseloadUpload`),
checked with a dry run, and imported from the stored copy when the admin confirms, so
what is imported is exactly what was previewed. Each step is audited.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from patternwork.accounts.access import Reader
from patternwork.accounts.models import Membership
from patternwork.audit.models import AuditEvent
from patternwork.audit.services import record
from patternwork.interop import caseload, caseload_file, subject_access
from patternwork.interop.fhir.everything import as_reader
from patternwork.interop.models import CaseloadUpload

KEPT_FOR = timedelta(days=1)
ALREADY_IMPORTED = "This file has already been imported."
NOT_READY = "This file has errors. Correct them and upload it again."
EXPIRED = "This upload has expired. Upload the file again."


def _discard_stale(membership: Membership) -> None:
    """Uploads of the practice older than a day go, with the clients' details they hold."""
    CaseloadUpload.objects.filter(
        practice_id=membership.practice_id, created_at__lt=timezone.now() - KEPT_FOR
    ).delete()


def upload_caseload(*, membership: Membership, filename: str, data: bytes) -> CaseloadUpload:
    """Keep an uploaded caseload file and check it with a dry run.

    A file that cannot be read as UTF-8 text is refused (ValidationError) and not kept.
    Otherwise it is stored with the dry run's result, errors or all, and the upload is
    audited (`caseload.upload`; the dry run audits itself as `caseload.check`).
    """
    try:
        text = caseload_file.decode(data)
    except caseload_file.FileProblem as problem:
        raise ValidationError({"file": str(problem)}) from None
    _discard_stale(membership)
    result = caseload.import_caseload(
        practice=membership.practice, data=text, actor=membership, dry_run=True
    )
    with transaction.atomic():
        upload = CaseloadUpload.objects.create(
            practice=membership.practice,
            uploaded_by=membership,
            filename=filename[:255],
            digest=caseload.file_digest(data),
            content=text,
            result=result.as_data(),
        )
        record(
            action="caseload.upload",
            actor=membership.user,
            actor_role=membership.role,
            practice=membership.practice,
            obj=upload,
            changes={**result.counts(), "digest": upload.digest[:16]},
        )
    return upload


def import_upload(*, upload: CaseloadUpload, membership: Membership) -> caseload.ImportResult:
    """Import a checked upload, all or nothing, from its stored copy.

    The checks run again on the database as it is now: if anything changed since the
    dry run (a therapist left, a slot was booked) the errors are stored on the upload and
    nothing is written. Once imported, the stored text is cleared. Two confirmations at
    once import once: the upload row is locked and the second finds it imported.
    """
    with transaction.atomic():
        stored = CaseloadUpload.objects.select_for_update().get(pk=upload.pk)
        if stored.imported_at is not None:
            raise ValidationError(ALREADY_IMPORTED, code="imported")
        if not stored.content:
            raise ValidationError(EXPIRED, code="expired")
        if stored.result.get("errors"):
            raise ValidationError(NOT_READY, code="errors")
        result = caseload.import_caseload(
            practice=stored.practice, data=stored.content, actor=membership, dry_run=False
        )
        stored.result = result.as_data()
        fields = ["result", "updated_at"]
        if result.written:
            stored.imported_at = timezone.now()
            stored.content = ""
            fields += ["imported_at", "content"]
        stored.save(update_fields=fields)
    upload.refresh_from_db()
    return result


def export_record(*, reader: Reader | Membership, client) -> subject_access.RecordExport:
    """Make the client's record into one download, and audit that it left the system.

    The event (`client.record_export`, against the client record, so it shows in the
    record's own access log) holds what went out by count, never its content. A refused
    copy (an admin who may not read clinical records) is audited as denied and raised.
    """
    reader = as_reader(reader)
    try:
        export = subject_access.record_export(reader, client)
    except subject_access.ExportRefused:
        record(
            action="client.record_export",
            actor=reader.user,
            actor_role=reader.role,
            practice=reader.practice,
            object_type="clients.client",
            object_id=str(getattr(client, "public_id", client)),
            outcome=AuditEvent.Outcome.DENIED,
        )
        raise
    record(
        action="client.record_export",
        actor=reader.user,
        actor_role=reader.role,
        practice=export.client.practice,
        obj=export.client,
        changes={**export.counts, "files": list(subject_access.FILES)},
    )
    return export
