"""Keeping a client's record for its retention period, then erasing it.

The period is the practice's (`Practice.retention_years_after_contact`, default 20, and
`retention_years_after_death`, default 10: the Records Management Code of Practice 2021's
schedule for mental health records, "20 years after the date of last contact ... or 10
years after the death of the patient if sooner"). Inside it an erasure request is refused
with the date it ends, and the refusal is audited; the nightly purge erases every record
whose period has passed.

Erasing a record removes every row that hangs off the client (found by following foreign
keys to it, in all apps, so a new model is covered without a change here) and any files
those rows hold, and scrubs the client's portal login, which audit rows still point to.
Each app deletes its own rows through its own `erase_client_rows` service (and accounts
scrubs the login through `erase_login`); the purge only orders them, highest app first,
in one transaction, and writes the audit event there. What stays is the audit trail,
which names the client only by the record's id, and one `client.purge` event: the stub
that says the record existed and when it went.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from patternwork.accounts import services as accounts_services
from patternwork.accounts.models import Membership, Practice
from patternwork.audit.services import record
from patternwork.clients import services as clients_services
from patternwork.clients.models import Client
from patternwork.core import backups, erasure
from patternwork.formulation import services as formulation_services
from patternwork.letters import services as letters_services
from patternwork.measures import services as measures_services
from patternwork.messaging import services as messaging_services
from patternwork.supervision import services as supervision_services
from patternwork.treatment import services as treatment_services
from patternwork.treatment.models import Appointment, Course

logger = logging.getLogger("patternwork.retention")

# Each app's eraser, highest app first: a row points only at rows of its own app or a
# lower one, so nothing still points at an app's rows when they go.
ERASERS = (
    ("messaging", messaging_services.erase_client_rows),
    ("supervision", supervision_services.erase_client_rows),
    ("letters", letters_services.erase_client_rows),
    ("formulation", formulation_services.erase_client_rows),
    ("measures", measures_services.erase_client_rows),
    ("treatment", treatment_services.erase_client_rows),
    ("clients", clients_services.erase_client_rows),
)
NOT_AN_ADMIN = "Only a service admin of the client's practice may ask for a record's erasure."


class ErasureRefused(Exception):
    """An erasure request that may not be carried out; the message says why."""


@dataclass(frozen=True)
class Retention:
    last_contact: date
    died_on: date | None
    ends_on: date

    def passed(self, today: date) -> bool:
        return today >= self.ends_on


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


def last_contact(client: Client) -> date:
    """The last day the service had contact with the client: the latest session attended,
    the end of a course, or the record's start (booked sessions are not contact)."""
    days = [client.created_at.date()]
    latest = Appointment.objects.filter(
        course__client=client, status=Appointment.Status.ATTENDED
    ).aggregate(at=Max("starts_at"))["at"]
    ended = Course.objects.filter(client=client).aggregate(at=Max("ended_at"))["at"]
    days += [moment.date() for moment in (latest, ended) if moment is not None]
    return max(days)


def retention(client: Client) -> Retention:
    practice: Practice = client.practice
    contact = last_contact(client)
    ends = _add_years(contact, practice.retention_years_after_contact)
    if client.died_on is not None:
        ends = min(ends, _add_years(client.died_on, practice.retention_years_after_death))
    return Retention(last_contact=contact, died_on=client.died_on, ends_on=ends)


def request_erasure(*, client: Client, by: Membership, reason: str) -> dict[str, int]:
    """Erase a client's record at an admin's request, if its retention period has passed.

    Inside the period the request is refused (ErasureRefused, with the date the period
    ends) and audited as `client.erasure_refused`; otherwise the record is purged.
    """
    if by.role != Membership.Role.ADMIN or by.practice_id != client.practice_id:
        raise ErasureRefused(NOT_AN_ADMIN)
    kept = retention(client)
    today = timezone.localdate()
    if not kept.passed(today):
        message = (
            f"The record must be kept until {kept.ends_on:%d %B %Y}: "
            f"{client.practice.retention_years_after_contact} years after the last contact "
            f"({kept.last_contact:%d %B %Y})"
            + (
                f", or {client.practice.retention_years_after_death} years after death"
                if kept.died_on
                else ""
            )
            + "."
        )
        with transaction.atomic():
            record(
                action="client.erasure_refused",
                actor=by.user,
                actor_role=by.role,
                practice=client.practice,
                obj=client,
                outcome="denied",
                changes={
                    "retention_ends": kept.ends_on.isoformat(),
                    "last_contact": kept.last_contact.isoformat(),
                    "reason_given": bool(reason.strip()),
                },
            )
        raise ErasureRefused(message)
    return purge(client=client, actor=by, why="erasure request")


def purge_expired(*, today: date | None = None) -> int:
    """The nightly job: purge every record whose retention period has passed."""
    today = today or timezone.localdate()
    purged = 0
    for client in Client.objects.select_related("practice").order_by("pk").iterator():
        if retention(client).passed(today):
            purge(client=client, actor=None, why="retention period passed")
            purged += 1
    if purged:
        logger.info("retention purge: %d record(s) erased", purged)
    return purged


def nightly() -> None:
    """The nightly retention job: purge the records past their period, then delete the
    backups older than the backup period, which may still hold records erased before."""
    try:
        purge_expired()
    finally:
        prune_backups()


def prune_backups(*, now=None) -> backups.Pruned | None:
    """Delete the dated backups older than PATTERNWORK_BACKUP_KEEP_DAYS (never the newest).

    Audited as an instance event, `backup.prune`, when a backup went or the newest one is
    older than the period (the backups have stopped: the operator should know).
    """
    now = now or timezone.now()
    keep_days = settings.PATTERNWORK_BACKUP_KEEP_DAYS
    pruned = backups.prune(settings.PATTERNWORK_BACKUP_DIR, now=now, keep_days=keep_days)
    if pruned is None or not (pruned.deleted or pruned.stale_newest):
        return pruned
    with transaction.atomic():
        record(
            action="backup.prune",
            actor_role="system",
            actor_label="backup pruning",
            object_type="backup",
            outcome="success" if not pruned.stale_newest else "failure",
            changes={
                "keep_days": keep_days,
                "deleted": pruned.deleted,
                "kept": len(pruned.kept),
                "stale_newest": pruned.stale_newest,
            },
        )
    if pruned.deleted:
        logger.info("backup pruning: %d backup(s) deleted", len(pruned.deleted))
    if pruned.stale_newest:
        logger.warning(
            "backup pruning: the newest backup %s is older than %d days; it is kept",
            pruned.stale_newest,
            keep_days,
        )
    return pruned


def unerased_apps() -> set[str]:
    """Apps whose rows may hang off a client but that have no eraser above: a purge
    refuses to start while there is one, rather than leave part of a record behind."""
    return {m._meta.app_label for m in erasure.owned_models(Client)} - {a for a, _ in ERASERS}


def preview(client: Client) -> dict[str, int]:
    """How many rows of each kind an erasure of the client's record would delete."""
    return erasure.count_owned(client)


def purge(*, client: Client, actor: Membership | None, why: str) -> dict[str, int]:
    """Delete every row and file of the client's record, in one transaction, through each
    app's eraser, leaving the audit trail and a `client.purge` stub."""
    missing = unerased_apps()
    if missing:
        raise RuntimeError(f"No eraser for the client rows of: {sorted(missing)}")
    with transaction.atomic():
        client = Client.objects.select_for_update().select_related("practice").get(pk=client.pk)
        kept = retention(client)
        practice, public_id, login = client.practice, str(client.public_id), client.user
        erased = erasure.Erased()
        for _app, erase_client_rows in ERASERS:
            erased.add(erase_client_rows(client=client))
        if login is not None:
            accounts_services.erase_login(login)
        counts: Counter[str] = erased.rows
        record(
            action="client.purge",
            actor=actor.user if actor else None,
            actor_role=actor.role if actor else "system",
            actor_label="" if actor else "retention purge",
            practice=practice,
            object_type="clients.client",
            object_id=public_id,
            changes={
                "why": why,
                "retention_ended": kept.ends_on.isoformat(),
                "rows": dict(sorted(counts.items())),
                "files": erased.files,
            },
        )
    return dict(counts)
