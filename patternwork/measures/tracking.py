"""Not on track: fitting and storing the expected-change curves, and raising the flag.

The rules are the pure `measures.expected_change`; this module reads the scores, stores the
curves (`ChangeCurve`) and keeps each course's `TrackFlag` current:
- `refresh_curves` fits every practice's curves (nightly from the worker's round, and
  `manage.py refresh_change_curves`), then re-judges the open courses, since a new curve
  can move a client onto or off the track;
- `assess_course` judges a course's latest PHQ-9 in the same transaction as the score
  write: a score above the expected range raises the flag (or moves an open one to the
  newest score), an on-track score clears it. Both are audited;
- `acknowledge` records a clinician's note, and `mark_discussed` links a flag to the
  supervision session that discussed it; both audited.
An acknowledged flag stays closed for the score it was raised on: the next score that is
not on track raises a new one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from patternwork.accounts.models import Membership, Practice
from patternwork.audit.services import record_row
from patternwork.core.prepared import PreparedRead, PreparedUpdate, field_names, instances
from patternwork.measures import config, expected_change
from patternwork.measures.definitions import get_instrument
from patternwork.measures.expected_change import Basis, CourseScores, Curve, CurvePoint
from patternwork.measures.models import ChangeCurve, Response, TrackFlag
from patternwork.measures.summary import ScoreRow
from patternwork.treatment import plan
from patternwork.treatment.models import Appointment, Course

PHQ9 = "PHQ-9"
ACK_NEEDS_NOTE = "Write what was agreed about this client."
ALREADY_CLOSED = "This flag has already been cleared or acknowledged."
SYSTEM = "patternwork"


def valid_phq9(courses: QuerySet[Course] | None = None) -> QuerySet[Response]:
    """Valid PHQ-9 scores: complete, at attended treatment sessions (as the outcomes use)."""
    rows = Response.objects.filter(
        instrument=PHQ9,
        status=Response.Status.COMPLETE,
        appointment__status=Appointment.Status.ATTENDED,
        appointment__kind=Appointment.Kind.TREATMENT,
        appointment__session_number__isnull=False,
    )
    return rows if courses is None else rows.filter(course__in=courses)


def finished_scores(practice: Practice | None = None) -> dict[int, tuple[int, CourseScores]]:
    """Each finished course's PHQ-9 by session number, with its practice id; one query."""
    courses = Course.objects.filter(state=Course.State.ENDED)
    if practice is not None:
        courses = courses.filter(practice=practice)
    rows = (
        valid_phq9(courses)
        .order_by()
        .values_list("course_id", "practice_id", "appointment__session_number", "total")
    )
    gathered: dict[int, tuple[int, list[tuple[int, int]]]] = {}
    for course_id, practice_id, session, total in rows:
        gathered.setdefault(course_id, (practice_id, []))[1].append((session, total))
    # Finished means at least two attended treatment sessions; a course with scores at two
    # sessions has them, and one with a single score adds nothing to a curve.
    return {
        course_id: (practice_id, CourseScores(tuple(sorted(scores))))
        for course_id, (practice_id, scores) in gathered.items()
        if len({s for s, _ in scores}) >= plan.MIN_SESSIONS_FOR_FINISHED
    }


# Prepared reads (built once; they run on every score written): the practice's curve for
# a band, and the course's open flag, locked.
_curve = PreparedRead(
    lambda practice_id, band: (
        ChangeCurve.objects.filter(practice_id=practice_id, band=band)
        .order_by("id")
        .values_list(*field_names(ChangeCurve))[:1]
    ),
    int,
    str,
)
_open_flag = PreparedRead(
    lambda course_id: (
        TrackFlag.objects.select_for_update()
        .open()
        .filter(course_id=course_id)
        .order_by("-raised_at", "-id")
        .values_list(*field_names(TrackFlag))[:1]
    ),
    int,
)


def _stored_curve(row: ChangeCurve) -> Curve:
    return Curve(
        band=row.band,
        courses=row.courses,
        points=tuple(CurvePoint(*point) for point in row.points),
    )


def refresh_curves(*, practices: Iterable[Practice] | None = None) -> dict[int, int]:
    """Fit and store each practice's curves, then re-judge its open courses.

    The instance's curves are fitted once from every practice's finished courses; a
    practice with too few courses in a band uses the instance's curve for it. Returns the
    number of curves stored per practice id.
    """
    instrument = get_instrument(PHQ9)
    every = finished_scores()
    instance = expected_change.fit_curves(instrument, (scores for _, scores in every.values()))
    practices = list(Practice.objects.all() if practices is None else practices)
    now = timezone.now()
    stored = {}
    for practice in practices:
        own = expected_change.fit_curves(
            instrument, (scores for pid, scores in every.values() if pid == practice.pk)
        )
        rows = []
        for band in sorted(set(own) | set(instance)):
            curve, basis = expected_change.choose_curve(own.get(band), instance.get(band))
            if curve is None:
                continue
            rows.append(
                ChangeCurve(
                    practice=practice,
                    band=band,
                    basis=basis.value,
                    courses=curve.courses,
                    points=[[p.session, p.courses, p.low, p.median, p.high] for p in curve.points],
                    computed_at=now,
                )
            )
        with transaction.atomic():
            ChangeCurve.objects.filter(practice=practice).delete()
            ChangeCurve.objects.bulk_create(rows)
            for course in open_courses_with_scores(practice):
                assess_course(course)
        stored[practice.pk] = len(rows)
    return stored


@dataclass(frozen=True)
class Judged:
    verdict: expected_change.Verdict
    response_id: int
    band: str
    curve: Curve | None
    curve_courses: int | None


def judge_course(course: Course, *, scores: list[ScoreRow] | None = None) -> Judged | None:
    """Judge the course's latest PHQ-9 against its curve; None with fewer than two scores.

    `scores`: the course's `summary.score_rows`, when the caller has read them in this
    transaction; otherwise its valid PHQ-9 scores are read here.
    """
    if scores is None:
        points = list(
            valid_phq9()
            .filter(course_id=course.pk)
            .order_by("appointment__session_number", "id")
            .values_list("appointment__session_number", "total", "id")
        )
    else:
        points = sorted(
            (
                (row.session_number, row.total, row.response_id)
                for row in scores
                if row.instrument == PHQ9 and row.session_number is not None
            ),
            key=lambda point: (point[0], point[2]),
        )
    if len({session for session, _, _ in points}) < 2:
        return None
    (_, first_total, _), (session, total, response_id) = points[0], points[-1]
    instrument = get_instrument(PHQ9)
    band = instrument.band_for(first_total).code
    row = next(iter(instances(ChangeCurve, _curve(course.practice_id, band))), None)
    curve = _stored_curve(row) if row is not None else None
    basis = Basis(row.basis) if row is not None else Basis.RULE
    verdict = expected_change.judge(
        rule=config.outcome_config().depression,
        instrument=instrument,
        curve=curve,
        basis=basis,
        first=first_total,
        session=session,
        score=total,
        planned=course.planned_sessions,
    )
    return Judged(verdict, response_id, band, curve, row.courses if row is not None else None)


def _why(judged: Judged) -> dict:
    verdict = judged.verdict
    return {
        "response_id": judged.response_id,
        "session": verdict.session,
        "score": verdict.score,
        "first_score": verdict.first,
        "expected_low": verdict.low,
        "expected_high": verdict.high,
        "band": judged.band,
        "basis": verdict.basis.value,
        "curve_courses": judged.curve_courses if verdict.basis is not Basis.RULE else None,
        "reason": verdict.reason,
    }


def _audit(
    flag: TrackFlag,
    action: str,
    changes: dict,
    actor: Membership | None = None,
    practice: Practice | None = None,
) -> None:
    record_row(
        action=action,
        actor=actor.user if actor else None,
        actor_role=actor.role if actor else "",
        actor_label="" if actor else SYSTEM,
        practice=practice if practice is not None else flag.practice,
        obj=flag,
        changes=changes,
    )


# What moving and clearing a flag write: `flag.save(update_fields=...)`'s UPDATE with its
# SQL written once (TrackFlag has no save() of its own and no signal receivers), since
# every score written to a course off its track moves its flag.
_WHY = (
    "response_id",
    "session",
    "score",
    "first_score",
    "expected_low",
    "expected_high",
    "band",
    "basis",
    "curve_courses",
    "reason",
)
_move_flag = PreparedUpdate(TrackFlag, (*_WHY, "updated_at"), "id")
_clear_flag = PreparedUpdate(TrackFlag, ("cleared_at", "cleared_by_id", "updated_at"), "id")


def assess_course(
    course: Course, *, now: datetime | None = None, scores: list[ScoreRow] | None = None
) -> TrackFlag | None:
    """Raise, move or clear the course's not-on-track flag from its latest PHQ-9.

    Runs inside the caller's transaction (the score write), so a score never stands
    without the flag it calls for. Returns the course's open flag, if any. `scores`: as
    for `judge_course`.
    """
    now = now or timezone.now()
    judged = judge_course(course, scores=scores)
    flag = next(iter(instances(TrackFlag, _open_flag(course.pk))), None)
    # The course's practice is the flag's; a course locked for the write carries it, so
    # the audit event needs no read of it.
    if judged is None or judged.verdict.on_track:
        if flag is not None:
            flag.cleared_at = now
            flag.cleared_by_id = judged.response_id if judged else None
            flag.updated_at = timezone.now()
            _clear_flag(
                flag.pk,
                {
                    "cleared_at": now,
                    "cleared_by_id": flag.cleared_by_id,
                    "updated_at": flag.updated_at,
                },
            )
            _audit(
                flag,
                "track_flag.clear",
                {"score": judged.verdict.score if judged else None},
                practice=course.practice,
            )
        return None
    why = _why(judged)
    if flag is not None:
        if flag.response_id == judged.response_id and flag.score == judged.verdict.score:
            return flag
        for name, value in why.items():
            setattr(flag, name, value)
        flag.updated_at = timezone.now()
        _move_flag(flag.pk, {**why, "updated_at": flag.updated_at})
        _audit(
            flag,
            "track_flag.update",
            {"score": flag.score, "session": flag.session},
            practice=course.practice,
        )
        return flag
    # Closed on this very score by an acknowledgement: the clinician has seen it.
    if TrackFlag.objects.filter(
        course_id=course.pk, response_id=judged.response_id, acknowledged_at__isnull=False
    ).exists():
        return None
    flag = TrackFlag.objects.create(
        practice_id=course.practice_id,
        client_id=course.client_id,
        course=course,
        raised_at=now,
        **why,
    )
    _audit(
        flag,
        "track_flag.raise",
        {"score": flag.score, "session": flag.session},
        practice=course.practice,
    )
    return flag


def acknowledge(*, flag: TrackFlag, note: str, actor: Membership) -> TrackFlag:
    """Close a flag with a clinician's note of what was agreed; audited."""
    if not note.strip():
        raise ValidationError({"note": ACK_NEEDS_NOTE})
    with transaction.atomic():
        flag = TrackFlag.objects.select_for_update().get(pk=flag.pk)
        if not flag.is_open:
            raise ValidationError(ALREADY_CLOSED)
        flag.acknowledged_at = timezone.now()
        flag.acknowledged_by = actor
        flag.note = note.strip()
        flag.save(update_fields=["acknowledged_at", "acknowledged_by", "note", "updated_at"])
        _audit(flag, "track_flag.acknowledge", {"note": "[changed]"}, actor)
    return flag


def mark_discussed(*, flag: TrackFlag, supervision_id: UUID, actor: Membership) -> TrackFlag:
    """Link a flag to the supervision session that discussed it; audited.

    For the supervision records to call when a session lists this client's flag. The
    flag stays open: it is cleared by an on-track score or acknowledged with a note.
    """
    with transaction.atomic():
        flag = TrackFlag.objects.select_for_update().get(pk=flag.pk)
        flag.discussed_in = supervision_id
        flag.discussed_at = timezone.now()
        flag.save(update_fields=["discussed_in", "discussed_at", "updated_at"])
        _audit(flag, "track_flag.discussed", {"supervision": str(supervision_id)}, actor)
    return flag


def open_courses_with_scores(practice: Practice) -> QuerySet[Course]:
    """The practice's active courses with any valid PHQ-9: the ones a new curve can move."""
    return Course.objects.filter(
        Q(practice=practice, state=Course.State.ACTIVE) & Q(pk__in=valid_phq9().values("course_id"))
    )
