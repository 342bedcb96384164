"""Writes to the goodbye letter: start, save a version, share, mark discussed; downloads.

Every write runs in one transaction with its audit event. The audit names who did what
and the version involved, never the letter's text. A shared letter is not edited again:
the client must be able to trust that the letter they keep is the letter they were given.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from patternwork.accounts.models import Membership
from patternwork.audit.services import MASKED, record
from patternwork.clients.models import Client
from patternwork.core import erasure
from patternwork.core.concurrency import StaleEdit
from patternwork.formulation.selectors import agreed_ipaf
from patternwork.letters import drafting
from patternwork.letters.models import Letter, LetterVersion
from patternwork.treatment import plan
from patternwork.treatment.models import Course

MAX_LENGTH = 20_000

NOT_YET = (
    "The goodbye letter is drafted in the ending phase, from session {first}; "
    "{attended} of {planned} sessions are attended so far."
)
NO_SESSIONS = "No session of this course was attended, so there is no goodbye letter to write."
ALREADY_STARTED = "This course already has a goodbye letter."
RECORD_CLOSED = "This client's record is closed; the letter can be read but not changed."
EMPTY = "The letter is empty. Write the letter before saving it."
TOO_LONG = f"The letter is too long: keep it under {MAX_LENGTH:,} characters."
UNCHANGED = "Nothing changed since version {number}."
SHARED_NOT_EDITED = (
    "This letter has been shared with the client, so it is no longer edited: "
    "the client keeps the letter they were given."
)
OPEN_PLACES = (
    "The letter still has {count} place(s) marked “[To complete: …]”. Write them, or "
    "delete them, before sharing the letter."
)
ALREADY_SHARED = "This letter has already been shared with the client."
NOT_SHARED = "Share the letter with the client before marking it as discussed."
ALREADY_DISCUSSED = "This letter is already marked as discussed."


def _audit(actor: Membership, letter: Letter, action: str, changes: dict) -> None:
    record(
        action=action,
        actor=actor.user,
        actor_role=actor.role,
        practice=letter.practice,
        obj=letter,
        changes=changes,
    )


def normalise(body: str) -> str:
    """One line-ending convention and no trailing spaces, so versions compare fairly."""
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


def _check_body(body: str) -> str:
    body = normalise(body)
    if not body:
        raise ValidationError({"body": EMPTY})
    if len(body) > MAX_LENGTH:
        raise ValidationError({"body": TOO_LONG})
    return body


def _check_open(client: Client) -> None:
    if client.status == Client.Status.CLOSED:
        raise ValidationError(RECORD_CLOSED)


def first_drafting_session(course: Course) -> int:
    """The attended session from which the letter may be drafted.

    The ending phase's first session, or earlier when the plan shares the letter so early
    that the milestone asks for a draft before the ending phase begins.
    """
    share = course.share_session
    return min(plan.phase_bounds(course.planned_sessions).ending.first, max(1, share - 2))


def drafting_refusal(course: Course, attended: int) -> str | None:
    """Why a letter cannot be started now, or None when it can."""
    if attended == 0:
        return NO_SESSIONS
    first = first_drafting_session(course)
    if course.state != Course.State.ENDED and attended < first:
        return NOT_YET.format(first=first, attended=attended, planned=course.planned_sessions)
    return None


def _attended(course: Course) -> int:
    return course.appointments.attended_treatment().count()


def start_letter(*, course: Course, by: Membership) -> Letter:
    """Create the course's letter with the pre-filled draft as version 1 (audited).

    Refused before the ending phase, for a closed record, and when a letter exists.
    """
    _check_open(course.client)
    refusal = drafting_refusal(course, _attended(course))
    if refusal:
        raise ValidationError(refusal)
    if Letter.objects.filter(course=course).exists():
        raise ValidationError(ALREADY_STARTED)
    body = drafting.draft_letter(course)
    try:
        with transaction.atomic():
            letter = Letter(
                practice=course.practice,
                course=course,
                client=course.client,
                author=by,
                ipaf_version=agreed_ipaf(course),
            )
            letter.full_clean()
            letter.save()
            first = LetterVersion(letter=letter, number=1, body=body, author=by)
            first.full_clean()
            first.save()
            _audit(
                by,
                letter,
                "letter.start",
                {"state": [None, Letter.State.DRAFT], "version": [None, 1], "body": MASKED},
            )
    except IntegrityError:
        # Someone started it in the same moment: theirs stands, and this one says so.
        raise ValidationError(ALREADY_STARTED) from None
    return letter


def _locked(letter: Letter) -> Letter:
    return Letter.objects.select_for_update().select_related("client", "practice").get(pk=letter.pk)


def latest_body(letter: Letter) -> str:
    return LetterVersion.objects.get(letter_id=letter.pk, number=letter.version).body


def save_letter(*, letter: Letter, body: str, expected_version: int, by: Membership) -> Letter:
    """Save the therapist's text as the letter's next version (audited, text masked).

    StaleEdit when someone saved since the editor loaded version `expected_version`:
    nothing is written, so the caller can give the editor their text back.
    """
    body = _check_body(body)
    with transaction.atomic():
        letter = _locked(letter)
        _check_open(letter.client)
        if letter.state != Letter.State.DRAFT:
            raise ValidationError(SHARED_NOT_EDITED)
        if letter.version != expected_version:
            raise StaleEdit(current_version=letter.version)
        if latest_body(letter) == body:
            raise ValidationError(UNCHANGED.format(number=letter.version))
        letter.version += 1
        version = LetterVersion(letter=letter, number=letter.version, body=body, author=by)
        version.full_clean()
        version.save()
        letter.save(update_fields=["version", "updated_at"])
        _audit(
            by,
            letter,
            "letter.save",
            {"version": [letter.version - 1, letter.version], "body": MASKED},
        )
    return letter


def share_letter(*, letter: Letter, expected_version: int, by: Membership) -> Letter:
    """Share the letter as it stands with the client (audited: who, when, which version).

    The therapist confirms the version they read; a newer save makes this a StaleEdit.
    A letter with places still marked for the therapist is never shared.
    """
    with transaction.atomic():
        letter = _locked(letter)
        _check_open(letter.client)
        if letter.state != Letter.State.DRAFT:
            raise ValidationError(ALREADY_SHARED)
        if letter.version != expected_version:
            raise StaleEdit(current_version=letter.version)
        places = drafting.open_places(latest_body(letter))
        if places:
            raise ValidationError(OPEN_PLACES.format(count=places))
        letter.state = Letter.State.SHARED
        letter.shared_at = timezone.now()
        letter.full_clean()
        letter.save(update_fields=["state", "shared_at", "updated_at"])
        _audit(
            by,
            letter,
            "letter.share",
            {
                "state": [Letter.State.DRAFT, Letter.State.SHARED],
                "version": letter.version,
                "shared_at": letter.shared_at.isoformat(),
            },
        )
    return letter


def mark_discussed(*, letter: Letter, by: Membership) -> Letter:
    """Record that the shared letter was discussed with the client (audited)."""
    with transaction.atomic():
        letter = _locked(letter)
        _check_open(letter.client)
        if letter.state == Letter.State.DRAFT:
            raise ValidationError(NOT_SHARED)
        if letter.state == Letter.State.DISCUSSED:
            raise ValidationError(ALREADY_DISCUSSED)
        letter.state = Letter.State.DISCUSSED
        letter.discussed_at = timezone.now()
        letter.save(update_fields=["state", "discussed_at", "updated_at"])
        _audit(
            by,
            letter,
            "letter.discuss",
            {"state": [Letter.State.SHARED, Letter.State.DISCUSSED]},
        )
    return letter


def audit_letter_download(*, letter: Letter, version: int, user, role: str) -> None:
    """A PDF of the letter left the system: record who took which version."""
    record(
        action="letter.download",
        actor=user,
        actor_role=role,
        practice=letter.practice,
        obj=letter,
        changes={"version": version},
    )


def audit_summary_download(*, course: Course, by: Membership) -> None:
    """A course summary PDF left the system: record who took it."""
    record(
        action="course_summary.download",
        actor=by.user,
        actor_role=by.role,
        practice=course.practice,
        obj=course,
    )


def erase_client_rows(*, client: Client) -> erasure.Erased:
    """Delete the letters app's rows of the client's record, and their files after the commit.

    For the retention purge (`interop.retention.purge`), which calls each app's eraser,
    highest app first, inside one transaction and writes the record's audit stub there.
    """
    return erasure.erase_owned(client, app_label="letters")
