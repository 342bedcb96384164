from django.core.management.base import BaseCommand

from patternwork.accounts.models import Practice
from patternwork.measures.tracking import refresh_curves


class Command(BaseCommand):
    help = (
        "Refit every practice's expected PHQ-9 change curves from the finished courses and "
        "re-judge the open courses (the worker does this nightly)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--practice", help="Only this practice (its slug).")

    def handle(self, *args, practice=None, **options):
        practices = None
        if practice:
            practices = list(Practice.objects.filter(slug=practice))
            if not practices:
                self.stderr.write(f"No practice with the slug {practice!r}.")
                raise SystemExit(1)
        stored = refresh_curves(practices=practices)
        self.stdout.write(
            self.style.SUCCESS(
                f"{sum(stored.values())} curve(s) stored for {len(stored)} practice(s)."
            )
        )
