"""A synthetic practice for the not-on-track tests, built in bulk (a few INSERTs).

Finished courses follow a known path: from a first PHQ-9 of F the score falls by
round(0.6 F n / 12) by session n up to 12, then rises one point a session over the ending
(the DIT uptick), plus a course-specific offset of -3 to +3 (course k: k % 7 - 3). So at
every session the middle course sits on the path and 90% of courses within 3 points of it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db.models import AutoField

from patternwork.core.prepared import PreparedInsert
from patternwork.measures.models import Response
from patternwork.treatment.models import Appointment, Course
from tests.factories import ClientFactory, CourseFactory

FIRST_SCORES = (7, 12, 17, 22)
START = dt.datetime(2025, 1, 6, 10, 0, tzinfo=dt.UTC)


def path(first: int, session: int) -> int:
    """The typical change from the first score at a session of a 16-session course."""
    if session <= 12:
        return -round(0.6 * first * session / 12)
    return -round(0.6 * first) + (session - 12)


def finished_scores(first: int, k: int) -> list[int]:
    offset = k % 7 - 3
    return [first] + [max(0, min(27, first + path(first, n) + offset)) for n in range(2, 17)]


def build(therapist, courses: Sequence[tuple[list[int], str]], *, planned: int = 16) -> list:
    """Courses with PHQ-9 scores at their first sessions; state "ended" or "active"."""
    practice = therapist.practice
    clients = [ClientFactory.build(practice=practice, therapist=therapist) for _ in courses]
    type(clients[0]).objects.bulk_create(clients)
    rows = [
        CourseFactory.build(
            client=client,
            practice=practice,
            therapist=therapist,
            state=state,
            planned_sessions=planned,
            started_at=START,
            ended_at=START + dt.timedelta(weeks=20) if state == Course.State.ENDED else None,
            end_reason=Course.EndReason.COMPLETED if state == Course.State.ENDED else "",
        )
        for client, (_, state) in zip(clients, courses, strict=True)
    ]
    Course.objects.bulk_create(rows)
    appointments = []
    for course, (scores, _) in zip(rows, courses, strict=True):
        for number in range(1, len(scores) + 1):
            start = START + dt.timedelta(weeks=number - 1)
            appointments.append(
                {
                    "practice_id": practice.pk,
                    "course_id": course.pk,
                    "therapist_id": therapist.pk,
                    "kind": Appointment.Kind.TREATMENT,
                    "starts_at": start,
                    "ends_at": start + dt.timedelta(minutes=50),
                    "status": Appointment.Status.ATTENDED,
                    "session_number": number,
                }
            )
    _insert(Appointment, appointments)
    # The appointments' ids, in the order written: by course, then session number.
    ids = Appointment.objects.filter(course__in=rows).order_by("course_id", "session_number")
    ids = iter(ids.values_list("id", "starts_at"))
    responses = []
    for course, (scores, _) in zip(rows, courses, strict=True):
        for total in scores:
            appointment_id, starts_at = next(ids)
            responses.append(
                {
                    "practice_id": practice.pk,
                    "client_id": course.client_id,
                    "course_id": course.pk,
                    "appointment_id": appointment_id,
                    "instrument": "PHQ-9",
                    "instrument_version": 1,
                    "completed_at": starts_at,
                    "answers": {},
                    "total": total,
                    "max_total": 27,
                }
            )
    _insert(Response, responses)
    return rows


def _insert(model, rows: list[dict]) -> None:
    """Insert rows given as plain values, each column not given taking its default (a
    time set on save takes the start time): thousands of rows without a model instance
    each, which is most of what `bulk_create` costs here."""
    fields = [
        field
        for field in model._meta.concrete_fields
        if not field.generated and not (field.primary_key and isinstance(field, AutoField))
    ]
    stamped = {
        field.attname
        for field in fields
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    }
    defaults = [f for f in fields if f.attname not in stamped]
    plain = [
        {
            **{field.attname: field.get_default() for field in defaults},
            **dict.fromkeys(stamped, START),
            **row,
        }
        for row in rows
    ]
    PreparedInsert(model).plain(plain)


def synthetic_practice(therapist, per_band: int = 125) -> list:
    """4 x 125 = 500 finished courses, one starting band each of 7, 12, 17 and 22."""
    specs = [
        (finished_scores(first, k), Course.State.ENDED)
        for first in FIRST_SCORES
        for k in range(per_band)
    ]
    return build(therapist, specs)
