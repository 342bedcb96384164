"""Courses with attendance and scores, built in bulk for the report tests.

Each course gets its client, referral, appointments and responses in a few inserts, then
its outcome summary from the real `refresh_outcome_summary`, as the services leave it.
`bench_dataset` writes the same courses in the benchmark's raw-row format, so the DuckDB
reference can be run over them too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from bench import service_report as synthetic
from patternwork.accounts.models import Membership
from patternwork.clients.models import Referral
from patternwork.measures.models import Response
from patternwork.measures.summary import refresh_outcome_summary
from patternwork.treatment import plan
from patternwork.treatment.models import Appointment, Course
from tests.factories import ClientFactory, CourseFactory, ReferralFactory

LONDON = ZoneInfo("Europe/London")
SESSION = dt.time(10, 0)


@dataclass(frozen=True)
class Spec:
    """One course: a (PHQ-9, GAD-7) pair per attended session, None where not given."""

    scores: Sequence[tuple[int | None, int | None]]
    first_on: dt.date = dt.date(2025, 1, 6)
    ended_on: dt.date | None = dt.date(2025, 6, 30)
    referral_on: dt.date | None = dt.date(2024, 12, 2)
    started: bool = True
    dna: int = 0
    extras: Sequence[str] = field(default_factory=tuple)

    @property
    def attended(self) -> int:
        return len(self.scores)

    @property
    def finished(self) -> bool:
        return self.ended_on is not None and self.attended >= 2

    @property
    def wait(self) -> int | None:
        if self.referral_on is None or not self.scores or self.dated_wrongly:
            return None
        return (self.first_on - self.referral_on).days

    @property
    def dated_wrongly(self) -> bool:
        """Whether the built course breaks the plan's date rules (a session after its end)."""
        sessions = [
            self.first_on + dt.timedelta(weeks=week) for week in range(self.attended + self.dna)
        ]
        return bool(
            plan.date_problems(
                referral_received=self.referral_on, end=self.ended_on, sessions=sessions
            )
        )


def at(day: dt.date, when: dt.time = SESSION) -> dt.datetime:
    return dt.datetime.combine(day, when, tzinfo=LONDON)


def _response(course, appointment, instrument, total, **extra) -> Response:
    return Response(
        practice_id=course.practice_id,
        client_id=course.client_id,
        course=course,
        appointment=appointment,
        instrument=instrument,
        instrument_version=1,
        completed_at=appointment.starts_at,
        answers={},
        total=total,
        max_total={"PHQ-9": 27, "GAD-7": 21, "WSAS": 40}[instrument],
        **extra,
    )


def build_course(therapist, spec: Spec) -> Course:
    (course,) = build_courses([(therapist, spec)])
    return course


def _rows(factory, values) -> list:
    """The rows the factory's create would make, built unsaved and written in one INSERT."""
    return factory._meta.model.objects.bulk_create([factory.build(**v) for v in values])


def build_courses(built: Sequence[tuple[Membership, Spec]]) -> list[Course]:
    """One course per (therapist, spec), in that order; each kind of row is written in one
    INSERT for all the courses, as building many courses one by one costs a report test
    most of its time."""
    clients = _rows(
        ClientFactory,
        [{"practice": therapist.practice, "therapist": therapist} for therapist, _ in built],
    )
    referred = [(client, spec) for client, (_, spec) in zip(clients, built, strict=True)]
    referrals = iter(
        _rows(
            ReferralFactory,
            [
                {
                    "practice": client.practice,
                    "received_at": at(spec.referral_on, dt.time(9, 0)),
                    "status": Referral.Status.ACCEPTED,
                    "client": client,
                }
                for client, spec in referred
                if spec.referral_on is not None
            ],
        )
    )
    courses = _rows(
        CourseFactory,
        [
            {
                "client": client,
                "referral": next(referrals) if spec.referral_on is not None else None,
                "state": Course.State.ENDED if spec.ended_on else Course.State.ACTIVE,
                "end_reason": Course.EndReason.COMPLETED if spec.ended_on else "",
                "started_at": at(spec.first_on - dt.timedelta(days=3), dt.time(12, 0))
                if spec.started
                else None,
                "ended_at": at(spec.ended_on, dt.time(17, 0)) if spec.ended_on else None,
            }
            for client, spec in referred
        ],
    )

    def appointment(course: Course, spec: Spec, week: int, status: str, number=None):
        start = at(spec.first_on + dt.timedelta(weeks=week))
        return Appointment(
            practice_id=course.practice_id,
            course=course,
            therapist_id=course.therapist_id,
            kind=Appointment.Kind.TREATMENT,
            starts_at=start,
            ends_at=start + dt.timedelta(minutes=50),
            status=status,
            session_number=number,
        )

    sessions = []
    for course, (_, spec) in zip(courses, built, strict=True):
        attended = [
            appointment(course, spec, week, Appointment.Status.ATTENDED, week + 1)
            for week in range(len(spec.scores))
        ]
        missed = [
            appointment(course, spec, len(spec.scores) + week, Appointment.Status.DNA)
            for week in range(spec.dna)
        ]
        sessions.append((attended, missed))
    Appointment.objects.bulk_create(
        [row for attended, missed in sessions for row in attended + missed]
    )
    responses = []
    for course, (_, spec), (attended, missed) in zip(courses, built, sessions, strict=True):
        responses += _responses(course, spec, attended, missed)
    Response.objects.bulk_create(responses)
    for course in courses:
        refresh_outcome_summary(course)
    return courses


def _responses(course, spec: Spec, attended, missed) -> list[Response]:
    responses = []
    for session, (phq, gad) in zip(attended, spec.scores, strict=True):
        if phq is not None:
            responses.append(_response(course, session, "PHQ-9", phq))
        if gad is not None:
            responses.append(_response(course, session, "GAD-7", gad))
    if "wsas" in spec.extras and attended:
        responses.append(_response(course, attended[0], "WSAS", 30))
    if "draft" in spec.extras and attended:
        # A half-finished portal questionnaire is never scored, so it never counts.
        draft = _response(course, attended[-1], "PHQ-9", None, status=Response.Status.DRAFT)
        draft.completed_at = None
        if spec.scores[-1][0] is None:
            responses.append(draft)
    if "missed_scores" in spec.extras and missed:
        # Scores typed against a missed appointment are not valid scores.
        responses.append(_response(course, missed[0], "PHQ-9", 27))
        responses.append(_response(course, missed[0], "GAD-7", 21))
    return responses


def bench_dataset(directory: Path, specs: Sequence[Spec]) -> synthetic.Dataset:
    """Write courses as the benchmark's generator does (one therapist, valid scores only)."""

    def cell(value) -> str:
        if value is None:
            return synthetic.NULL
        return value.isoformat() if isinstance(value, dt.date) else str(value)

    directory.mkdir(parents=True, exist_ok=True)
    courses, scores = [], []
    for number, spec in enumerate(specs, start=1):
        started = spec.first_on - dt.timedelta(days=3) if spec.started else None
        first = spec.first_on if spec.scores else None
        weeks = spec.attended + spec.dna - 1
        last = spec.first_on + dt.timedelta(weeks=weeks) if spec.scores and weeks >= 0 else None
        row = (
            number,
            0,
            spec.referral_on,
            started,
            first,
            spec.ended_on,
            spec.attended,
            spec.dna,
            last,
        )
        courses.append("\t".join(map(cell, row)) + "\n")
        for contact, (phq, gad) in enumerate(spec.scores, start=1):
            scores.append("\t".join(map(cell, (number, contact, phq, gad))) + "\n")
    dataset = synthetic.Dataset(directory, len(courses), len(scores))
    dataset.courses_path.write_text("".join(courses), encoding="utf-8")
    dataset.scores_path.write_text("".join(scores), encoding="utf-8")
    return dataset
