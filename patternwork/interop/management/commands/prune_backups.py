from django.conf import settings
from django.core.management.base import BaseCommand

from patternwork.interop import retention


class Command(BaseCommand):
    help = (
        "Delete the dated backups in PATTERNWORK_BACKUP_DIR older than "
        "PATTERNWORK_BACKUP_KEEP_DAYS, never the newest (audited). The worker runs it nightly."
    )

    def handle(self, *args, **options):
        pruned = retention.prune_backups()
        folder = settings.PATTERNWORK_BACKUP_DIR
        if pruned is None:
            self.stdout.write(f"No backup folder at {folder}: nothing to prune.")
            return
        self.stdout.write(
            f"{len(pruned.deleted)} backup(s) deleted, {len(pruned.kept)} kept in {folder}."
        )
        if pruned.stale_newest:
            self.stderr.write(
                self.style.WARNING(
                    f"The newest backup, {pruned.stale_newest}, is older than "
                    f"{settings.PATTERNWORK_BACKUP_KEEP_DAYS} days: are backups still being made?"
                )
            )
