"""The assessment record, readiness, goals and the decision.

Each write is one transaction with its audit event. Audit changes name the fields that
changed and hold numbers (ruler values, ratings), never clinical text.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from patternwork.accounts.models import Membership
from patternwork.audit.services import record
from patternwork.core.concurrency import StaleEdit
from patternwork.treatment import plan, scheduling
from patternwork.treatment.models import (
    Appointment,
    Assessment,
    Course,
    Goal,
    GoalRating,
    Occasion,
    Offer,
    Readiness,
    WaitingEntry,
)
from patternwork.treatment.services.courses import close_course

COURSE_ENDED = "This course has ended; its assessment can no longer change."
NOT_ASSESSMENT = "Only an assessment appointment opens an assessment record."
DECISION_NEEDS_SUITABILITY = "Say whether DIT is suitable, with the reasons, before deciding."
DECISION_NEEDS_REASONS = "Give the reasons for the suitability decision."
OFFER_DIT_NOT_SUITABLE = "DIT is recorded as not suitable; it cannot be offered."
ALREADY_STARTED = "This course has started; there is no waiting list place to give."
OCCASION_NOT_FOR_READINESS = (
    "Readiness is rated at assessment, the end of the initial phase and the ending."
)
GOAL_EMPTY = "Goal {position} has ratings; it can be reworded but not removed."
NO_GOALS = "Set the goals before rating them."
DECISION_OPEN_FLAGS = (
    "This client has risk answers that no clinician has acknowledged. Acknowledge them "
    "first: this decision ends the client's way in to DIT."
)

TEXT_FIELDS = (
    "presenting",
    "relationships",
    "risk_current",
    "risk_history",
    "risk_protective",
    "safety_plan",
    "safety_contacts",
    "suitability_reasons",
    "decision_note",
)


def _audit(actor: Membership, obj, action: str, changes: dict, practice=None) -> None:
    record(
        action=action,
        actor=actor.user,
        actor_role=actor.role,
        practice=practice or obj.practice,
        obj=obj,
        changes=changes,
    )


def _open_course(course: Course) -> Course:
    course = scheduling.lock_course(course)
    if course.state == Course.State.ENDED:
        raise ValidationError(COURSE_ENDED)
    return course


def open_assessment(
    *, course: Course, actor: Membership, appointment: Appointment | None = None
) -> Assessment:
    """The course's assessment record, opened on first use (from the assessment
    appointment or the course page). Opening is audited; an existing record is returned."""
    if appointment is not None and appointment.kind != Appointment.Kind.ASSESSMENT:
        raise ValidationError(NOT_ASSESSMENT)
    existing = Assessment.objects.filter(course_id=course.pk).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        course = _open_course(course)
        assessment, created = Assessment.objects.get_or_create(
            course=course,
            defaults={
                "practice_id": course.practice_id,
                "assessor": actor,
                "appointment": appointment,
            },
        )
        if created:
            _audit(actor, assessment, "assessment.open", {"course": str(course.public_id)})
    return assessment


def save_assessment(
    *, assessment: Assessment, data: dict, expected_version: int, actor: Membership
) -> Assessment:
    """Save the record's text and suitability. A stale version raises StaleEdit and writes
    nothing; the audit event names the fields that changed, not their text."""
    suitability = data.get("suitability", assessment.suitability)
    if suitability not in {"", *Assessment.Suitability.values}:
        raise ValidationError({"suitability": "Choose a valid suitability."})
    with transaction.atomic():
        _open_course(assessment.course)
        stored = Assessment.objects.select_for_update().get(pk=assessment.pk)
        if stored.version != expected_version:
            raise StaleEdit(current_version=stored.version)
        changed = {}
        for name in TEXT_FIELDS:
            if name in data and data[name] != getattr(stored, name):
                setattr(stored, name, data[name])
                changed[name] = "[changed]"
        if suitability != stored.suitability:
            changed["suitability"] = [stored.suitability, suitability]
            stored.suitability = suitability
        if not changed:
            return stored
        stored.version += 1
        stored.save(update_fields=[*TEXT_FIELDS, "suitability", "version", "updated_at"])
        changed["version"] = [stored.version - 1, stored.version]
        _audit(actor, stored, "assessment.update", changed)
    return stored


def record_readiness(
    *,
    course: Course,
    occasion: str,
    importance: int,
    confidence: int,
    hopes: str,
    actor: Membership,
) -> Readiness:
    """Record (or correct) the two readiness rulers and the client's hopes at an occasion."""
    if occasion not in {o.value for o in plan.READINESS_OCCASIONS}:
        raise ValidationError({"occasion": OCCASION_NOT_FOR_READINESS})
    problems = {
        name: plan.RULER_INVALID
        for name, value in (("importance", importance), ("confidence", confidence))
        if not plan.ruler_valid(value)
    }
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        course = _open_course(course)
        stored = Readiness.objects.filter(course=course, occasion=occasion).first()
        old = (stored.importance, stored.confidence) if stored else (None, None)
        if stored is None:
            stored = Readiness(
                practice_id=course.practice_id, course=course, occasion=occasion, recorded_by=actor
            )
        stored.importance, stored.confidence, stored.hopes = importance, confidence, hopes
        stored.recorded_by = actor
        stored.save()
        _audit(
            actor,
            course,
            "readiness.record",
            {
                "occasion": occasion,
                "importance": [old[0], importance],
                "confidence": [old[1], confidence],
            },
        )
    return stored


def set_goals(*, course: Course, texts: list[str], actor: Membership) -> list[Goal]:
    """Set the course's goals, up to three, in the client's words, by position.

    A blank text removes a goal that has no ratings yet; a rated goal may only be reworded,
    so its history keeps its meaning.
    """
    texts = [text.strip() for text in texts]
    while texts and not texts[-1]:
        texts.pop()
    if len(texts) > plan.MAX_GOALS:
        raise ValidationError(plan.TOO_MANY_GOALS)
    with transaction.atomic():
        course = _open_course(course)
        existing = {goal.position: goal for goal in course.goals.all()}
        changed = {}
        for position in range(1, plan.MAX_GOALS + 1):
            text = texts[position - 1] if position <= len(texts) else ""
            goal = existing.get(position)
            if goal is None and text:
                Goal.objects.create(
                    practice_id=course.practice_id, course=course, position=position, text=text
                )
                changed[f"goal_{position}"] = "[added]"
            elif goal is not None and not text:
                if goal.ratings.exists():
                    raise ValidationError(GOAL_EMPTY.format(position=position))
                goal.delete()
                changed[f"goal_{position}"] = "[removed]"
            elif goal is not None and goal.text != text:
                goal.text = text
                goal.save(update_fields=["text", "updated_at"])
                changed[f"goal_{position}"] = "[changed]"
        if changed:
            _audit(actor, course, "goals.set", changed)
    return list(course.goals.all())


def rate_goals(
    *, course: Course, occasion: str, scores: dict[int, int], actor: Membership
) -> list[GoalRating]:
    """Rate each goal (by position) 0-10 at an occasion; a second rating at the same
    occasion corrects the first. Every score is checked before anything is written."""
    if occasion not in Occasion.values:
        raise ValidationError({"occasion": "Choose when these ratings were made."})
    problems = {
        f"goal_{position}": plan.RULER_INVALID
        for position, score in scores.items()
        if not plan.ruler_valid(score)
    }
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        course = _open_course(course)
        goals = {goal.position: goal for goal in course.goals.all()}
        if not goals:
            raise ValidationError(NO_GOALS)
        ratings, changed = [], {}
        for position, score in sorted(scores.items()):
            goal = goals.get(position)
            if goal is None:
                continue
            rating = GoalRating.objects.filter(goal=goal, occasion=occasion).first()
            old = rating.score if rating else None
            if rating is None:
                rating = GoalRating(goal=goal, occasion=occasion, score=score)
            rating.score = score
            rating.save()
            ratings.append(rating)
            changed[f"goal_{position}"] = [old, score]
        _audit(actor, course, "goals.rate", {"occasion": occasion, **changed})
    return ratings


def decide(
    *,
    assessment: Assessment,
    decision: str,
    expected_version: int,
    actor: Membership,
    referred_on=None,
) -> Assessment:
    """Record the decision. "Offer DIT" puts the client on the waiting list (the course
    can also be started at once from the course page, which takes them off it). "Offer
    something else" and "signpost elsewhere" end the way in (_close_way_in); the letter
    to the client follows (letters.decision).

    Refused, with nothing written, without a suitability and its reasons, and for "offer
    DIT" when DIT was found not suitable.
    """
    if decision not in Assessment.Decision.values:
        raise ValidationError({"decision": "Choose a decision."})
    with transaction.atomic():
        course = _open_course(assessment.course)
        stored = Assessment.objects.select_for_update().get(pk=assessment.pk)
        if stored.version != expected_version:
            raise StaleEdit(current_version=stored.version)
        if not stored.suitability:
            raise ValidationError(DECISION_NEEDS_SUITABILITY)
        if not stored.suitability_reasons.strip():
            raise ValidationError(DECISION_NEEDS_REASONS)
        if (
            decision == Assessment.Decision.OFFER_DIT
            and stored.suitability == Assessment.Suitability.NOT_SUITABLE
        ):
            raise ValidationError({"decision": OFFER_DIT_NOT_SUITABLE})
        changes = {"decision": [stored.decision, decision]}
        if decision == Assessment.Decision.OFFER_DIT:
            if course.state == Course.State.ACTIVE:
                raise ValidationError(ALREADY_STARTED)
            if not course.waiting_entries.filter(left_at__isnull=True).exists():
                entry = WaitingEntry.objects.create(
                    practice_id=course.practice_id,
                    course=course,
                    referred_on=referred_on or _referred_on(course),
                )
                changes["waiting_entry"] = [None, str(entry.public_id)]
        else:
            changes.update(_close_way_in(course, actor))
        stored.decision = decision
        stored.decided_at = timezone.now()
        stored.version += 1
        stored.save(update_fields=["decision", "decided_at", "version", "updated_at"])
        _audit(actor, stored, "assessment.decide", changes)
    return stored


def _close_way_in(course: Course, actor: Membership) -> dict:
    """ "Offer something else" or "signpost elsewhere" ends the way in: the client leaves
    the waiting list (an open offer is withdrawn) and the course ends as not offered DIT,
    so they leave the caseload with a clear state. The caller holds the course's lock;
    course.end is audited beside the decision, in the same transaction."""
    if course.risk_flags.open().exists():
        raise ValidationError(DECISION_OPEN_FLAGS)
    changes = {}
    now = timezone.now()
    for entry in course.waiting_entries.filter(left_at__isnull=True):
        withdrawn = entry.offers.filter(status=Offer.Status.OPEN).update(
            status=Offer.Status.WITHDRAWN, updated_at=now
        )
        entry.left_at, entry.outcome = now, WaitingEntry.Outcome.WITHDRAWN
        entry.save(update_fields=["left_at", "outcome", "updated_at"])
        changes["waiting_list"] = "left"
        if withdrawn:
            changes["offer"] = [Offer.Status.OPEN, Offer.Status.WITHDRAWN]
    before = course.state
    close_course(course=course, reason=Course.EndReason.NOT_OFFERED, note="", actor=actor)
    changes["course"] = [before, Course.State.ENDED]
    return changes


def _referred_on(course: Course):
    """The day the wait starts: the referral's receipt, else the course's opening."""
    moment = course.referral.received_at if course.referral_id else course.created_at
    return timezone.localtime(moment, scheduling.zone(course.practice)).date()
