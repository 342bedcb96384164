from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from patternwork.core import backups


class Command(BaseCommand):
    help = "Replace the whole database with the backup at PATH. Stop the app first."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--yes", action="store_true", help="Do not ask for confirmation (scripts)."
        )

    def handle(self, *args, path, yes, **options):
        if not yes:
            answer = input(
                f"This replaces every record in the database with {path}. Type 'restore': "
            )
            if answer.strip() != "restore":
                raise CommandError("Restore cancelled.")
        try:
            backups.restore(path)
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Database restored from {path}"))
