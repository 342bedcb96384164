"""`manage.py create_api_token --email E --name N [--write] [--days D] [--practice SLUG]`

Prints a new personal API token once, alone on standard output, so a script can capture
it (`TOKEN=$(manage.py create_api_token ...)`); what it is follows on standard error.
Every refusal is one line on standard error and a non-zero exit.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from patternwork.accounts.api_tokens import DEFAULT_DAYS, MAX_DAYS, create_api_token
from patternwork.accounts.models import ApiToken, Membership, normalise_email


class Command(BaseCommand):
    help = "Create a personal API token for a staff member and print it once."

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        # A usage error is raised as CommandError, which Django prints as one line.
        parser.called_from_command_line = False
        return parser

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True, help="The staff member's login email.")
        parser.add_argument("--name", required=True, help="What the token is for.")
        parser.add_argument("--write", action="store_true", help="Read-write (default: read only).")
        parser.add_argument(
            "--days", default=str(DEFAULT_DAYS), help=f"Days until it expires (1-{MAX_DAYS})."
        )
        parser.add_argument(
            "--practice", default="", help="The practice's short name, if they have several."
        )

    def handle(self, *args, email, name, write, days, practice, **options):
        try:
            days = int(days)
        except ValueError:
            raise CommandError(f"--days must be a whole number of days, not {days!r}.") from None
        memberships = Membership.objects.filter(
            user__email=normalise_email(email), is_active=True
        ).select_related("user", "practice")
        if practice:
            memberships = memberships.filter(practice__slug=practice)
        found = list(memberships)
        if not found:
            raise CommandError(
                f"No active staff member {email}{' in ' + practice if practice else ''}."
            )
        if len(found) > 1:
            slugs = ", ".join(sorted(m.practice.slug for m in found))
            raise CommandError(f"{email} works in several practices ({slugs}): add --practice.")
        scope = ApiToken.Scope.WRITE if write else ApiToken.Scope.READ
        try:
            token, raw = create_api_token(
                membership=found[0], name=name, scope=scope, days=days, by_command=True
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(raw)
        self.stderr.write(
            f"{token.get_scope_display()} token “{token.name}” for {found[0].user.email} "
            f"({found[0].get_role_display()}, {found[0].practice.name}), expires "
            f"{token.expires_at:%Y-%m-%d %H:%M} UTC. It is shown only this once."
        )
