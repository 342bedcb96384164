from django.core.management.base import BaseCommand

from patternwork.accounts.models import Practice
from patternwork.formulation.services import rebuild_coded_fragments


class Command(BaseCommand):
    help = (
        "Build each practice's confirmed fragments (the examples category suggestions learn "
        "from) from its coded episodes. Needed once for episodes coded before the store "
        "existed; saving an episode keeps it current. Audited per practice."
    )

    def handle(self, *args, **options):
        total = 0
        for practice in Practice.objects.order_by("pk"):
            total += rebuild_coded_fragments(practice=practice)
        self.stdout.write(self.style.SUCCESS(f"{total} confirmed fragments built."))
