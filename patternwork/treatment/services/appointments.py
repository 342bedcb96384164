"""Attendance, cancellations, moves, replacements and assessment appointments."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone

from patternwork.accounts.models import Membership
from patternwork.audit.services import record_row
from patternwork.core.prepared import PreparedRead, PreparedUpdate, field_names, instances
from patternwork.treatment import plan, scheduling
from patternwork.treatment.appointment_changes import appointments_changed
from patternwork.treatment.course_changes import course_changed
from patternwork.treatment.models import Appointment, Course
from patternwork.treatment.services.courses import COURSE_ENDED, NOT_STARTED

NOT_YET_HAPPENED = "This appointment is on {when}. Attendance can be recorded once it has started."
HAS_NOTE = "This session has a note, so it stays attended. Amend the note instead."
CANCEL_NEEDS_REASON = "Give the reason for the cancellation."
ONLY_BOOKED = "Only a booked appointment can be {verb}."
CANCELLED_BY = {
    "client": Appointment.Status.CANCELLED_CLIENT,
    "therapist": Appointment.Status.CANCELLED_THERAPIST,
}
SCOPE_SINGLE = "single"
SCOPE_FOLLOWING = "following"
NOTHING_TO_FOLLOW = "The course has no treatment appointments yet: start it first."
NO_REPLACEMENT_NEEDED = "The course already has enough appointments booked to reach its plan."
BAD_MINUTES = f"Length must be {plan.MIN_SESSION_MINUTES}-{plan.MAX_SESSION_MINUTES} minutes."
PAST_OUTCOME_REQUIRED = "Say whether the client attended or did not attend."
PAST_KIND_REQUIRED = "Say whether it was a treatment session or an assessment."
PAST_OUTCOMES = (Appointment.Status.ATTENDED, Appointment.Status.DNA)


def _naive_local(moment: datetime, zone) -> datetime:
    return moment.astimezone(zone).replace(tzinfo=None)


# One appointment's row: a prepared read (built once; every recorded outcome runs it).
_appointment_row = PreparedRead(
    lambda pk: Appointment.objects.filter(pk=pk).order_by().values_list(*field_names(Appointment)),
    int,
)


# What `appointment.save(update_fields=...)` writes for an outcome, its SQL written once
# (Appointment has no save() of its own and no signal receivers).
_save_outcome = PreparedUpdate(
    Appointment,
    ("status", "status_reason", "status_changed_at", "session_number", "updated_at"),
    "id",
)


def _lock(
    appointment: Appointment, *, note: bool = True, dates: bool = False, client: bool = True
) -> tuple[Course, Appointment]:
    course = scheduling.lock_course(appointment.course_id, dates=dates, client=client)
    if note:
        locked = Appointment.objects.select_related("note").get(pk=appointment.pk)
    else:
        # The session's note is read only if it is asked for.
        found = instances(Appointment, _appointment_row(appointment.pk))
        if not found:
            raise Appointment.DoesNotExist("Appointment matching query does not exist.")
        locked = found[0]
    # The locked course (with its practice and client) rides along with the appointment.
    locked.course = course
    return course, locked


def _audit(actor: Membership, course: Course, appointment: Appointment, action: str, changes: dict):
    record_row(
        action=action,
        actor=actor.user,
        actor_role=actor.role,
        practice=course.practice,
        obj=appointment,
        changes=changes,
    )


def _set_outcome(
    *,
    appointment: Appointment,
    status: str,
    reason: str,
    actor: Membership,
    action: str,
    savepoint: bool = True,
) -> Appointment:
    with transaction.atomic(savepoint=savepoint):
        # The referral's date comes with the lock, for the date rules and the outcome
        # summary that follows in this transaction. The note is read only when an
        # attended session is being set to another outcome. Nothing here (nor in the
        # summary, nor in the questionnaires recorded with an attendance) looks at the
        # client beyond its id, so its row is locked without its columns being read.
        course, appointment = _lock(appointment, note=False, dates=True, client=False)
        if course.state == Course.State.ENDED and appointment.status == Appointment.Status.BOOKED:
            raise ValidationError(COURSE_ENDED)
        now = timezone.now()
        if appointment.starts_at > now:
            when = formats.date_format(
                appointment.starts_at.astimezone(scheduling.zone(course.practice)), "j F Y, H:i"
            )
            raise ValidationError(NOT_YET_HAPPENED.format(when=when))
        # A session dated outside its course (imported, or written before the rules) gets
        # no outcome until its date is put right: its attendance would enter the figures.
        scheduling.check_dates(course, moments=[appointment.starts_at])
        if (
            appointment.status == Appointment.Status.ATTENDED
            and status != Appointment.Status.ATTENDED
            and hasattr(appointment, "note")
        ):
            raise ValidationError(HAS_NOTE)
        old = appointment.status
        if old == status:
            return appointment
        appointment.status = status
        appointment.status_reason = reason
        appointment.status_changed_at = now
        if status != Appointment.Status.ATTENDED:
            # Only attended sessions carry a number.
            appointment.session_number = None
        # Numbered with its new status before it is saved, so its number goes in the same
        # UPDATE as its status; the course's other sessions are renumbered there if needed.
        scheduling.renumber(course, pending=appointment)
        appointment.updated_at = now
        _save_outcome(
            appointment.pk,
            {
                "status": appointment.status,
                "status_reason": appointment.status_reason,
                "status_changed_at": now,
                "session_number": appointment.session_number,
                "updated_at": now,
            },
        )
        course_changed(course)
        _audit(actor, course, appointment, action, {"status": [old, status]})
    return appointment


def mark_attended(
    *, appointment: Appointment, actor: Membership, savepoint: bool = True
) -> Appointment:
    """Record that the client came. Treatment sessions then count towards n.

    The appointment returned was read under the course's lock and carries that course.
    Inside a caller's transaction, `savepoint=False` skips the savepoint (two statements)
    for a caller that lets any error from here end its whole transaction.
    """
    return _set_outcome(
        appointment=appointment,
        status=Appointment.Status.ATTENDED,
        reason="",
        actor=actor,
        action="appointment.attended",
        savepoint=savepoint,
    )


def mark_did_not_attend(*, appointment: Appointment, actor: Membership) -> Appointment:
    """Record a missed appointment: n does not change and the end date moves on."""
    return _set_outcome(
        appointment=appointment,
        status=Appointment.Status.DNA,
        reason="",
        actor=actor,
        action="appointment.did_not_attend",
    )


def cancel_appointment(
    *, appointment: Appointment, by: str, reason: str, actor: Membership
) -> Appointment:
    """Cancel a booked appointment on behalf of the client or the therapist, with a reason."""
    if by not in CANCELLED_BY:
        raise ValidationError({"by": "Say who cancelled."})
    if not reason.strip():
        raise ValidationError({"reason": CANCEL_NEEDS_REASON})
    with transaction.atomic():
        course, appointment = _lock(appointment)
        if appointment.status != Appointment.Status.BOOKED:
            raise ValidationError(ONLY_BOOKED.format(verb="cancelled"))
        old = appointment.status
        appointment.status = CANCELLED_BY[by]
        appointment.status_reason = reason.strip()
        appointment.status_changed_at = timezone.now()
        appointment.sequence += 1
        appointment.save(
            update_fields=["status", "status_reason", "status_changed_at", "sequence", "updated_at"]
        )
        appointments_changed(course)
        _audit(
            actor, course, appointment, "appointment.cancel", {"status": [old, appointment.status]}
        )
    return appointment


def move_appointment(
    *, appointment: Appointment, new_start: datetime, scope: str, actor: Membership
) -> list[Appointment]:
    """Move one booked appointment, or it and all the course's later booked ones.

    Each moved appointment keeps its identity (calendar UID) and gets a higher SEQUENCE.
    """
    if scope not in {SCOPE_SINGLE, SCOPE_FOLLOWING}:
        raise ValidationError({"scope": "Choose this appointment or this and all following."})
    if timezone.is_naive(new_start):
        raise ValueError("new_start must be aware")
    with transaction.atomic():
        course, appointment = _lock(appointment)
        if course.state == Course.State.ENDED:
            raise ValidationError(COURSE_ENDED)
        if appointment.status != Appointment.Status.BOOKED:
            raise ValidationError(ONLY_BOOKED.format(verb="moved"))
        # Moving is for planning. A session that took place at another time is recorded
        # as a past session, so its outcome is stated and audited rather than implied.
        if plan.booking_in_past(start=new_start, now=timezone.now()):
            raise ValidationError({"date": plan.BOOKING_IN_PAST})
        zone = scheduling.zone(course.practice)
        # A wall-clock shift: 10:00 stays 10:00 on every moved date, across daylight saving.
        delta = _naive_local(new_start, zone) - _naive_local(appointment.starts_at, zone)
        moving = [appointment]
        if scope == SCOPE_FOLLOWING:
            moving += list(
                course.appointments.filter(
                    status=Appointment.Status.BOOKED, starts_at__gt=appointment.starts_at
                ).order_by("starts_at")
            )
        planned = []
        for item in moving:
            start = (_naive_local(item.starts_at, zone) + delta).replace(tzinfo=zone)
            planned.append((item, start, scheduling.end_of(start, item.duration_minutes)))
        scheduling.check_dates(course, moments=[start for _, start, _ in planned], field="date")
        scheduling.check_not_closed(course.practice, [start for _, start, _ in planned])
        scheduling.check_clashes(
            practice=course.practice,
            therapist_id=appointment.therapist_id,
            slots=[(start, end) for _, start, end in planned],
            ignore=[item.pk for item in moving],
        )
        for item, start, end in planned:
            item.starts_at, item.ends_at = start, end
            item.sequence += 1
            item.save(update_fields=["starts_at", "ends_at", "sequence", "updated_at"])
        scheduling.renumber(course)
        course_changed(course)
        appointments_changed(course)
        _audit(
            actor,
            course,
            appointment,
            "appointment.move",
            {
                "scope": scope,
                "moved": len(moving),
                "shift_minutes": int(delta.total_seconds() // 60),
            },
        )
    return moving


def add_replacement(*, course: Course, actor: Membership) -> Appointment:
    """Book one appointment at the next cadence slot after the course's last one.

    Offered when cancellations or missed sessions leave too few bookings to reach N.
    """
    with transaction.atomic():
        course = scheduling.lock_course(course)
        if course.state != Course.State.ACTIVE:
            raise ValidationError(COURSE_ENDED)
        practice = course.practice
        treatment = list(
            course.appointments.filter(kind=Appointment.Kind.TREATMENT).order_by("starts_at")
        )
        if not treatment:
            raise ValidationError(NOTHING_TO_FOLLOW)
        attended = sum(1 for a in treatment if a.status == Appointment.Status.ATTENDED)
        booked = [
            scheduling.local_date(practice, a.starts_at)
            for a in treatment
            if a.status == Appointment.Status.BOOKED
        ]
        latest = scheduling.local_date(practice, treatment[-1].starts_at) if treatment else None
        projection = plan.project_course(
            planned=course.planned_sessions,
            attended=attended,
            booked=booked,
            cadence=course.cadence,
            closures=scheduling.closures(practice),
            latest=latest,
            last_attended=latest,
            today=scheduling.today(practice),
        )
        if projection.shortfall == 0:
            raise ValidationError(NO_REPLACEMENT_NEEDED)
        start = scheduling.local_start(practice, projection.replacement_dates[0], course.start_time)
        end = scheduling.end_of(start, course.session_minutes)
        scheduling.check_dates(course, moments=[start])
        scheduling.check_clashes(
            practice=practice, therapist_id=course.therapist_id, slots=[(start, end)]
        )
        appointment = Appointment.objects.create(
            practice=practice,
            course=course,
            therapist_id=course.therapist_id,
            starts_at=start,
            ends_at=end,
        )
        appointments_changed(course)
        _audit(
            actor,
            course,
            appointment,
            "appointment.add_replacement",
            {"starts_at": [None, start.isoformat()]},
        )
    return appointment


def book_session(*, course: Course, start: datetime, actor: Membership) -> Appointment:
    """Book one treatment session of a started course at a chosen time.

    For bookings that do not follow the plan's rhythm (a course that moved in with its
    own diary). The same checks as any booking: the course is active, the time is still
    to come, within the course's dates, not on a closure day, and clear of the
    therapist's other appointments. The session lasts the course's session length.
    Audited as `appointment.book`.
    """
    if timezone.is_naive(start):
        raise ValueError("start must be aware")
    with transaction.atomic():
        course = scheduling.lock_course(course)
        if course.state != Course.State.ACTIVE:
            raise ValidationError(
                COURSE_ENDED if course.state == Course.State.ENDED else NOT_STARTED
            )
        if plan.booking_in_past(start=start, now=timezone.now()):
            raise ValidationError({"date": plan.BOOKING_IN_PAST})
        scheduling.check_dates(course, moments=[start], field="date")
        end = scheduling.end_of(start, course.session_minutes)
        scheduling.check_not_closed(course.practice, [start])
        scheduling.check_clashes(
            practice=course.practice, therapist_id=course.therapist_id, slots=[(start, end)]
        )
        appointment = Appointment.objects.create(
            practice=course.practice,
            course=course,
            therapist_id=course.therapist_id,
            kind=Appointment.Kind.TREATMENT,
            starts_at=start,
            ends_at=end,
        )
        course_changed(course)
        appointments_changed(course)
        _audit(
            actor, course, appointment, "appointment.book", {"starts_at": [None, start.isoformat()]}
        )
    return appointment


def book_assessment(
    *, course: Course, start: datetime, minutes: int, actor: Membership
) -> Appointment:
    """Book an assessment appointment (it does not count towards n)."""
    if not plan.MIN_SESSION_MINUTES <= minutes <= plan.MAX_SESSION_MINUTES:
        raise ValidationError({"minutes": BAD_MINUTES})
    with transaction.atomic():
        course = scheduling.lock_course(course)
        if course.state == Course.State.ENDED:
            raise ValidationError(COURSE_ENDED)
        if plan.booking_in_past(start=start, now=timezone.now()):
            raise ValidationError({"date": plan.BOOKING_IN_PAST})
        scheduling.check_dates(course, moments=[start], field="date")
        end = scheduling.end_of(start, minutes)
        scheduling.check_not_closed(course.practice, [start])
        scheduling.check_clashes(
            practice=course.practice, therapist_id=course.therapist_id, slots=[(start, end)]
        )
        appointment = Appointment.objects.create(
            practice=course.practice,
            course=course,
            therapist_id=course.therapist_id,
            kind=Appointment.Kind.ASSESSMENT,
            starts_at=start,
            ends_at=end,
        )
        changes = {"starts_at": [None, start.isoformat()]}
        if course.state == Course.State.REFERRED:
            course.state = Course.State.ASSESSMENT
            course.version += 1
            course.save(update_fields=["state", "version", "updated_at"])
            changes["course_state"] = [Course.State.REFERRED, Course.State.ASSESSMENT]
        appointments_changed(course)
        _audit(actor, course, appointment, "appointment.book_assessment", changes)
    return appointment


def record_past_session(
    *,
    course: Course,
    start: datetime,
    minutes: int,
    status: str,
    actor: Membership,
    kind: str = Appointment.Kind.TREATMENT,
) -> Appointment:
    """Record a session that already took place, and whether the client came, in one step.

    The way to enter history the normal booking path refuses: a session that was never
    booked here, or happened at another time than booked. It must have started by now,
    fall on or after the day the referral was received and on or before the day the
    course ended; it must not overlap the therapist's other sessions. Closure days are
    not checked: they govern what is offered, and this records what happened. A
    treatment session needs a started course. Attended treatment sessions are numbered
    again in time order, so one recorded between others takes its place in the count and
    later ones move up (the numbers are derived, and phases follow them). Audited as
    `appointment.record_past`, with how many other sessions were renumbered.
    """
    if status not in PAST_OUTCOMES:
        raise ValidationError({"status": PAST_OUTCOME_REQUIRED})
    if kind not in Appointment.Kind.values:
        raise ValidationError({"kind": PAST_KIND_REQUIRED})
    if not plan.MIN_SESSION_MINUTES <= minutes <= plan.MAX_SESSION_MINUTES:
        raise ValidationError({"minutes": BAD_MINUTES})
    if timezone.is_naive(start):
        raise ValueError("start must be aware")
    with transaction.atomic():
        course = scheduling.lock_course(course)
        now = timezone.now()
        if plan.past_session_in_future(start=start, now=now):
            raise ValidationError({"date": plan.PAST_SESSION_IN_FUTURE})
        if kind == Appointment.Kind.TREATMENT and course.state not in (
            Course.State.ACTIVE,
            Course.State.ENDED,
        ):
            raise ValidationError(NOT_STARTED)
        scheduling.check_dates(course, moments=[start], field="date")
        end = scheduling.end_of(start, minutes)
        scheduling.check_clashes(
            practice=course.practice, therapist_id=course.therapist_id, slots=[(start, end)]
        )
        appointment = Appointment.objects.create(
            practice=course.practice,
            course=course,
            therapist_id=course.therapist_id,
            kind=kind,
            starts_at=start,
            ends_at=end,
            status=status,
            status_changed_at=now,
        )
        changes = {
            "kind": kind,
            "starts_at": [None, start.isoformat()],
            "status": [None, status],
        }
        if course.state == Course.State.REFERRED:
            course.state = Course.State.ASSESSMENT
            course.version += 1
            course.save(update_fields=["state", "version", "updated_at"])
            changes["course_state"] = [Course.State.REFERRED, Course.State.ASSESSMENT]
        renumbered = [a for a in scheduling.renumber(course) if a.pk != appointment.pk]
        changes["renumbered"] = len(renumbered)
        course_changed(course)
        appointment.refresh_from_db(fields=["session_number"])
        _audit(actor, course, appointment, "appointment.record_past", changes)
    return appointment
