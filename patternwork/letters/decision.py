"""The letter after an assessment that did not lead to DIT: draft, edit, share, PDF.

Each write is one transaction with its audit event; the audit masks the letter's text.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from patternwork.accounts.models import Membership
from patternwork.audit.services import record
from patternwork.core.concurrency import StaleEdit
from patternwork.letters.models import DecisionLetter
from patternwork.letters.selectors import LetterDocument, document_of
from patternwork.treatment.models import Assessment, Course

NO_LETTER_DECISION = (
    "Record the decision \u201coffer something else\u201d or \u201csignpost elsewhere\u201d first."
)
ALREADY_STARTED = "This letter has already been started."
EMPTY = "Write the letter."
SHARED = "This letter has been shared; it no longer changes."
MASKED = "[changed]"
PLACEHOLDER = "[Name the service, what it offers and how to contact it.]"

LETTER_DECISIONS = {Assessment.Decision.OFFER_OTHER, Assessment.Decision.SIGNPOST}


def draft_body(course: Course, assessment: Assessment) -> str:
    """The pre-filled draft, from the record: what the client came with, the decision and
    its reasons, and a place for the service the therapist recommends."""
    parts = [
        _("Thank you for meeting me to talk about what brought you to %(practice)s.")
        % {"practice": course.practice.name}
    ]
    if assessment.presenting.strip():
        parts.append(_("You told me: %(words)s") % {"words": assessment.presenting.strip()})
    if assessment.decision == Assessment.Decision.SIGNPOST:
        parts.append(
            _(
                "We agreed that Dynamic Interpersonal Therapy is not the right help for you "
                "at the moment, and that another service is better placed to help."
            )
        )
    else:
        parts.append(
            _(
                "We agreed that something other than Dynamic Interpersonal Therapy is the "
                "better help for you at the moment."
            )
        )
    if assessment.suitability_reasons.strip():
        parts.append(assessment.suitability_reasons.strip())
    parts.append(PLACEHOLDER)
    if course.client.referrer_name:
        parts.append(_("Copy to: %(referrer)s") % {"referrer": course.client.referrer_name})
    return "\n\n".join(parts)


def _audit(by: Membership, letter: DecisionLetter, action: str, changes: dict) -> None:
    record(
        action=action,
        actor=by.user,
        actor_role=by.role,
        practice=letter.practice,
        obj=letter,
        changes=changes,
    )


def start_decision_letter(*, course: Course, by: Membership) -> DecisionLetter:
    """Create the letter with its pre-filled draft (audited, text masked). Refused unless
    the assessment's decision calls for one, and when one exists."""
    assessment = Assessment.objects.filter(course=course).first()
    if assessment is None or assessment.decision not in LETTER_DECISIONS:
        raise ValidationError(NO_LETTER_DECISION)
    try:
        with transaction.atomic():
            letter = DecisionLetter.objects.create(
                practice_id=course.practice_id,
                course=course,
                client=course.client,
                author=by,
                body=draft_body(course, assessment),
            )
            _audit(by, letter, "decision_letter.start", {"body": MASKED, "version": [None, 1]})
    except IntegrityError:
        raise ValidationError(ALREADY_STARTED) from None
    return letter


def save_decision_letter(
    *, letter: DecisionLetter, body: str, expected_version: int, by: Membership
) -> DecisionLetter:
    """Save the edited text; a stale version raises StaleEdit and writes nothing."""
    if not body.strip():
        raise ValidationError({"body": EMPTY})
    with transaction.atomic():
        stored = DecisionLetter.objects.select_for_update().get(pk=letter.pk)
        if stored.state != DecisionLetter.State.DRAFT:
            raise ValidationError(SHARED)
        if stored.version != expected_version:
            raise StaleEdit(current_version=stored.version)
        stored.body = body.strip()
        stored.version += 1
        stored.save(update_fields=["body", "version", "updated_at"])
        _audit(
            by,
            stored,
            "decision_letter.save",
            {"body": MASKED, "version": [stored.version - 1, stored.version]},
        )
    return stored


def share_decision_letter(
    *, letter: DecisionLetter, expected_version: int, by: Membership
) -> DecisionLetter:
    """Share the letter as it stands on the client's portal; from then on it is fixed."""
    with transaction.atomic():
        stored = DecisionLetter.objects.select_for_update().get(pk=letter.pk)
        if stored.state != DecisionLetter.State.DRAFT:
            raise ValidationError(SHARED)
        if stored.version != expected_version:
            raise StaleEdit(current_version=stored.version)
        stored.state = DecisionLetter.State.SHARED
        stored.shared_at = timezone.now()
        stored.save(update_fields=["state", "shared_at", "updated_at"])
        _audit(
            by,
            stored,
            "decision_letter.share",
            {"state": [DecisionLetter.State.DRAFT, DecisionLetter.State.SHARED]},
        )
    return stored


def audit_download(*, letter: DecisionLetter, user, role: str) -> None:
    record(
        action="decision_letter.download",
        actor=user,
        actor_role=role,
        practice=letter.practice,
        obj=letter,
        changes={"version": letter.version},
    )


def document(letter: DecisionLetter) -> LetterDocument:
    """The letter laid out as the goodbye letter is: the same PDF boundary renders it."""
    return document_of(letter, body=letter.body, version=letter.version)
