from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from patternwork.core import backups


class Command(BaseCommand):
    help = (
        "Write a consistent online backup of the database to PATH, or, without PATH, to a "
        "dated file in PATTERNWORK_BACKUP_DIR (which the nightly job prunes)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, nargs="?")
        parser.add_argument("--force", action="store_true", help="Overwrite PATH if it exists.")

    def handle(self, *args, path, force, **options):
        path = path or backups.dated_path(settings.PATTERNWORK_BACKUP_DIR, timezone.now())
        try:
            backups.backup(path, overwrite=force)
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Backup written to {path}"))
