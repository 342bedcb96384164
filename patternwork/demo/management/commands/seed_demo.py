from django.core.management.base import BaseCommand

from patternwork.demo import seed


class Command(BaseCommand):
    help = "Load the fictional demo practice (idempotent) and print its logins."

    def handle(self, *args, **options):
        logins = seed.seed()
        self.stdout.write(self.style.SUCCESS(f"Demo practice ready: {seed.DEMO_PRACTICE}"))
        self.stdout.write("Demo logins (fictional accounts; demo data only):")
        for login in logins:
            self.stdout.write(
                f"  {login.role:<10} {login.email:<32} password: {login.password}   "
                f"TOTP secret: {login.totp_secret}"
            )
        self.stdout.write(
            "Add a TOTP secret to an authenticator app, or print the current code with:\n"
            "  .venv/bin/python manage.py demo_totp therapist@riverside.example"
        )
