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
What stays is the audit trail, which names the client only by the record's id, and one
`client.purge` event: the stub that says the record existed and when it went.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import date

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, models, transaction
from django.db.models import Max, ProtectedError, RestrictedError
from django.utils import timezone

from patternwork.accounts.models import Membership, Practice
from patternwork.audit.services import record
from patternwork.clients.models import Client
from patternwork.treatment.models import Appointment, Course

logger = logging.getLogger("patternwork.retention")

# Rows that are never purged: the audit trail (and its chain) outlives the record.
KEPT_APPS = {"audit"}
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


def purge(*, client: Client, actor: Membership | None, why: str) -> dict[str, int]:
    """Delete every row and file of the client's record, in one transaction, leaving the
    audit trail and a `client.purge` stub."""
    files: list[tuple[object, str]] = []
    with transaction.atomic():
        client = Client.objects.select_for_update().select_related("practice").get(pk=client.pk)
        kept = retention(client)
        practice, public_id, login = client.practice, str(client.public_id), client.user
        rows = _owned_rows(client)
        counts: Counter[str] = Counter()
        for queryset in rows.values():
            files += _files_of(queryset)
        _delete_all(rows, counts)
        if login is not None:
            _scrub_login(login)
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
                "files": len(files),
            },
        )
        transaction.on_commit(lambda: _delete_files(files))
    return dict(counts)


def _owned_rows(client: Client) -> dict[type[models.Model], models.QuerySet]:
    """Every model's rows that hang off the client, directly or through other such rows."""
    found: dict[type[models.Model], models.QuerySet] = {Client: Client.objects.filter(pk=client.pk)}
    frontier = [Client]
    while frontier:
        target = frontier.pop()
        for model in apps.get_models():
            if model._meta.app_label in KEPT_APPS:
                continue
            for field in model._meta.concrete_fields:
                if not field.is_relation or field.related_model is not target:
                    continue
                owned = model._base_manager.filter(**{f"{field.name}__in": found[target]})
                if model in found:
                    found[model] = found[model] | owned
                else:
                    found[model] = owned
                    frontier.append(model)
    return found


def _delete_all(rows, counts: Counter) -> None:
    """Delete leaves first: retry each model until protected references are gone."""
    pending = dict(rows)
    for _ in range(len(pending) + 1):
        for model, queryset in list(pending.items()):
            try:
                with transaction.atomic():
                    _, deleted = queryset.delete()
            except (ProtectedError, RestrictedError, IntegrityError):
                continue
            counts.update({label: n for label, n in deleted.items() if n})
            del pending[model]
        if not pending:
            return
    raise RuntimeError(f"Could not purge: {sorted(m._meta.label for m in pending)}")


def _files_of(queryset) -> list[tuple[object, str]]:
    fields = [f for f in queryset.model._meta.concrete_fields if isinstance(f, models.FileField)]
    found = []
    for field in fields:
        for name in queryset.exclude(**{field.name: ""}).values_list(field.name, flat=True):
            if name:
                found.append((field.storage, name))
    return found


def _delete_files(files) -> None:
    for storage, name in files:
        storage.delete(name)


def _scrub_login(user) -> None:
    # Audit rows keep pointing at the login (PROTECT), so it stays, emptied of the person.
    user.email = f"erased-{user.pk}@erased.invalid"
    user.full_name = ""
    user.is_active = False
    user.password = make_password(None)
    user.save(update_fields=["email", "full_name", "is_active", "password"])
