from django.core.management.base import BaseCommand

from patternwork.core.crypto import generate_key


class Command(BaseCommand):
    help = "Print a new random encryption key (for PATTERNWORK_ENCRYPTION_KEYS)."
    requires_system_checks = []

    def handle(self, *args, **options):
        self.stdout.write(generate_key())
