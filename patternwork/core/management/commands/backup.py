from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from patternwork.core import backups


class Command(BaseCommand):
    help = "Write a consistent online backup of the database to PATH."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--force", action="store_true", help="Overwrite PATH if it exists.")

    def handle(self, *args, path, force, **options):
        try:
            backups.backup(path, overwrite=force)
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Backup written to {path}"))
