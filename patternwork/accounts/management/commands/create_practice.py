from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from patternwork.accounts import services


class Command(BaseCommand):
    help = "Create a practice and its first admin, and print the admin's invitation link."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="The practice's name.")
        parser.add_argument("--slug", default="", help="Short name for web addresses.")
        parser.add_argument("--admin-email", required=True)
        parser.add_argument("--admin-name", required=True)

    def handle(self, *args, name, slug, admin_email, admin_name, **options):
        try:
            practice, membership = services.create_practice(
                name=name, slug=slug, admin_email=admin_email, admin_name=admin_name
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"Created {practice.name} ({practice.slug})."))
        if membership.user.has_usable_password():
            self.stdout.write(f"{membership.user.email} already has a password and can log in.")
        else:
            self.stdout.write(
                f"Send this link to {membership.user.email} to set a password "
                f"(valid 72 hours, works once):\n{services.invitation_url(membership.user)}"
            )
