"""Import a caseload from another system: all of it in one transaction, or nothing.

`caseload_file` reads and checks the file. Here each client is written through the
owning apps' services, exactly as the clinic would write them: the referral
(`clients.services.create_referral`), the client record and its course
(`treatment.services.intake.accept_referral`), the course under way
(`start_course_in_progress`), each session held elsewhere (`record_past_session`), each
booking (`book_session`) and each past total (`measures.services.record_total`). The
services check what needs the database (the therapist's diary, closure days, the date
rules) and audit every write; a refusal is listed against the row that caused it.

The whole import is one transaction. Every client is tried, so that every error in the
file is listed at once; if there is any error, or on a dry run, the transaction is rolled
back and nothing is written. A client whose external id the practice already holds is
left as it is: importing the same file twice changes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone

from patternwork.accounts.models import Membership, Practice
from patternwork.accounts.selectors import active_clinicians
from patternwork.audit.models import AuditEvent
from patternwork.audit.services import record
from patternwork.clients import services as client_services
from patternwork.clients.models import Client
from patternwork.interop import caseload_file
from patternwork.interop.caseload_file import ClientRow, RowError
from patternwork.measures import services as measures
from patternwork.treatment import course_changes, plan, scheduling
from patternwork.treatment import services as treatment
from patternwork.treatment.models import Appointment, Course
from patternwork.treatment.services import intake
from patternwork.treatment.services.courses import PlanValues

UNKNOWN_THERAPIST = (
    "No active therapist or supervisor of this practice has this email address. Invite "
    "them first, or correct the address."
)
OTHER_PERSON = (
    "This external id already belongs to {number}, whose name or date of birth is "
    "different. Check the id: the import never changes a client it imported before."
)
IMPORT_REASON = "Moved from the practice's previous system (caseload import)."
# Service field names -> the file's columns, for messages the services attach to a field.
CLIENT_COLUMNS = {
    "full_name": "full_name",
    "preferred_name": "preferred_name",
    "date_of_birth": "date_of_birth",
    "pronouns": "pronouns",
    "email": "email",
    "phone": "phone",
    "received_at": "referral_received",
    "therapist": "therapist_email",
    "external_id": "external_id",
    "planned_sessions": "planned_sessions",
    "cadence": "cadence",
    "session_minutes": "session_minutes",
    "start_time": "time",
    "start_date": "referral_received",
}
SESSION_COLUMNS = {"date": "date", "minutes": "time", "total": "total"}


@dataclass(frozen=True)
class ImportedClient:
    """What the import wrote (or, on a dry run, would write) for one client."""

    external_id: str
    client_number: str
    name: str
    therapist: str
    sessions: int
    appointments: int
    scores: int


@dataclass(frozen=True)
class KeptClient:
    """A client the practice already holds under this external id, left unchanged."""

    external_id: str
    client_number: str
    name: str


@dataclass
class ImportResult:
    dry_run: bool
    rows: int
    errors: list[RowError] = field(default_factory=list)
    created: list[ImportedClient] = field(default_factory=list)
    kept: list[KeptClient] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "errors": len(self.errors),
            "clients": len(self.created),
            "sessions": sum(c.sessions for c in self.created),
            "appointments": sum(c.appointments for c in self.created),
            "scores": sum(c.scores for c in self.created),
            "kept": len(self.kept),
        }

    def as_data(self) -> dict:
        """A JSON-ready copy, kept with an uploaded file between the preview and the import."""
        return {
            "dry_run": self.dry_run,
            "rows": self.rows,
            "errors": [asdict(error) for error in self.errors],
            "created": [asdict(client) for client in self.created],
            "kept": [asdict(client) for client in self.kept],
        }

    @classmethod
    def from_data(cls, data: Mapping) -> ImportResult:
        return cls(
            dry_run=data["dry_run"],
            rows=data["rows"],
            errors=[RowError(**error) for error in data["errors"]],
            created=[ImportedClient(**client) for client in data["created"]],
            kept=[KeptClient(**client) for client in data["kept"]],
        )


def file_digest(data: bytes | str) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()


def local_now(practice: Practice) -> datetime:
    """The practice's wall-clock time, naive, as the file's dates and times are written."""
    return timezone.now().astimezone(scheduling.zone(practice)).replace(tzinfo=None)


def import_caseload(
    *,
    practice: Practice,
    data: bytes | str,
    actor: Membership,
    dry_run: bool,
    via: str = "upload",
) -> ImportResult:
    """Check a caseload file against the practice and write it, all or nothing.

    On a dry run, or when any row has an error, nothing is written: the result lists
    every error, by row and column, or what the import writes. Audited as
    `caseload.import` (success, or failure with the number of errors) or
    `caseload.check` for a dry run; the event holds counts and the file's digest, never
    a client's details.
    """
    parsed = caseload_file.read_caseload(data, now=local_now(practice))
    result = ImportResult(dry_run=dry_run, rows=parsed.rows, errors=list(parsed.errors))
    if any(error.row <= caseload_file.HEADER_ROW for error in parsed.errors):
        _audit(practice, actor, result, data, via)
        return result
    with transaction.atomic():
        writer = _Writer(practice, actor, result)
        writer.write(parsed.clients)
        result.errors.sort()
        if result.written:
            _audit(practice, actor, result, data, via)
        else:
            transaction.set_rollback(True)
    if not result.written:
        _audit(practice, actor, result, data, via)
    return result


def _audit(practice, actor, result: ImportResult, data, via: str) -> None:
    record(
        action="caseload.check" if result.dry_run else "caseload.import",
        actor=actor.user,
        actor_role=actor.role,
        practice=practice,
        object_type="caseload",
        object_id=file_digest(data)[:16],
        outcome=AuditEvent.Outcome.SUCCESS if result.ok else AuditEvent.Outcome.FAILURE,
        changes={**result.counts(), "via": via},
    )


def _messages(error: ValidationError, columns: Mapping[str, str], default: str):
    """(column, message) for each message of a service's refusal."""
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            column = default if name == NON_FIELD_ERRORS else columns.get(name, default)
            for message in messages:
                yield column, message
    else:
        for message in error.messages:
            yield default, message


class _Writer:
    def __init__(self, practice: Practice, actor: Membership, result: ImportResult) -> None:
        self.practice = practice
        self.actor = actor
        self.result = result

    def refuse(self, rows: Iterable[int], error: ValidationError, columns, default: str) -> None:
        for row in rows:
            for column, message in _messages(error, columns, default):
                self.result.errors.append(RowError(row, column, message))

    def write(self, clients: list[ClientRow]) -> None:
        therapists = {
            member.user.email.lower(): member
            for member in active_clinicians(self.practice).filter(
                user__email__in={client.therapist_email for client in clients}
            )
        }
        held = {
            client.external_id: client
            for client in Client.objects.filter(
                practice=self.practice,
                external_id__in=[row.external_id for row in clients],
            )
        }
        for row in clients:
            existing = held.get(row.external_id)
            if existing is not None:
                self.keep(row, existing)
                continue
            therapist = therapists.get(row.therapist_email)
            if therapist is None:
                self.result.errors.append(RowError(row.row, "therapist_email", UNKNOWN_THERAPIST))
                continue
            self.create(row, therapist)

    def keep(self, row: ClientRow, client: Client) -> None:
        if (client.full_name, client.date_of_birth) != (row.full_name, row.date_of_birth):
            message = OTHER_PERSON.format(number=client.client_number)
            self.result.errors.append(RowError(row.row, "external_id", message))
            return
        self.result.kept.append(KeptClient(row.external_id, client.client_number, row.full_name))

    def create(self, row: ClientRow, therapist: Membership) -> None:
        """Write one client through the services; each refusal is listed against its row."""
        try:
            course = self.open_course(row, therapist)
        except ValidationError as error:
            self.refuse([row.row], error, CLIENT_COLUMNS, "")
            return
        # The course's derived data (its outcome summary and not-on-track flag) is
        # refreshed once, after the client's last write, rather than after each session,
        # score and booking: it is recomputed from the stored rows, so the last refresh
        # alone gives the same summary. The flag is judged on the client's latest
        # imported PHQ-9, as it stands when the import ends.
        with course_changes.batched():
            sessions, scores = self.history(row, course)
            booked = self.book(row, course)
        self.result.created.append(
            ImportedClient(
                external_id=row.external_id,
                client_number=course.client.client_number,
                name=row.full_name,
                therapist=therapist.user.full_name or therapist.user.email,
                sessions=sessions,
                appointments=booked,
                scores=scores,
            )
        )

    def history(self, row: ClientRow, course: Course) -> tuple[int, int]:
        """Record the sessions held elsewhere and their scores: (sessions, scores) written."""
        sessions = scores = 0
        minutes = course.session_minutes
        for session in row.held():
            start = scheduling.local_start(self.practice, session.day, session.at)
            try:
                appointment = treatment.record_past_session(
                    course=course,
                    start=start,
                    minutes=minutes,
                    status=Appointment.Status.ATTENDED,
                    actor=self.actor,
                )
            except ValidationError as error:
                self.refuse(session.rows, error, SESSION_COLUMNS, "date")
                continue
            sessions += 1
            for score in session.scores:
                try:
                    measures.record_total(
                        appointment=appointment,
                        instrument=score.measure,
                        total=score.total,
                        by=self.actor,
                    )
                except ValidationError as error:
                    self.refuse([score.row], error, SESSION_COLUMNS, "total")
                    continue
                scores += 1
        return sessions, scores

    def open_course(self, row: ClientRow, therapist: Membership) -> Course:
        received = datetime.combine(row.referral_received, time.min, scheduling.zone(self.practice))
        referral = client_services.create_referral(
            practice=self.practice,
            data={
                "full_name": row.full_name,
                "preferred_name": row.preferred_name,
                "date_of_birth": row.date_of_birth,
                "pronouns": row.pronouns,
                "email": row.email,
                "phone": row.phone,
                "reason": IMPORT_REASON,
                "received_at": received,
            },
            created_by=self.actor,
        )
        client = intake.accept_referral(
            referral=referral,
            therapist=therapist,
            client_data={"external_id": row.external_id},
            by=self.actor,
        )
        course = client.courses.get()
        return treatment.start_course_in_progress(
            course=course,
            values=PlanValues(
                planned_sessions=row.planned_sessions,
                cadence=row.cadence,
                session_minutes=row.session_minutes,
                start_date=self.first_day(row),
                start_time=row.at,
            ),
            actor=self.actor,
        )

    def first_day(self, row: ClientRow) -> date:
        """The course's first session: the earliest held or booked one."""
        days = [session.day for session in row.held()]
        days += [appointment.day for appointment in row.appointments]
        return min(days) if days else self.next_weekday(row)

    def next_weekday(self, row: ClientRow) -> date:
        """The first day after today that falls on the course's weekday."""
        today = local_now(self.practice).date()
        return today + timedelta(days=(row.weekday - today.weekday() - 1) % 7 + 1)

    def generated(self, row: ClientRow) -> list[date]:
        """The remaining sessions at the course's cadence from its next weekday, skipping
        closure days, as a course started here would have them."""
        return plan.generate_dates(
            first=self.next_weekday(row),
            count=row.remaining(),
            cadence=row.cadence,
            closures=scheduling.closures(self.practice),
        )

    def book(self, row: ClientRow, course: Course) -> int:
        """Book the file's appointments, or the rest of the plan when it lists none."""
        if row.appointments:
            slots = [(appointment.row, appointment.day, at) for appointment, at in row.booked()]
            column = "date"
        else:
            try:
                days = self.generated(row)
            except plan.ClosureError as error:
                self.result.errors.append(RowError(row.row, "weekday", str(error)))
                return 0
            slots = [(row.row, day, row.at) for day in days]
            column = "weekday"
        booked = 0
        for number, day, at in slots:
            start = scheduling.local_start(self.practice, day, at)
            try:
                treatment.book_session(course=course, start=start, actor=self.actor)
            except ValidationError as error:
                self.refuse([number], error, SESSION_COLUMNS, column)
                continue
            booked += 1
        return booked
