"""Import a caseload file for a practice, all or nothing, as the admin's pages do.

Every error is printed as "row N, column C: message" and the command exits non-zero; on
success it prints what it created. --dry-run checks without writing.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from patternwork.accounts.models import Membership, Practice, normalise_email
from patternwork.interop import caseload
from patternwork.interop.caseload_file import MAX_BYTES

NO_PRACTICE = "No practice has the short name {slug!r}."
NO_ADMIN = "{practice} has no active admin to record the import under."
SEVERAL_ADMINS = (
    "{practice} has several active admins: name the one the import is recorded under "
    "with --as EMAIL."
)
NOT_AN_ADMIN = "{email} is not an active admin of {practice}."


class Command(BaseCommand):
    help = "Import clients, open courses, bookings and past scores from a caseload CSV."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="the caseload CSV (see the template)")
        parser.add_argument("--practice", required=True, help="the practice's short name")
        parser.add_argument("--dry-run", action="store_true", help="check, write nothing")
        parser.add_argument(
            "--as",
            dest="admin_email",
            default="",
            help="the admin the import is recorded under (needed if the practice has several)",
        )

    def handle(self, *args, file, practice, dry_run, admin_email, **options):
        found = Practice.objects.filter(slug=practice).first()
        if found is None:
            raise CommandError(NO_PRACTICE.format(slug=practice))
        actor = _admin(found, admin_email)
        data = _read(file)
        result = caseload.import_caseload(
            practice=found, data=data, actor=actor, dry_run=dry_run, via="command"
        )
        for error in result.errors:
            where = "the file" if error.row == 0 else f"row {error.row}"
            column = f", column {error.column}" if error.column else ""
            self.stderr.write(f"{where}{column}: {error.message}")
        if result.errors:
            raise CommandError(
                f"{len(result.errors)} error(s) in {result.rows} rows: nothing was imported."
            )
        verb = "Would create" if dry_run else "Created"
        for client in result.created:
            number = "" if dry_run else f"{client.client_number} "
            self.stdout.write(
                f"{verb} {number}{client.name} ({client.external_id}) with {client.therapist}: "
                f"{client.sessions} past sessions, {client.scores} scores, "
                f"{client.appointments} appointments booked"
            )
        for client in result.kept:
            self.stdout.write(
                f"Already imported: {client.client_number} {client.name} ({client.external_id}), "
                "left unchanged"
            )
        counts = result.counts()
        summary = (
            f"{counts['clients']} clients, {counts['sessions']} past sessions, "
            f"{counts['scores']} scores, {counts['appointments']} appointments; "
            f"{counts['kept']} already imported."
        )
        if dry_run:
            self.stdout.write(self.style.SUCCESS(f"Dry run, nothing written: {summary}"))
        else:
            self.stdout.write(self.style.SUCCESS(f"Imported {summary}"))


def _admin(practice: Practice, email: str) -> Membership:
    admins = Membership.objects.filter(
        practice=practice, role=Membership.Role.ADMIN, is_active=True, user__is_active=True
    ).select_related("user", "practice")
    if email:
        chosen = admins.filter(user__email=normalise_email(email)).first()
        if chosen is None:
            raise CommandError(NOT_AN_ADMIN.format(email=email, practice=practice.name))
        return chosen
    found = list(admins[:2])
    if not found:
        raise CommandError(NO_ADMIN.format(practice=practice.name))
    if len(found) > 1:
        raise CommandError(SEVERAL_ADMINS.format(practice=practice.name))
    return found[0]


def _read(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            # The reader states the limit; it gets just enough bytes to say so.
            with path.open("rb") as handle:
                return handle.read(MAX_BYTES + 1)
        return path.read_bytes()
    except OSError as error:
        raise CommandError(f"Cannot read {path}: {error.strerror}.") from None
