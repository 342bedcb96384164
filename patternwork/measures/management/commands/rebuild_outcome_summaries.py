from django.core.management.base import BaseCommand
from django.db import transaction

from patternwork.measures.summary import update_outcome_summary
from patternwork.treatment.models import Course


class Command(BaseCommand):
    help = "Recompute every course's outcome summary from its raw appointments and scores."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size, **options):
        done = 0
        ids = list(Course.objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), max(batch_size, 1)):
            with transaction.atomic():
                for course in Course.objects.filter(pk__in=ids[start : start + batch_size]):
                    update_outcome_summary(course)
                    done += 1
        self.stdout.write(self.style.SUCCESS(f"{done} course summaries rebuilt."))
