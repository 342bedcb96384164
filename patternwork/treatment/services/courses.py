"""Starting, re-planning and ending a course."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from patternwork.accounts.models import Membership
from patternwork.audit.services import record
from patternwork.core.concurrency import StaleEdit
from patternwork.treatment import plan, scheduling
from patternwork.treatment.appointment_changes import appointments_changed
from patternwork.treatment.course_changes import course_changed
from patternwork.treatment.models import Appointment, Course, WaitingEntry

COURSE_ENDED = "This course has ended; nothing more can be scheduled in it."
ALREADY_STARTED = "This course has already started. Change its plan instead."
END_NEEDS_REASON = "Choose why the course is ending."
NOT_STARTED = "Start the course first."
END_WITH_OPEN_FLAGS = (
    "This course has risk answers that no clinician has acknowledged. Acknowledge them "
    "first, or give your reason for ending the course with them open."
)
PLAN_CHANGE_REASON = "Plan changed"


@dataclass(frozen=True)
class PlanValues:
    """What the therapist may set: the plan module validates it."""

    planned_sessions: int
    cadence: str
    session_minutes: int
    start_date: object
    start_time: object
    letter_share_session: int | None = None

    def settings(self) -> plan.PlanSettings:
        try:
            return plan.PlanSettings(
                planned_sessions=self.planned_sessions,
                cadence=self.cadence,
                session_minutes=self.session_minutes,
                start_date=self.start_date,
                start_time=self.start_time,
            )
        except plan.PlanSettingsError as error:
            raise ValidationError(error.problems) from None


def _check_letter_session(values: PlanValues) -> None:
    session = values.letter_share_session
    if session is not None and not plan.whole_between(session, 1, values.planned_sessions):
        raise ValidationError({"letter_share_session": plan.LETTER_SESSION_INVALID})


def _generate(practice, *, first, count: int, cadence: str, at: time, minutes: int):
    try:
        days = plan.generate_dates(
            first=first, count=count, cadence=cadence, closures=scheduling.closures(practice)
        )
    except plan.ClosureError as error:
        raise ValidationError(str(error)) from None
    starts = [scheduling.local_start(practice, day, at) for day in days]
    return [(start, scheduling.end_of(start, minutes)) for start in starts]


def _activate(course: Course, settings, values: PlanValues) -> None:
    """Give a locked course its plan and make it active: the step every start shares."""
    course.state = Course.State.ACTIVE
    course.planned_sessions = settings.planned_sessions
    course.cadence = settings.cadence.value
    course.session_minutes = settings.session_minutes
    course.start_date = settings.start_date
    course.start_time = settings.start_time
    course.letter_share_session = values.letter_share_session
    course.started_at = timezone.now()
    course.version += 1
    # No full_clean: every value set here was checked by PlanSettings and
    # _check_letter_session (each bad input gets its message there), the state is a
    # fixed valid one, and the rest of the row is unchanged. Django would validate each
    # check constraint and foreign key with its own query; the database enforces them.
    course.save()
    course_changed(course)
    appointments_changed(course)


def start_course(*, course: Course, values: PlanValues, actor: Membership) -> Course:
    """Start treatment: set the plan and book its appointments at the cadence.

    Closure days are skipped; a clash with the therapist's other appointments refuses
    the whole plan with a message naming each clash.
    """
    settings = values.settings()
    _check_letter_session(values)
    with transaction.atomic():
        course = scheduling.lock_course(course)
        if course.state == Course.State.ENDED:
            raise ValidationError(COURSE_ENDED)
        if course.state == Course.State.ACTIVE:
            raise ValidationError(ALREADY_STARTED)
        # Every generated session follows the start date, so checking it checks them all.
        scheduling.check_dates(course, start=settings.start_date, field="start_date")
        slots = _generate(
            course.practice,
            first=settings.start_date,
            count=settings.planned_sessions,
            cadence=settings.cadence,
            at=settings.start_time,
            minutes=settings.session_minutes,
        )
        scheduling.check_clashes(
            practice=course.practice, therapist_id=course.therapist_id, slots=slots
        )
        Appointment.objects.bulk_create(
            Appointment(
                practice=course.practice,
                course=course,
                therapist_id=course.therapist_id,
                kind=Appointment.Kind.TREATMENT,
                starts_at=start,
                ends_at=end,
            )
            for start, end in slots
        )
        old_state = course.state
        _activate(course, settings, values)
        # A started course's client no longer waits, however the start was reached.
        left_list = course.waiting_entries.filter(left_at__isnull=True).update(
            left_at=timezone.now(), outcome=WaitingEntry.Outcome.STARTED
        )
        record(
            action="course.start",
            actor=actor.user,
            actor_role=actor.role,
            practice=course.practice,
            obj=course,
            changes={
                "state": [old_state, course.state],
                "planned_sessions": [None, course.planned_sessions],
                "cadence": [None, course.cadence],
                "session_minutes": [None, course.session_minutes],
                "start": [None, f"{course.start_date} {course.start_time:%H:%M}"],
                "appointments_booked": len(slots),
                "left_waiting_list": bool(left_list),
            },
        )
    return course


def start_course_in_progress(*, course: Course, values: PlanValues, actor: Membership) -> Course:
    """Start a course already under way at another service, without booking its plan.

    A client who moves in mid-course brings sessions that took place elsewhere and
    bookings of their own, so none are generated here: the plan is set and the course
    made active, and its sessions follow through `record_past_session` (those held) and
    `book_session` (those to come). values.start_date is its first session; the date
    rules apply to it as to any start. Audited as `course.start_in_progress`.
    """
    settings = values.settings()
    _check_letter_session(values)
    with transaction.atomic():
        course = scheduling.lock_course(course)
        if course.state == Course.State.ENDED:
            raise ValidationError(COURSE_ENDED)
        if course.state == Course.State.ACTIVE:
            raise ValidationError(ALREADY_STARTED)
        scheduling.check_dates(course, start=settings.start_date, field="start_date")
        old_state = course.state
        _activate(course, settings, values)
        record(
            action="course.start_in_progress",
            actor=actor.user,
            actor_role=actor.role,
            practice=course.practice,
            obj=course,
            changes={
                "state": [old_state, course.state],
                "planned_sessions": [None, course.planned_sessions],
                "cadence": [None, course.cadence],
                "session_minutes": [None, course.session_minutes],
                "start": [None, f"{course.start_date} {course.start_time:%H:%M}"],
            },
        )
    return course


def change_plan(
    *, course: Course, values: PlanValues, expected_version: int, actor: Membership
) -> Course:
    """Change sessions, cadence, length or time; regenerate future appointments only.

    Past appointments are never touched. Future booked ones are kept and moved in
    order (a changed one keeps its UID and gets a higher SEQUENCE), surplus ones are
    removed, and missing ones are added.
    """
    settings = values.settings()
    _check_letter_session(values)
    with transaction.atomic():
        course = scheduling.lock_course(course)
        if course.version != expected_version:
            raise StaleEdit(current_version=course.version)
        if course.state != Course.State.ACTIVE:
            raise ValidationError(
                COURSE_ENDED if course.state == Course.State.ENDED else NOT_STARTED
            )
        practice = course.practice
        now = timezone.now()
        today = scheduling.today(practice)
        treatment = course.appointments.filter(kind=Appointment.Kind.TREATMENT)
        past = list(treatment.filter(starts_at__lte=now).order_by("starts_at"))
        future = list(scheduling.future_booked(course, now))
        attended = sum(1 for a in past if a.status == Appointment.Status.ATTENDED)
        unmarked = sum(1 for a in past if a.status == Appointment.Status.BOOKED)
        # The series keeps its rhythm from the next booked appointment.
        first_future = scheduling.local_date(practice, future[0].starts_at) if future else None
        last_past = scheduling.local_date(practice, past[-1].starts_at) if past else None
        try:
            days = plan.regenerate_future(
                settings=settings,
                attended=attended,
                unmarked=unmarked,
                first_future=first_future,
                last_past=last_past,
                today=today,
                closures=scheduling.closures(practice),
            )
        except plan.ClosureError as error:
            raise ValidationError(str(error)) from None
        starts = [scheduling.local_start(practice, day, settings.start_time) for day in days]
        slots = [(start, scheduling.end_of(start, settings.session_minutes)) for start in starts]
        scheduling.check_dates(course, moments=starts)
        scheduling.check_clashes(
            practice=practice,
            therapist_id=course.therapist_id,
            slots=slots,
            ignore=[a.pk for a in future],
        )
        moved = 0
        for appointment, (start, end) in zip(future, slots, strict=False):
            if (appointment.starts_at, appointment.ends_at) != (start, end):
                appointment.starts_at, appointment.ends_at = start, end
                appointment.sequence += 1
                appointment.save(update_fields=["starts_at", "ends_at", "sequence", "updated_at"])
                moved += 1
        surplus = future[len(slots) :]
        Appointment.objects.filter(pk__in=[a.pk for a in surplus]).delete()
        added = slots[len(future) :]
        Appointment.objects.bulk_create(
            Appointment(
                practice=practice,
                course=course,
                therapist_id=course.therapist_id,
                starts_at=start,
                ends_at=end,
            )
            for start, end in added
        )
        before = {
            "planned_sessions": course.planned_sessions,
            "cadence": course.cadence,
            "session_minutes": course.session_minutes,
            "start_time": course.start_time.strftime("%H:%M") if course.start_time else None,
            "letter_share_session": course.letter_share_session,
        }
        course.planned_sessions = settings.planned_sessions
        course.cadence = settings.cadence.value
        course.session_minutes = settings.session_minutes
        course.start_time = settings.start_time
        course.letter_share_session = values.letter_share_session
        course.version += 1
        # As in _activate: the plan values were checked above, so no full_clean queries.
        course.save()
        after = {
            "planned_sessions": course.planned_sessions,
            "cadence": course.cadence,
            "session_minutes": course.session_minutes,
            "start_time": course.start_time.strftime("%H:%M"),
            "letter_share_session": course.letter_share_session,
        }
        changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
        changes["appointments"] = {"moved": moved, "removed": len(surplus), "added": len(added)}
        appointments_changed(course)
        record(
            action="course.plan_change",
            actor=actor.user,
            actor_role=actor.role,
            practice=practice,
            obj=course,
            changes=changes,
        )
    return course


def end_course(
    *, course: Course, reason: str, note: str, actor: Membership, override_reason: str = ""
) -> Course:
    """End the course with a reason; cancel its future booked appointments.

    A course with open risk flags ends only with an override reason. The reason and the
    number of flags it overrode are kept on the course (the supervisor's oversight page
    lists them) and in the audit event; a reason given when no flag is open is not kept.
    """
    if reason not in Course.EndReason.values:
        raise ValidationError({"reason": END_NEEDS_REASON})
    override_reason = override_reason.strip()
    with transaction.atomic():
        course = scheduling.lock_course(course)
        if course.state == Course.State.ENDED:
            raise ValidationError(COURSE_ENDED)
        open_flags = course.risk_flags.open().count()
        if open_flags and not override_reason:
            raise ValidationError(
                {"override_reason": ValidationError(END_WITH_OPEN_FLAGS, code="open_risk_flags")}
            )
        close_course(
            course=course,
            reason=reason,
            note=note,
            actor=actor,
            open_flags=open_flags,
            override_reason=override_reason,
        )
    return course


def close_course(
    *,
    course: Course,
    reason: str,
    note: str,
    actor: Membership,
    open_flags: int = 0,
    override_reason: str = "",
) -> Course:
    """The ending itself, for a course already locked and checked inside the caller's
    transaction (end_course; the assessment decision that does not offer DIT): cancel
    the future booked appointments, set the state and reason, audit "course.end"."""
    now = timezone.now()
    future = course.appointments.filter(status=Appointment.Status.BOOKED, starts_at__gt=now)
    cancelled = 0
    for appointment in future:
        appointment.status = Appointment.Status.CANCELLED_THERAPIST
        appointment.status_reason = f"Course ended ({Course.EndReason(reason).label.lower()})"
        appointment.status_changed_at = now
        appointment.sequence += 1
        appointment.save(
            update_fields=[
                "status",
                "status_reason",
                "status_changed_at",
                "sequence",
                "updated_at",
            ]
        )
        cancelled += 1
    old_state = course.state
    course.state = Course.State.ENDED
    course.end_reason = reason
    course.end_note = note
    course.end_override_flags = open_flags
    course.end_override_reason = override_reason if open_flags else ""
    course.ended_at = now
    course.version += 1
    course.save()
    course_changed(course)
    appointments_changed(course)
    changes = {
        "state": [old_state, course.state],
        "end_reason": [None, reason],
        "end_note": "[changed]" if note else None,
        "future_appointments_cancelled": cancelled,
    }
    if open_flags:
        changes["open_risk_flags_overridden"] = open_flags
        changes["end_override_reason"] = "[changed]"
    record(
        action="course.end",
        actor=actor.user,
        actor_role=actor.role,
        practice=course.practice,
        obj=course,
        changes=changes,
    )
    return course
