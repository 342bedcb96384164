from django.core.management.base import BaseCommand, CommandError

from patternwork.accounts.models import User, normalise_email
from patternwork.accounts.totp import confirmed_device, current_code
from patternwork.demo.seed import is_demo_user


class Command(BaseCommand):
    help = "Print the current two-factor code of a DEMO account (refused for real accounts)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        user = User.objects.filter(email=normalise_email(email)).first()
        if user is None:
            raise CommandError(f"No account {email}.")
        if not is_demo_user(user):
            raise CommandError("Refused: codes are only printed for accounts of the demo practice.")
        device = confirmed_device(user)
        if device is None:
            raise CommandError(f"{email} has no two-factor device yet.")
        code, remaining = current_code(device)
        self.stdout.write(f"{code}  (valid for {remaining} more second(s); each code works once)")
