"""Export a whole practice as FHIR Bulk Data NDJSON files, audited once."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from patternwork.accounts.models import Practice
from patternwork.audit.services import record
from patternwork.interop.fhir.bulk import practice_resources, write_ndjson

ACTOR = "manage.py fhir_export"


class Command(BaseCommand):
    help = (
        "Write every record of a practice as FHIR R4 Bulk Data: one NDJSON file per "
        "resource type (Patient.ndjson, Appointment.ndjson, ...) in a new or empty folder."
    )

    def add_arguments(self, parser):
        parser.add_argument("--practice", required=True, help="The practice's short name.")
        parser.add_argument("--out", required=True, help="A new or empty folder.")

    def handle(self, *args, practice, out, **options):
        found = Practice.objects.filter(slug=practice).first()
        if found is None:
            raise CommandError(f"No practice has the short name {practice!r}.")
        folder = Path(out)
        if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
            raise CommandError(f"{folder} is not an empty folder; give a new or empty one.")
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            counts = write_ndjson(practice_resources(found), folder)
        except OSError as exc:
            raise CommandError(f"Cannot write to {folder}: {exc.strerror or exc}.") from exc
        with transaction.atomic():
            record(
                action="fhir.bulk_export",
                practice=found,
                obj=found,
                actor_label=ACTOR,
                changes={"resources": counts},
            )
        for kind, count in counts.items():
            self.stdout.write(f"{kind}.ndjson: {count}")
        self.stdout.write(
            self.style.SUCCESS(f"Exported {found.name} ({counts.get('Patient', 0)} clients).")
        )
