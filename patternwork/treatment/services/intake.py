"""Client intake and reassignment: a client record and its course move together.

Creating a client for a therapist, accepting a referral, and changing a client's
therapist all write a client record (through the clients app's services) and a course
(here), so they live in treatment, above both. Each is one transaction with one audit
event.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from patternwork.accounts.models import Membership, Practice
from patternwork.audit.services import record
from patternwork.clients import services as clients
from patternwork.clients.models import Client, Referral
from patternwork.core.concurrency import StaleEdit
from patternwork.treatment import scheduling
from patternwork.treatment.appointment_changes import appointments_changed
from patternwork.treatment.course_changes import course_changed
from patternwork.treatment.models import Appointment, Course

CLOSE_WITH_OPEN_COURSE = "End the client's open course before closing the record."
REASSIGN_CLASHES = (
    "{therapist} already has appointments at the times of {count} of this client's booked "
    "sessions. Move those sessions (or the other appointments) first, then assign again."
)


class ReassignmentClash(ValidationError):
    """Reassigning would double-book the new therapist. `appointments` are this course's
    booked appointments that clash; the messages name each clash."""

    def __init__(self, messages: list[str], appointments: list[Appointment]) -> None:
        super().__init__(messages)
        self.appointments = appointments


def _new_course(
    *, client: Client, therapist: Membership, referral: Referral | None = None
) -> Course:
    return Course.objects.create(
        practice=client.practice, client=client, therapist=therapist, referral=referral
    )


def create_client(
    *, practice: Practice, data: dict, therapist: Membership | None, created_by: Membership
) -> Client:
    """Create a numbered client record; with a therapist, open a course ("referred")."""
    with transaction.atomic():
        client = clients.build_client(practice=practice, data=data, therapist=therapist)
        changes = {}
        if therapist is not None:
            course = _new_course(client=client, therapist=therapist)
            changes = {
                "therapist": [None, str(therapist.public_id)],
                "course": [None, str(course.public_id)],
            }
        record(
            action="client.create",
            actor=created_by.user,
            actor_role=created_by.role,
            practice=practice,
            obj=client,
            changes=changes,
        )
    return client


def update_client(
    *,
    client: Client,
    data: dict,
    expected_version: int,
    changed_by: Membership,
    close_override_reason: str = "",
) -> Client:
    """Update the client record; a stale version (someone saved in between) raises StaleEdit.

    Closing the record is refused while a course is open, and while risk flags are
    unacknowledged unless close_override_reason says why.
    """
    with transaction.atomic():
        stored = Client.objects.select_for_update().get(pk=client.pk)
        if stored.version != expected_version:
            raise StaleEdit(current_version=stored.version)
        closing = data.get("status", stored.status) == Client.Status.CLOSED
        if closing and stored.courses.exclude(state=Course.State.ENDED).exists():
            raise ValidationError({"status": CLOSE_WITH_OPEN_COURSE})
        changes = clients.change_client(
            stored=stored, data=data, close_override_reason=close_override_reason
        )
        if changes:
            record(
                action="client.update",
                actor=changed_by.user,
                actor_role=changed_by.role,
                practice=stored.practice,
                obj=stored,
                changes=changes,
            )
        if set(changes) & {"email", "contact_by_email", "status"}:
            # Reminders follow the client's address and consent to email.
            for course in stored.courses.exclude(state=Course.State.ENDED):
                appointments_changed(course)
    return stored


def accept_referral(
    *, referral: Referral, therapist: Membership, client_data: dict, by: Membership
) -> Client:
    """Accept: create the client from the referral, assign the therapist, open a course."""
    with transaction.atomic():
        stored = clients.lock_open_referral(referral)
        data = {**clients.referral_client_data(stored), **client_data}
        client = clients.build_client(practice=stored.practice, data=data, therapist=therapist)
        course = _new_course(client=client, therapist=therapist, referral=stored)
        old = clients.settle_accepted_referral(referral=stored, client=client, by=by)
        changes = {
            "status": [old, stored.status],
            "client": [None, str(client.public_id)],
            "course": [None, str(course.public_id)],
            "therapist": [None, str(therapist.public_id)],
        }
        if client.external_id:
            changes["external_id"] = [None, client.external_id]
        record(
            action="referral.accepted",
            actor=by.user,
            actor_role=by.role,
            practice=stored.practice,
            obj=stored,
            changes=changes,
        )
    return client


def _move_open_course(course: Course, therapist: Membership) -> int:
    """Give the locked course and its future booked appointments to `therapist`.

    The same clash check as any booking: the new therapist's diary must have room for
    every moved appointment. Each moved appointment gets a higher SEQUENCE, so calendar
    apps replace the entry they hold. Returns how many moved.
    """
    practice = course.practice
    moving = list(
        course.appointments.filter(
            status=Appointment.Status.BOOKED, starts_at__gt=timezone.now()
        ).order_by("starts_at", "id")
    )
    clashing = scheduling.clashes_with(
        practice=practice,
        therapist_id=therapist.pk,
        slots=[(a.starts_at, a.ends_at) for a in moving],
        ignore=[a.pk for a in moving],
    )
    if clashing:
        ours = [moving[index] for index in sorted({index for index, _ in clashing})]
        raise ReassignmentClash(
            [
                REASSIGN_CLASHES.format(
                    therapist=therapist.user.full_name or therapist.user.email, count=len(ours)
                ),
                *(message for _, message in clashing),
            ],
            ours,
        )
    course.therapist = therapist
    course.version += 1
    course.save(update_fields=["therapist", "version", "updated_at"])
    for appointment in moving:
        appointment.therapist = therapist
        appointment.sequence += 1
        appointment.save(update_fields=["therapist", "sequence", "updated_at"])
    return len(moving)


def assign_therapist(*, client: Client, therapist: Membership, assigned_by: Membership) -> Client:
    """Assign (or reassign) the client's therapist, and with it the open course's.

    Takes the course lock like every scheduling write, refuses (naming each clash) if
    the new therapist is busy at any of the course's booked times, and writes one audit
    event for the client, the course and the moved appointments together.
    """
    clients.check_therapist(client.practice, therapist)
    with transaction.atomic():
        stored = Client.objects.select_for_update().select_related("practice").get(pk=client.pk)
        if stored.therapist_id == therapist.pk:
            return stored
        open_course = stored.courses.exclude(state=Course.State.ENDED).first()
        moved = 0
        if open_course is None:
            course = _new_course(client=stored, therapist=therapist)
        else:
            course = scheduling.lock_course(open_course)
            moved = _move_open_course(course, therapist)
            course_changed(course)
        old = clients.set_therapist(client=stored, therapist=therapist)
        record(
            action="client.assign_therapist",
            actor=assigned_by.user,
            actor_role=assigned_by.role,
            practice=stored.practice,
            obj=stored,
            changes={
                "therapist": [str(old.public_id) if old else None, str(therapist.public_id)],
                "course": str(course.public_id),
                "appointments_moved": moved,
            },
        )
    return stored
