"""Key rotation, recorded in the audit log.

It lives in the audit app because the rotation itself (core/rotation.py) sits below
audit and cannot record; this command runs it and then records it once.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from patternwork.audit.services import record
from patternwork.core import rotation
from patternwork.core.crypto import EncryptionKeyError


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted value with the first key in PATTERNWORK_ENCRYPTION_KEYS. "
        "To rotate: put a new key first (keep the old one after it), run this command, then "
        "remove the old key."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            report = rotation.rotate_all(batch_size=batch_size)
        except (EncryptionKeyError, rotation.RotationError) as exc:
            raise CommandError(str(exc)) from exc
        with transaction.atomic():
            record(
                action="encryption.rotate",
                object_type="encryption.key",
                object_id=report.key_id,
                changes={
                    "rewritten": dict(report.rewritten),
                    "already_current": report.already_current,
                },
            )
        for label, count in report.rewritten.items():
            self.stdout.write(f"{label}: {count} value(s) re-encrypted")
        self.stdout.write(
            self.style.SUCCESS(
                f"Done: {report.total} value(s) now use key {report.key_id}; "
                f"{report.already_current} already did."
            )
        )
