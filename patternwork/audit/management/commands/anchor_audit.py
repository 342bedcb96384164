"""Copy every audit chain head to the anchor table and the log (the nightly job does this too)."""

from django.core.management.base import BaseCommand

from patternwork.audit import integrity


class Command(BaseCommand):
    help = (
        "Anchor the audit chains: record each chain's head (seq and hash) in the anchor "
        "table and print it. Keep the printed lines off this machine to check backups."
    )

    def handle(self, *args, **options):
        anchors = integrity.write_anchors()
        for anchor in anchors:
            self.stdout.write(f"{anchor.chain}:{anchor.seq}:{anchor.hash}")
        if not anchors:
            self.stdout.write("No chain moved since the last anchors.")
