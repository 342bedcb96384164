"""Writes to the reflection journal, each audited without any of the entry's text.

The client writes, edits, shares and unshares their own entries. A clinician turns a
shared entry into a relationship episode. Rules:

- entries are private until the client shares them; staff never read a private entry;
- an entry belongs to the client's open course; once that course has ended the journal
  is kept for reading and no longer changes;
- two edits of the same entry never overwrite each other silently (StaleEdit);
- once an episode was made from an entry, the entry is part of the clinical record: it
  stays shared (unsharing is refused) and no longer changes, so the episode and the entry
  it came from always tell the same story;
- one entry makes at most one episode.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from patternwork.accounts.models import Membership, User
from patternwork.audit.services import MASKED, record
from patternwork.clients.models import Client
from patternwork.core.concurrency import StaleEdit
from patternwork.formulation import journal
from patternwork.formulation.journal_events import entry_shared
from patternwork.formulation.journal_selectors import CLIENT_ROLE, agreed_pattern, answers_of
from patternwork.formulation.models import Episode, JournalEntry, Person
from patternwork.formulation.services import COURSE_ENDED, _phase, _set_other, add_person
from patternwork.treatment.models import Course

ANSWER_MAX_LENGTH = 5000
BODY_MAX_LENGTH = 20000

# Client-facing refusals are shown in the portal, so they address the client.
EMPTY_ENTRY = _("Write something: answer one of the questions or use the free text.")
WRITTEN_IN_FUTURE = _("The date cannot be in the future.")
NO_OPEN_COURSE = _("Your course has ended, so your journal can be read but not changed.")
NOT_YOUR_COURSE = _("That course is not yours.")
ENTRY_IN_RECORD = _(
    "Your therapist has made this entry part of your therapy record, so it stays shared "
    "and can no longer be changed."
)
SHARE_AFTER_END = _("Your course has ended, so there is no therapist to share this entry with.")
TOO_LONG = _("Keep each answer under %(limit)s characters.")
# Refusals shown to clinicians.
NOT_SHARED = _("Only an entry the client has shared can become an episode.")
ALREADY_AN_EPISODE = _("An episode has already been made from this entry.")
WHEN_NOT_ALLOWED = _("Choose when it happened.")


def _audit_client(user: User, entry: JournalEntry, action: str, changes: Mapping) -> None:
    record(
        action=action,
        actor=user,
        actor_role=CLIENT_ROLE,
        practice=entry.practice,
        obj=entry,
        changes=dict(changes),
    )


def _check_text(answers: Mapping[str, str], body: str) -> None:
    if any(len(value) > ANSWER_MAX_LENGTH for value in answers.values()):
        raise ValidationError(TOO_LONG % {"limit": ANSWER_MAX_LENGTH})
    if len(body) > BODY_MAX_LENGTH:
        raise ValidationError({"body": TOO_LONG % {"limit": BODY_MAX_LENGTH}})
    if not answers and not body:
        raise ValidationError(EMPTY_ENTRY)


def _check_date(written_on: date) -> None:
    if written_on > timezone.localdate():
        raise ValidationError({"written_on": WRITTEN_IN_FUTURE})


def _offered(course: Course) -> tuple[journal.Prompt, ...]:
    return journal.prompts_for(agreed_pattern(course))


def write_entry(
    *,
    client: Client,
    course: Course,
    written_on: date,
    answers: Mapping[str, str],
    body: str,
    user: User,
) -> JournalEntry:
    """Write a new private entry in the client's open course.

    Only answers to the prompts offered are kept (the IPAF prompt once an IPAF is
    agreed). Audits `journal.write` with the date and masked texts.
    """
    if course.client_id != client.pk:
        raise ValidationError(NOT_YOUR_COURSE)
    if course.state == Course.State.ENDED:
        raise ValidationError(NO_OPEN_COURSE)
    _check_date(written_on)
    kept = journal.clean_answers(answers, _offered(course))
    body = body.strip()
    _check_text(kept, body)
    with transaction.atomic():
        entry = JournalEntry(
            practice_id=client.practice_id,
            client=client,
            course=course,
            written_on=written_on,
            prompts=json.dumps(kept),
            body=body,
        )
        entry.full_clean()
        entry.save()
        _audit_client(
            user,
            entry,
            "journal.write",
            {"written_on": [None, written_on.isoformat()], "text": MASKED, "version": [None, 1]},
        )
    return entry


def _check_editable(entry: JournalEntry) -> None:
    if Episode.objects.filter(journal_entry=entry).exists():
        raise ValidationError(ENTRY_IN_RECORD)
    if entry.course.state == Course.State.ENDED:
        raise ValidationError(NO_OPEN_COURSE)


def update_entry(
    *,
    entry: JournalEntry,
    written_on: date,
    answers: Mapping[str, str],
    body: str,
    expected_version: int | None,
    user: User,
) -> JournalEntry:
    """Change an entry; a shared entry stays shared, showing the new text.

    expected_version is the version the client started editing from. If the entry was
    saved in between (another tab, another device), StaleEdit is raised and nothing is
    written: the caller keeps the client's text and shows it back. Audits
    `journal.update` with masked texts.
    """
    _check_date(written_on)
    body = body.strip()
    with transaction.atomic():
        stored = JournalEntry.objects.select_for_update().select_related("course").get(pk=entry.pk)
        _check_editable(stored)
        if stored.version != expected_version:
            raise StaleEdit(current_version=stored.version)
        kept = journal.clean_answers(answers, _offered(stored.course))
        _check_text(kept, body)
        changes: dict = {}
        if stored.written_on != written_on:
            changes["written_on"] = [stored.written_on.isoformat(), written_on.isoformat()]
        if answers_of(stored) != kept or stored.body != body:
            changes["text"] = MASKED
        if not changes:
            return stored
        stored.written_on = written_on
        stored.prompts = json.dumps(kept)
        stored.body = body
        stored.version += 1
        changes["version"] = [stored.version - 1, stored.version]
        stored.full_clean()
        stored.save(update_fields=["written_on", "prompts", "body", "version", "updated_at"])
        _audit_client(user, stored, "journal.update", changes)
    return stored


def share_entry(*, entry: JournalEntry, user: User) -> JournalEntry:
    """Share an entry with the therapist. Audits `journal.share`; sharing twice is a no-op."""
    with transaction.atomic():
        stored = JournalEntry.objects.select_for_update().select_related("course").get(pk=entry.pk)
        if stored.shared_at is not None:
            return stored
        if stored.course.state == Course.State.ENDED:
            raise ValidationError(SHARE_AFTER_END)
        stored.shared_at = timezone.now()
        stored.save(update_fields=["shared_at", "updated_at"])
        _audit_client(user, stored, "journal.share", {"shared": [False, True]})
        entry_shared(stored)
    return stored


def unshare_entry(*, entry: JournalEntry, user: User) -> JournalEntry:
    """Make a shared entry private again, unless an episode was made from it.

    Once a clinician made an episode from the entry it is part of the clinical record
    and stays shared (ENTRY_IN_RECORD). Audits `journal.unshare`; unsharing a private
    entry is a no-op.
    """
    with transaction.atomic():
        stored = JournalEntry.objects.select_for_update().get(pk=entry.pk)
        if stored.shared_at is None:
            return stored
        if Episode.objects.filter(journal_entry=stored).exists():
            raise ValidationError(ENTRY_IN_RECORD)
        stored.shared_at = None
        stored.save(update_fields=["shared_at", "updated_at"])
        _audit_client(user, stored, "journal.unshare", {"shared": [True, False]})
    return stored


def episode_from_entry(
    *,
    entry: JournalEntry,
    person: Person | None,
    with_therapist: bool,
    when: str = Episode.When.CURRENT,
    new_person: Mapping | None = None,
    by: Membership,
) -> Episode:
    """Make a relationship episode from a shared entry, linked back to it.

    The clinician names the other person (someone on the client's map, the therapist,
    or someone not yet on the map: `new_person`, added to the map in the same
    transaction, so a refused episode adds nobody) and when it happened; the episode needs an other, and guessing one would
    put a wrong person into the pattern statistics. The account is the entry's text
    with each answer labelled; the answers to "what did you want", "how did they
    respond" and "how did you feel, and what did you do" fill the episode's three parts
    for the clinician to review and code. Audits `journal.episode` once, naming the
    entry, without any text.
    """
    if when not in Episode.When.values:
        raise ValidationError({"when": WHEN_NOT_ALLOWED})
    with transaction.atomic():
        stored = (
            JournalEntry.objects.select_for_update()
            .select_related("course", "client")
            .get(pk=entry.pk)
        )
        if stored.shared_at is None:
            raise ValidationError(NOT_SHARED)
        if Episode.objects.filter(journal_entry=stored).exists():
            raise ValidationError(ALREADY_AN_EPISODE)
        course = stored.course
        if course.state == Course.State.ENDED:
            raise ValidationError(COURSE_ENDED)
        answers = answers_of(stored)
        if new_person is not None:
            person = add_person(client=stored.client, data=new_person, by=by)
            with_therapist = False
        episode = Episode(
            practice_id=stored.practice_id,
            client=stored.client,
            course=course,
            logged_by=by,
            phase=_phase(course, None),
            when=when,
            account=journal.entry_text(answers, stored.body, gettext),
            journal_entry=stored,
        )
        _set_other(episode, stored.client, person, with_therapist)
        for key, field in journal.EPISODE_PARTS.items():
            setattr(episode, field, answers.get(key, ""))
        episode.full_clean()
        try:
            with transaction.atomic():
                episode.save()
        except IntegrityError as error:
            # The one-to-one link: another request made the episode at the same moment.
            raise ValidationError(ALREADY_AN_EPISODE) from error
        record(
            action="journal.episode",
            actor=by.user,
            actor_role=by.role,
            practice=by.practice,
            obj=episode,
            changes={"journal_entry": str(stored.public_id), "account": MASKED},
        )
    return episode
