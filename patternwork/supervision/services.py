"""Every write of supervision: sessions, actions, co-signing, the rubric and ratings.

Each service checks who may do it, writes in one transaction and records the audit event
in the same transaction. Note bodies and comments are never put in the audit record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from patternwork.accounts.access import record_scope
from patternwork.accounts.models import Membership, Practice
from patternwork.audit.services import MASKED, record
from patternwork.clients.models import Client
from patternwork.core import erasure
from patternwork.measures import tracking
from patternwork.measures.models import TrackFlag
from patternwork.supervision import rubric
from patternwork.supervision.models import (
    Cosignature,
    CosignSetting,
    ItemRating,
    Rubric,
    RubricItem,
    SessionRating,
    SupervisionAction,
    SupervisionSession,
)
from patternwork.supervision.selectors import supervises
from patternwork.treatment import plan
from patternwork.treatment.models import Appointment, SessionNote

NOT_SUPERVISOR = "Only the therapist's supervisor may do this."
NO_SUPERVISEES = "Choose at least one supervisee."
NOT_YOUR_SUPERVISEE = "Only your own supervisees can be supervised in a session you record."
CLIENT_OUT_OF_SCOPE = "A client discussed must be a client of one of the supervisees present."
FUTURE_SESSION = "A supervision session is recorded on or after the day it was held."
ACTION_OWNER_INVALID = "An action belongs to the supervisor or a supervisee of this session."
ACTION_CLIENT_INVALID = "An action's client must be one of the clients discussed."
EMPTY_ACTION = "Write what was agreed."
ACTION_DONE = "This action is already done."
NOT_ACTION_OWNER = "Only the action's owner or the supervisor may mark it done."
NOT_SIGNED = "Only a signed note can be co-signed."
ALREADY_COSIGNED = "This note is already co-signed."
OWN_NOTE = "A note is co-signed by a supervisor, not by its author."
SETTING_NOT_ALLOWED = "Only an admin or the therapist's supervisor may change this setting."
NOT_A_THERAPIST = "Co-signing applies to therapists."
NOT_RATABLE = "Only an attended treatment session can be rated."
ALREADY_RATED = "This session is already rated."
NO_RUBRIC = "The practice has no rating form yet."
ITEMS_MISSING = "Rate every item of the session's phase."
EMPTY_RUBRIC = "A rating form needs at least one item."
EMPTY_ITEM = "Every item needs its wording."
RUBRIC_CHANGED = "The rating form changed while you were editing it. Start again from the new one."


def _audit(actor: Membership, action: str, *, obj=None, practice=None, **changes) -> None:
    record(
        action=action,
        actor=actor.user,
        actor_role=actor.role,
        practice=practice or actor.practice,
        obj=obj,
        changes=changes,
    )


# Sessions and actions ----------------------------------------------------------------


def record_supervision(
    *,
    supervisor: Membership,
    held_on: dt.date,
    supervisees: Sequence[Membership],
    clients: Sequence[Client] = (),
    notes: str = "",
) -> SupervisionSession:
    """Record a supervision session (audited: who was supervised and which clients were
    discussed, never the notes)."""
    if supervisor.role != Membership.Role.SUPERVISOR:
        raise ValidationError(NOT_SUPERVISOR)
    if not supervisees:
        raise ValidationError({"supervisees": NO_SUPERVISEES})
    own = set(supervisor.supervisees.filter(is_active=True).values_list("pk", flat=True))
    if any(s.pk not in own for s in supervisees):
        raise ValidationError({"supervisees": NOT_YOUR_SUPERVISEE})
    present = {s.pk for s in supervisees} | {supervisor.pk}
    allowed = set(record_scope(supervisor) or ())
    if any(
        c.practice_id != supervisor.practice_id
        or c.therapist_id not in present
        or c.therapist_id not in allowed
        for c in clients
    ):
        raise ValidationError({"clients": CLIENT_OUT_OF_SCOPE})
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": FUTURE_SESSION})
    with transaction.atomic():
        session = SupervisionSession.objects.create(
            practice=supervisor.practice, supervisor=supervisor, held_on=held_on, notes=notes
        )
        session.supervisees.set(supervisees)
        session.clients.set(clients)
        _audit(
            supervisor,
            "supervision.record",
            obj=session,
            held_on=held_on.isoformat(),
            supervisees=sorted(str(s.public_id) for s in supervisees),
            clients=sorted(str(c.public_id) for c in clients),
            notes=MASKED if notes else "",
        )
        # A not-on-track flag of a client discussed here is linked to this session, so
        # the flag shows when and where it was talked through (it stays open until an
        # on-track score or an acknowledgement).
        for flag in TrackFlag.objects.open().filter(course__client__in=clients):
            tracking.mark_discussed(flag=flag, supervision_id=session.public_id, actor=supervisor)
    return session


def add_action(
    *,
    session: SupervisionSession,
    owner: Membership,
    text: str,
    due_on: dt.date,
    client: Client | None = None,
    actor: Membership,
) -> SupervisionAction:
    """Add an agreed action to a session (audited, without its text)."""
    if actor.pk != session.supervisor_id:
        raise ValidationError(NOT_SUPERVISOR)
    if not text.strip():
        raise ValidationError({"text": EMPTY_ACTION})
    if owner.pk != session.supervisor_id and not session.supervisees.filter(pk=owner.pk).exists():
        raise ValidationError({"owner": ACTION_OWNER_INVALID})
    if client is not None and not session.clients.filter(pk=client.pk).exists():
        raise ValidationError({"client": ACTION_CLIENT_INVALID})
    with transaction.atomic():
        action = SupervisionAction.objects.create(
            session=session, owner=owner, client=client, text=text.strip(), due_on=due_on
        )
        _audit(
            actor,
            "supervision.action_add",
            obj=action,
            session=str(session.public_id),
            owner=str(owner.public_id),
            due_on=due_on.isoformat(),
            text=MASKED,
        )
    return action


def complete_action(*, action: SupervisionAction, actor: Membership) -> SupervisionAction:
    """Mark an action done (audited); its owner or the session's supervisor may."""
    with transaction.atomic():
        action = (
            SupervisionAction.objects.select_for_update()
            .select_related("session")
            .get(pk=action.pk)
        )
        if actor.pk not in (action.owner_id, action.session.supervisor_id):
            raise ValidationError(NOT_ACTION_OWNER)
        if action.is_done:
            raise ValidationError(ACTION_DONE)
        action.done_at = timezone.now()
        action.done_by = actor
        action.save(update_fields=["done_at", "done_by", "updated_at"])
        _audit(actor, "supervision.action_done", obj=action, done_at=action.done_at.isoformat())
    return action


# Co-signing ------------------------------------------------------------------------


def set_cosign_required(
    *, therapist: Membership, required: bool, actor: Membership
) -> CosignSetting:
    """Turn on or off co-signing of a therapist's signed notes (audited).

    An admin of the practice or the therapist's supervisor may. Notes signed from the
    moment it is turned on wait for a co-signature.
    """
    if therapist.practice_id != actor.practice_id or therapist.role != Membership.Role.THERAPIST:
        raise ValidationError(NOT_A_THERAPIST)
    if not (actor.role == Membership.Role.ADMIN or supervises(actor, therapist.pk)):
        raise ValidationError(SETTING_NOT_ALLOWED)
    with transaction.atomic():
        setting, _created = CosignSetting.objects.select_for_update().get_or_create(
            therapist=therapist,
            defaults={"practice": therapist.practice, "required": False},
        )
        before = setting.required
        if before == required:
            return setting
        setting.required = required
        setting.since = timezone.now() if required else None
        setting.save(update_fields=["required", "since", "updated_at"])
        _audit(
            actor,
            "supervision.cosign_setting",
            obj=therapist,
            required=[before, required],
        )
    return setting


def cosign_note(*, note: SessionNote, actor: Membership) -> Cosignature:
    """Co-sign a signed session note (audited). Only the therapist's supervisor may."""
    with transaction.atomic():
        note = SessionNote.objects.select_for_update().select_related("course").get(pk=note.pk)
        if note.author_id == actor.pk:
            raise ValidationError(OWN_NOTE)
        if not supervises(actor, note.course.therapist_id):
            raise ValidationError(NOT_SUPERVISOR)
        if not note.is_signed:
            raise ValidationError(NOT_SIGNED)
        if Cosignature.objects.filter(note=note).exists():
            raise ValidationError(ALREADY_COSIGNED)
        cosignature = Cosignature.objects.create(
            practice_id=note.practice_id, note=note, supervisor=actor, signed_at=timezone.now()
        )
        _audit(
            actor,
            "note.cosign",
            obj=note,
            practice=note.practice,
            version=note.version,
            cosignature=str(cosignature.public_id),
        )
    return cosignature


# The rubric ------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemValues:
    domain: str
    text: str
    phases: tuple[str, ...]


def _create_rubric(
    practice: Practice,
    *,
    version: int,
    title: str,
    source: str,
    items: Iterable[ItemValues],
    by: Membership | None,
) -> Rubric:
    created = Rubric.objects.create(
        practice=practice,
        version=version,
        title=title,
        source=source,
        is_current=True,
        created_by=by,
    )
    RubricItem.objects.bulk_create(
        RubricItem(
            rubric=created,
            position=position,
            domain=item.domain,
            text=item.text,
            phases=rubric.encode_phases(item.phases),
        )
        for position, item in enumerate(items, start=1)
    )
    return created


def ensure_default_rubric(practice: Practice, *, by: Membership | None = None) -> None:
    """Give a practice without a rating form the default one (audited once)."""
    if Rubric.objects.filter(practice=practice).exists():
        return
    try:
        with transaction.atomic():
            created = _create_rubric(
                practice,
                version=1,
                title=rubric.DEFAULT_TITLE,
                source=rubric.SOURCE,
                items=[
                    ItemValues(spec.domain.value, spec.text, spec.phases)
                    for spec in rubric.DEFAULT_ITEMS
                ],
                by=by,
            )
            record(
                action="rubric.defaults",
                actor=by.user if by else None,
                actor_role=by.role if by else "",
                practice=practice,
                obj=created,
                changes={"items": len(rubric.DEFAULT_ITEMS)},
            )
    except IntegrityError:
        # Another request created it at the same moment: the form exists, as wanted.
        return


def revise_rubric(
    *,
    practice: Practice,
    expected_version: int,
    title: str,
    source: str,
    items: Sequence[ItemValues],
    actor: Membership,
) -> Rubric:
    """Save an edited rating form as a new version (audited); earlier ratings keep theirs.

    Supervisors and admins edit the practice's form.
    """
    if actor.role not in (Membership.Role.SUPERVISOR, Membership.Role.ADMIN):
        raise ValidationError(NOT_SUPERVISOR)
    if not items:
        raise ValidationError(EMPTY_RUBRIC)
    for item in items:
        if not item.text.strip():
            raise ValidationError(EMPTY_ITEM)
        if item.domain not in {d.value for d in rubric.Domain}:
            raise ValidationError(rubric.PHASE_INVALID)
        try:
            rubric.check_phases(item.phases)
        except ValueError as error:
            raise ValidationError(str(error)) from None
    with transaction.atomic():
        current = (
            Rubric.objects.select_for_update().filter(practice=practice, is_current=True).first()
        )
        if current is None or current.version != expected_version:
            raise ValidationError(RUBRIC_CHANGED)
        current.is_current = False
        current.save(update_fields=["is_current", "updated_at"])
        created = _create_rubric(
            practice,
            version=current.version + 1,
            title=title.strip() or current.title,
            source=source.strip(),
            items=[ItemValues(i.domain, i.text.strip(), tuple(i.phases)) for i in items],
            by=actor,
        )
        _audit(
            actor,
            "rubric.revise",
            obj=created,
            version=[current.version, created.version],
            items=len(items),
        )
    return created


# Ratings ---------------------------------------------------------------------------


def rating_phase(appointment: Appointment) -> str:
    return plan.phase_for(appointment.session_number, appointment.course.planned_sessions).value


def items_for_phase(form: Rubric, phase: str) -> list[RubricItem]:
    return [item for item in form.items.all() if rubric.applies_in(item.phases, phase)]


def rate_session(
    *,
    appointment: Appointment,
    scores: Mapping[int, tuple[int, int | None]],
    comment: str = "",
    actor: Membership,
) -> SessionRating:
    """Rate an attended session on the current rubric's items for its phase (audited).

    `scores` maps each item's id to (adherence frequency 0-3, competence 0-6 or None).
    Only the therapist's supervisor rates; the therapist then sees the rating.
    """
    course = appointment.course
    if not supervises(actor, course.therapist_id):
        raise ValidationError(NOT_SUPERVISOR)
    if (
        appointment.status != Appointment.Status.ATTENDED
        or appointment.kind != Appointment.Kind.TREATMENT
        or appointment.session_number is None
    ):
        raise ValidationError(NOT_RATABLE)
    form = (
        Rubric.objects.filter(practice_id=course.practice_id, is_current=True)
        .prefetch_related("items")
        .first()
    )
    if form is None:
        raise ValidationError(NO_RUBRIC)
    phase = rating_phase(appointment)
    items = items_for_phase(form, phase)
    if {item.pk for item in items} != set(scores):
        raise ValidationError(ITEMS_MISSING)
    for frequency, competence in scores.values():
        try:
            rubric.check_item_rating(frequency, competence)
        except ValueError as error:
            raise ValidationError(str(error)) from None
    with transaction.atomic():
        if SessionRating.objects.filter(appointment=appointment).exists():
            raise ValidationError(ALREADY_RATED)
        try:
            with transaction.atomic():
                rating = SessionRating.objects.create(
                    practice_id=course.practice_id,
                    appointment=appointment,
                    course=course,
                    therapist_id=course.therapist_id,
                    rater=actor,
                    rubric=form,
                    phase=phase,
                    comment=comment.strip(),
                )
        except IntegrityError:
            raise ValidationError(ALREADY_RATED) from None
        ItemRating.objects.bulk_create(
            ItemRating(rating=rating, item_id=item.pk, frequency=f, competence=c)
            for item in items
            for f, c in [scores[item.pk]]
        )
        _audit(
            actor,
            "session.rate",
            obj=rating,
            practice=course.practice,
            appointment=str(appointment.public_id),
            rubric_version=form.version,
            phase=phase,
            items=len(items),
            comment=MASKED if comment.strip() else "",
        )
    return rating


def erase_client_rows(*, client: Client) -> erasure.Erased:
    """Delete the supervision app's rows of the client's record, and their files after the commit.

    For the retention purge (`interop.retention.purge`), which calls each app's eraser,
    highest app first, inside one transaction and writes the record's audit stub there.
    """
    return erasure.erase_owned(client, app_label="supervision")
