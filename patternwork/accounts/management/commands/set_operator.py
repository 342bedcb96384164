from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from patternwork.accounts import services


class Command(BaseCommand):
    help = (
        "Let a staff account read the instance audit page (/operator/audit/), or with "
        "--remove, stop it."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--remove", action="store_true")

    def handle(self, *args, email, remove, **options):
        try:
            user = services.set_operator(email=email, is_operator=not remove)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        state = "is" if user.is_operator else "is no longer"
        self.stdout.write(self.style.SUCCESS(f"{user.email} {state} the instance operator."))
