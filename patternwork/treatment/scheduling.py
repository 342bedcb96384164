"""Shared scheduling helpers: local time, closures, clashes, session numbers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db.models import Case, OuterRef, Subquery, Value, When
from django.utils import formats, timezone

from patternwork.accounts.models import ClosureDay, Practice
from patternwork.clients.models import Client, Referral
from patternwork.core.prepared import PreparedRead, field_names
from patternwork.treatment import plan
from patternwork.treatment.models import Appointment, Course

CLASH = "{when} clashes with {other}. Choose another time or move that appointment first."
CLOSED_DAY = "{day} is a practice closure day ({label})."
ACTIVE_STATUSES = (Appointment.Status.BOOKED, Appointment.Status.ATTENDED)


def zone(practice: Practice) -> ZoneInfo:
    return ZoneInfo(practice.time_zone)


def local_start(practice: Practice, day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=zone(practice))


def local_date(practice: Practice, moment: datetime) -> date:
    return moment.astimezone(zone(practice)).date()


def today(practice: Practice) -> date:
    return local_date(practice, timezone.now())


_CLOSURES = PreparedRead(
    lambda practice_id: ClosureDay.objects.filter(practice_id=practice_id).values_list(
        "date", "label"
    ),
    int,
)


def closures(practice: Practice) -> dict[date, str]:
    return dict(_CLOSURES(practice.pk))


def describe_slot(practice: Practice, start: datetime, end: datetime) -> str:
    local = start.astimezone(zone(practice))
    finish = end.astimezone(zone(practice))
    return f"{formats.date_format(local, 'D j M Y')} {local:%H:%M}-{finish:%H:%M}"


# A therapist's booked and attended appointments that overlap a span of time (a prepared
# read: every booking, move and recorded session runs it). The appointments a caller
# leaves out are left out of its rows, so that the read keeps one shape.
_ACTIVE_BETWEEN = PreparedRead(
    lambda therapist_id, last, first: Appointment.objects.filter(
        therapist_id=therapist_id,
        status__in=ACTIVE_STATUSES,
        starts_at__lt=last,
        ends_at__gt=first,
    ).values_list("pk", "starts_at", "ends_at"),
    int,
    datetime,
    datetime,
)


def clashes_with(
    *,
    practice: Practice,
    therapist_id: int,
    slots: Sequence[tuple[datetime, datetime]],
    ignore: Iterable[int] = (),
) -> list[tuple[int, str]]:
    """The slots that overlap the therapist's booked or attended appointments.

    Each clash is (index of the slot in `slots`, a message naming both appointments).
    """
    if not slots:
        return []
    first = min(start for start, _ in slots)
    last = max(end for _, end in slots)
    ignored = set(ignore)
    existing = [row for row in _ACTIVE_BETWEEN(therapist_id, last, first) if row[0] not in ignored]
    candidates = [plan.Slot(start, end, str(index)) for index, (start, end) in enumerate(slots)]
    # Most plans clash with nothing: find the overlaps on times alone, and read and
    # label (decrypting the client's name) only the appointments that do clash.
    hits = plan.find_clashes(candidates, [plan.Slot(s, e, str(pk)) for pk, s, e in existing])
    if not hits:
        return []
    labels = {}
    for appointment in Appointment.objects.filter(
        pk__in={int(other.label) for _, other in hits}
    ).select_related("course__client"):
        client = appointment.course.client
        labels[appointment.pk] = (
            f"{client.display_name} ({client.client_number}), "
            f"{describe_slot(practice, appointment.starts_at, appointment.ends_at)}"
        )
    existing_slots = [plan.Slot(s, e, labels[pk]) for pk, s, e in existing if pk in labels]
    return [
        (
            int(candidate.label),
            CLASH.format(
                when=f"The appointment on {describe_slot(practice, candidate.start, candidate.end)}",
                other=f"the appointment of {other.label}",
            ),
        )
        for candidate, other in plan.find_clashes(candidates, existing_slots)
    ]


def check_clashes(
    *,
    practice: Practice,
    therapist_id: int,
    slots: Sequence[tuple[datetime, datetime]],
    ignore: Iterable[int] = (),
) -> None:
    """Refuse slots that overlap the therapist's booked or attended appointments."""
    clashes = clashes_with(practice=practice, therapist_id=therapist_id, slots=slots, ignore=ignore)
    if clashes:
        raise ValidationError([message for _, message in clashes])


def check_not_closed(practice: Practice, moments: Iterable[datetime]) -> None:
    closed = closures(practice)
    problems = []
    for moment in moments:
        day = local_date(practice, moment)
        if day in closed:
            problems.append(
                CLOSED_DAY.format(day=formats.date_format(day, "D j M Y"), label=closed[day])
            )
    if problems:
        raise ValidationError(problems)


_RECEIVED_AT = PreparedRead(
    lambda referral_id: Referral.objects.filter(pk=referral_id).values_list("received_at"), int
)


def check_dates(
    course: Course,
    *,
    start: date | None = None,
    moments: Iterable[datetime] = (),
    field: str | None = None,
) -> None:
    """Refuse a course start or session times that break the plan's date rules.

    The rules compare the practice's local days (`plan.date_problems`); the messages go
    under field when given, so a form shows them beside the date that caused them.
    """
    practice = course.practice
    # A course locked with `dates=True` carries its referral's date: no second read.
    received_at = getattr(course, REFERRAL_RECEIVED_AT, _UNREAD)
    if received_at is _UNREAD:
        found = _RECEIVED_AT(course.referral_id) if course.referral_id else None
        received_at = found[0][0] if found else None
    received = local_date(practice, received_at) if received_at else None
    ended = course.ended_at if course.state == Course.State.ENDED else None
    end = local_date(practice, ended) if ended else None
    problems = plan.date_problems(
        referral_received=received,
        start=start,
        end=end,
        sessions=[local_date(practice, moment) for moment in moments],
    )
    if not problems:
        return
    written = {
        "referral": formats.date_format(received, "j F Y") if received else "",
        "end": formats.date_format(end, "j F Y") if end else "",
    }
    messages = [plan.DATE_MESSAGES[problem].format(**written) for problem in problems]
    raise ValidationError({field: messages} if field else messages)


def renumber(course: Course, *, pending: Appointment | None = None) -> list[Appointment]:
    """Give each attended treatment appointment its session number n, in time order.

    Returns the appointments whose number changed.

    `pending` is an appointment of the course whose new status is set on it but not yet
    saved: it is numbered with that status and given its number in memory, for the caller
    to save with its status in one UPDATE, and only the others whose number changed are
    written here (none, when the latest session is the one recorded). The rows are read as
    plain values; the answer then holds only those others, with their pk and new number.
    """
    if pending is not None:
        return _renumber_around(course, pending)
    appointments = _TREATMENT_APPOINTMENTS.rows(course.pk)
    # As the course's related manager gives them: each knows its course.
    for appointment in appointments:
        _APPOINTMENT_COURSE.set_cached_value(appointment, course)
    numbers = plan.number_sessions([a.status for a in appointments])
    changed = []
    for appointment, number in zip(appointments, numbers, strict=True):
        if appointment.session_number != number:
            appointment.session_number = number
            changed.append(appointment)
    # The rows were just read under the course lock; a bulk update cannot race them.
    Appointment.objects.bulk_update(changed, ["session_number"])
    return changed


# A course's treatment appointments in time order, for numbering (prepared reads: built
# once, since they run on every recorded outcome and every recorded past session).
_APPOINTMENT_COURSE = Appointment._meta.get_field("course")
_TREATMENT_APPOINTMENTS = PreparedRead(
    lambda course_id: Appointment.objects.filter(
        course_id=course_id, kind=Appointment.Kind.TREATMENT
    ).order_by("starts_at", "id"),
    int,
)
_treatment_numbers = PreparedRead(
    lambda course_id: (
        Appointment.objects.filter(course_id=course_id, kind=Appointment.Kind.TREATMENT)
        .order_by("starts_at", "id")
        .values_list("id", "status", "session_number")
    ),
    int,
)


def _renumber_around(course: Course, pending: Appointment) -> list[Appointment]:
    rows = _treatment_numbers(course.pk)
    statuses = [pending.status if pk == pending.pk else status for pk, status, _ in rows]
    changed = {}
    for (pk, _, stored), number in zip(rows, plan.number_sessions(statuses), strict=True):
        if pk == pending.pk:
            pending.session_number = number
        elif stored != number:
            changed[pk] = number
    if changed:
        # As bulk_update writes it, without an instance per row: the rows were just read
        # under the course lock, so the update cannot race them.
        Appointment.objects.filter(pk__in=list(changed)).update(
            session_number=Case(
                *(When(pk=pk, then=Value(number)) for pk, number in changed.items()),
                default=None,
            )
        )
    return [Appointment(pk=pk, course_id=course.pk, session_number=n) for pk, n in changed.items()]


# The attribute a course locked with `dates=True` carries its referral's date in.
REFERRAL_RECEIVED_AT = "referral_received_at"
_UNREAD = object()


# What the lock reads with the course, and so locks on PostgreSQL with it.
_LOCKED_WITH = (("practice", Practice), ("client", Client))
# The client's columns a lock without them reads: enough to join (and so lock) its row.
_CLIENT_KEY = ("id", "public_id")


def _lock_read(*, dates: bool, client: bool) -> PreparedRead:
    """The locking read of a course with its practice and client: what
    `select_for_update().select_related("practice", "client")` reads and locks, as a
    prepared read (every treatment write runs it), plus the referral's date by a
    subquery with `dates`. Without `client`, only the client's key columns are read: its
    row is still joined, and so still locked on PostgreSQL, but none of its other
    columns (several of them encrypted) are converted or decrypted."""

    def build(pk):
        rows = Course.objects.select_for_update().filter(pk=pk).order_by()
        if dates:
            received = Referral.objects.filter(pk=OuterRef("referral_id")).values("received_at")
            rows = rows.annotate(**{REFERRAL_RECEIVED_AT: Subquery(received[:1])})
        columns = field_names(Course)
        for name, model in _LOCKED_WITH:
            names = field_names(model) if client or model is not Client else _CLIENT_KEY
            columns += [f"{name}__{column}" for column in names]
        return rows.values_list(*columns, *((REFERRAL_RECEIVED_AT,) if dates else ()))

    return PreparedRead(build, int)


_LOCK_READS = {
    (dates, client): _lock_read(dates=dates, client=client)
    for dates in (True, False)
    for client in (True, False)
}


def lock_course(course: Course | int, *, dates: bool = False, client: bool = True) -> Course:
    """Serialise writes to one course (and its appointments) behind its row lock.

    Takes the course or its primary key (an appointment's `course_id` saves reading the
    course once before locking it). The practice and the client come with it; on
    PostgreSQL their rows are locked with the course's, as
    `select_for_update().select_related()` locks them. With `dates`, the course also
    carries its referral's received date (`REFERRAL_RECEIVED_AT`, read by a subquery so
    the lock stays on the same rows), which `check_dates` and the outcome summary then
    take instead of reading it. With `client=False` the client's row is locked all the
    same, but the client comes with its key columns alone (the others are deferred, and
    read if asked for), for a write that does not look at the client.
    """
    pk = course if isinstance(course, int) else course.pk
    rows = _LOCK_READS[(dates, client)](pk)
    if not rows:
        raise Course.DoesNotExist("Course matching query does not exist.")
    values = iter(rows[0])
    locked = _instance(Course, values)
    for name, model in _LOCKED_WITH:
        names = field_names(model) if client or model is not Client else _CLIENT_KEY
        Course._meta.get_field(name).set_cached_value(locked, _instance(model, values, names))
    if dates:
        setattr(locked, REFERRAL_RECEIVED_AT, next(values))
    return locked


def _instance(model, values, names=None):
    names = field_names(model) if names is None else list(names)
    return model.from_db("default", names, [next(values) for _ in names])


def future_booked(course: Course, now: datetime):
    return course.appointments.filter(
        kind=Appointment.Kind.TREATMENT, status=Appointment.Status.BOOKED, starts_at__gt=now
    ).order_by("starts_at", "id")


def end_of(start: datetime, minutes: int) -> datetime:
    # In UTC: wall-clock arithmetic across a daylight-saving change would be an hour out.
    return start.astimezone(UTC) + timedelta(minutes=minutes)
