"""The waiting list: priority, offers of a start, their answers and their lapse.

Each write is one transaction with its audit event. Offers made and lapsed are announced
after commit (treatment.signals) for the message worker; nothing here sends a message.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from patternwork.accounts.models import Membership
from patternwork.audit.services import record
from patternwork.clients.services import check_therapist
from patternwork.treatment import plan, scheduling, signals
from patternwork.treatment.models import Offer, WaitingEntry
from patternwork.treatment.services.courses import PlanValues, start_course
from patternwork.treatment.services.intake import assign_therapist

PRIORITY_NEEDS_REASON = "Give the reason for the priority."
NOT_WAITING = "This client is no longer on the waiting list."
OPEN_OFFER = "This client already has an open offer. Record its answer first."
OFFER_IN_PAST = "Offer a first session in the future."


def _audit(*, user, role: str, practice, obj, action: str, changes: dict) -> None:
    record(action=action, actor=user, actor_role=role, practice=practice, obj=obj, changes=changes)


def _lock_entry(entry: WaitingEntry) -> WaitingEntry:
    stored = WaitingEntry.objects.select_for_update().get(pk=entry.pk)
    if stored.left_at is not None:
        raise ValidationError(NOT_WAITING)
    return stored


def set_priority(
    *, entry: WaitingEntry, priority: bool, reason: str, actor: Membership
) -> WaitingEntry:
    """Raise (with a reason) or lower a waiting client's priority. Audited without the
    reason's text."""
    reason = reason.strip()
    if priority and not reason:
        raise ValidationError({"priority_reason": PRIORITY_NEEDS_REASON})
    with transaction.atomic():
        stored = _lock_entry(entry)
        old = stored.priority
        stored.priority = priority
        stored.priority_reason = reason if priority else ""
        stored.save(update_fields=["priority", "priority_reason", "updated_at"])
        _audit(
            user=actor.user,
            role=actor.role,
            practice=stored.practice,
            obj=stored,
            action="waiting.priority",
            changes={"priority": [old, priority], "reason": "[changed]"},
        )
    return stored


def make_offer(
    *,
    entry: WaitingEntry,
    therapist: Membership,
    starts_at: datetime,
    actor: Membership,
    now: datetime | None = None,
) -> Offer:
    """Offer a waiting client a start: the first session's time and the therapist.

    The client has the practice's offer window (`Practice.offer_window_days`) to answer,
    but no later than a day before the first session (plan.respond_by).

    Refused with nothing written: for a client no longer waiting, while another offer is
    open, for a time in the past, too soon to answer, or that clashes with the therapist's
    diary.
    """
    now = now or timezone.now()
    check_therapist(entry.practice, therapist)
    if starts_at <= now:
        raise ValidationError({"starts_at": OFFER_IN_PAST})
    try:
        deadline = plan.respond_by(
            now, starts_at, window=timedelta(days=entry.practice.offer_window_days)
        )
    except ValueError as error:
        raise ValidationError({"starts_at": str(error)}) from None
    with transaction.atomic():
        stored = _lock_entry(entry)
        if stored.offers.filter(status=Offer.Status.OPEN).exists():
            raise ValidationError(OPEN_OFFER)
        course = stored.course
        scheduling.check_clashes(
            practice=stored.practice,
            therapist_id=therapist.pk,
            slots=[(starts_at, scheduling.end_of(starts_at, course.session_minutes))],
        )
        offer = Offer.objects.create(
            practice_id=stored.practice_id,
            entry=stored,
            therapist=therapist,
            starts_at=starts_at,
            respond_by=deadline,
            made_by=actor,
        )
        _audit(
            user=actor.user,
            role=actor.role,
            practice=stored.practice,
            obj=offer,
            action="offer.make",
            changes={
                "starts_at": starts_at.isoformat(),
                "respond_by": deadline.isoformat(),
                "therapist": str(therapist.public_id),
            },
        )
        public_id = offer.public_id
        transaction.on_commit(lambda: signals.offer_made.send(Offer, offer_public_id=public_id))
    return offer


def _lapse(offer: Offer, *, user=None, role: str = "system") -> None:
    offer.status = Offer.Status.LAPSED
    offer.save(update_fields=["status", "updated_at"])
    _audit(
        user=user,
        role=role,
        practice=offer.practice,
        obj=offer,
        action="offer.lapse",
        changes={"status": [Offer.Status.OPEN, Offer.Status.LAPSED]},
    )
    public_id = offer.public_id
    transaction.on_commit(lambda: signals.offer_lapsed.send(Offer, offer_public_id=public_id))


def answer_offer(
    *,
    offer: Offer,
    accept: bool,
    user,
    role: str,
    now: datetime | None = None,
) -> Offer:
    """Record the client's answer, given on the portal (`role` "client") or to staff.

    Accepting starts the course at the offered time with the offered therapist (the
    course's therapist changes if the offer names another) and takes the client off the
    list; declining keeps them on it. An offer past its answer-by time lapses instead,
    and the answer is refused (OFFER_LAPSED).
    """
    now = now or timezone.now()
    with transaction.atomic():
        stored = Offer.objects.select_for_update().select_related("entry").get(pk=offer.pk)
        if stored.status != Offer.Status.OPEN:
            raise ValidationError(plan.OFFER_ANSWERED)
        if plan.has_lapsed(respond_by=stored.respond_by, now=now, answered=False):
            _lapse(stored, user=user, role=role)
        else:
            _settle(stored, accept=accept, user=user, role=role, now=now)
            return stored
    raise ValidationError(plan.OFFER_LAPSED)


def _settle(offer: Offer, *, accept: bool, user, role: str, now: datetime) -> None:
    offer.status = Offer.Status.ACCEPTED if accept else Offer.Status.DECLINED
    offer.answered_at = now
    offer.save(update_fields=["status", "answered_at", "updated_at"])
    _audit(
        user=user,
        role=role,
        practice=offer.practice,
        obj=offer,
        action="offer.answer",
        changes={"status": [Offer.Status.OPEN, offer.status]},
    )
    if not accept:
        return
    course = offer.entry.course
    # The course's therapist acts for the start when a client accepts on the portal.
    actor = offer.made_by
    if course.therapist_id != offer.therapist_id:
        assign_therapist(client=course.client, therapist=offer.therapist, assigned_by=actor)
        course.refresh_from_db()
    local = timezone.localtime(offer.starts_at, scheduling.zone(course.practice))
    start_course(
        course=course,
        values=PlanValues(
            planned_sessions=course.planned_sessions,
            cadence=course.cadence,
            session_minutes=course.session_minutes,
            start_date=local.date(),
            start_time=local.time().replace(tzinfo=None),
        ),
        actor=actor,
    )


def lapse_due_offers(*, now: datetime | None = None) -> int:
    """Lapse every open offer past its answer-by time; the worker runs this. Returns how
    many lapsed. Each lapse is audited and announced (offer_lapsed)."""
    now = now or timezone.now()
    count = 0
    due = Offer.objects.filter(status=Offer.Status.OPEN, respond_by__lte=now).values_list(
        "pk", flat=True
    )
    for pk in list(due):
        with transaction.atomic():
            offer = Offer.objects.select_for_update().get(pk=pk)
            if offer.status == Offer.Status.OPEN and plan.has_lapsed(
                respond_by=offer.respond_by, now=now, answered=False
            ):
                _lapse(offer)
                count += 1
    return count
