"""Reads of the reflection journal.

Two readers, two rules. A client reads their own entries, private or shared, and
nothing else. Staff read only shared entries, and only within the clinical scope
(treating therapist, their supervisor, admins where the practice allows it): a private
entry does not exist for staff, whoever they are. Lists take a fixed number of queries.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet

from patternwork.accounts.access import may_read_clinical
from patternwork.accounts.models import Membership
from patternwork.clients.models import Client
from patternwork.core.prepared import PreparedRead
from patternwork.formulation import journal
from patternwork.formulation.models import Episode, JournalEntry
from patternwork.formulation.selectors import agreed_ipaf
from patternwork.treatment.models import Course

COURSE_PAGE_ENTRIES = 5
CLIENT_ROLE = "client"


def _with_episode_flag(entries: QuerySet[JournalEntry]) -> QuerySet[JournalEntry]:
    return entries.annotate(
        has_episode=Exists(Episode.objects.filter(journal_entry_id=OuterRef("pk")))
    )


def answers_of(entry: JournalEntry) -> dict[str, str]:
    """The entry's prompt answers ({} when none, or when the stored text is damaged)."""
    try:
        answers = json.loads(entry.prompts or "{}")
    except ValueError:
        return {}
    if not isinstance(answers, dict):
        return {}
    return {str(k): str(v) for k, v in answers.items() if k in journal.KEYS and v}


def agreed_pattern(course: Course | None) -> journal.AgreedPattern | None:
    """The agreed IPAF's parts that the client's prompt reminds them of, if agreed."""
    version = agreed_ipaf(course) if course is not None else None
    if version is None:
        return None
    return journal.AgreedPattern(
        other_representation=version.other_representation,
        linking_affects=version.linking_affects,
    )


EXCERPT_WORDS = 30


def excerpt(entry: JournalEntry) -> str:
    """The start of an entry, for lists: its first answer, or else its free text."""
    answers = answers_of(entry)
    first = next((answers[key] for key in journal.KEYS if answers.get(key)), entry.body)
    return journal.shorten(first, EXCERPT_WORDS)


# The client's own journal


def open_course_of(client: Client) -> Course | None:
    """The course new entries belong to: the client's one course that has not ended."""
    return client.courses.exclude(state=Course.State.ENDED).first()


def entries_of_client(client: Client) -> QuerySet[JournalEntry]:
    """The client's own entries, newest first, each knowing whether it became an episode."""
    return _with_episode_flag(
        JournalEntry.objects.filter(client=client).select_related("course")
    ).order_by("-written_on", "-id")


# Staff: shared entries only


def shared_entry_rows() -> QuerySet[JournalEntry]:
    """Entries the client has shared: the only ones staff may read."""
    return _with_episode_flag(JournalEntry.objects.filter(shared_at__isnull=False)).select_related(
        "client", "course", "episode"
    )


def shared_entries_of_course(course: Course) -> QuerySet[JournalEntry]:
    """The course's shared entries, most recently written first (no scope: see callers)."""
    return _with_episode_flag(
        JournalEntry.objects.filter(course=course, shared_at__isnull=False)
    ).order_by("-written_on", "-id")


@dataclass
class CourseJournal:
    entries: list[JournalEntry]
    more: bool


# The course page's latest shared entries, one more than it shows; compiled once.
_COURSE_PAGE_ENTRIES = PreparedRead(
    lambda course_id: shared_entries_of_course(Course(pk=course_id))[: COURSE_PAGE_ENTRIES + 1],
    int,
)


def course_journal(membership: Membership, course: Course) -> CourseJournal | None:
    """The latest shared entries for the course page; None outside the clinical scope.

    One query: it fetches one entry more than it shows, to know whether there are more.
    """
    if not may_read_clinical(membership, course.therapist_id):
        return None
    entries = _COURSE_PAGE_ENTRIES.rows(course.pk)
    return CourseJournal(
        entries=entries[:COURSE_PAGE_ENTRIES], more=len(entries) > COURSE_PAGE_ENTRIES
    )
