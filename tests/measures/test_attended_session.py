from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from patternwork.audit.models import AuditEvent
from patternwork.measures import services
from patternwork.measures.models import OutcomeSummary, RiskFlag
from patternwork.measures.services import Answers
from patternwork.measures.summary import refresh_outcome_summary
from patternwork.treatment import course_changes
from patternwork.treatment.models import Appointment, Course
from tests.answers import gad, phq


def summary_writes(queries) -> int:
    return sum(
        1
        for q in queries.captured_queries
        if "measures_outcomesummary" in q["sql"] and not q["sql"].startswith("SELECT")
    )


def test_attendance_scores_flag_audit_and_summary_in_one_write(started, therapist):
    first = started.appointments.order_by("starts_at").first()

    with CaptureQueriesContext(connection) as queries:
        appointment, saved = services.record_attended_session(
            appointment=first, answers=[phq(16, item9=1), gad(10)], by=therapist
        )

    assert appointment.status == Appointment.Status.ATTENDED
    assert appointment.session_number == 1
    assert [(r.instrument, r.total) for r in saved] == [("PHQ-9", 16), ("GAD-7", 10)]
    assert RiskFlag.objects.filter(course=started).count() == 1
    assert sorted(AuditEvent.objects.values_list("action", flat=True).order_by()) == [
        "appointment.attended",
        "course.start",
        "measure.record",
        "measure.record",
    ]
    summary = OutcomeSummary.objects.get(course=started)
    assert (summary.attended, summary.phq9_first, summary.gad7_first) == (1, 16, 10)
    # The summary is written once, after both the attendance and the scores.
    assert summary_writes(queries) == 1
    assert refresh_outcome_summary(started).phq9_count == 1
    sql = [q["sql"] for q in queries.captured_queries]
    # The three events are chained with one move of the head, and no savepoint is taken
    # inside the write (the one taken and released is its own block's, nested here in
    # the test's transaction).
    assert sum(s.startswith('UPDATE "audit_auditchainhead"') for s in sql) == 1
    assert len([s for s in sql if "SAVEPOINT" in s]) == 2
    # Both new responses go in with one INSERT.
    assert sum(s.startswith('INSERT INTO "measures_response"') for s in sql) == 1
    # The whole write, between its savepoint and the release: the course locked with its
    # referral's date, the appointment, the course's sessions numbered, the attendance
    # with its number in one UPDATE, the appointment's responses, their INSERT, the risk
    # flag, the scores and the sessions read once for the summary and the track flag,
    # the summary's UPDATE, the open track flag, and the audit chain's head, its move and
    # the events' INSERT.
    assert len(sql) == 16
    call_command("verify_audit", stdout=StringIO(), stderr=StringIO())


def test_a_refused_questionnaire_keeps_the_attendance_and_the_risk_answer(started, therapist):
    first = started.appointments.order_by("starts_at").first()
    partial = Answers("PHQ-9", {"q1": 0, "q9": 1})

    with pytest.raises(services.IncompleteSubmission):
        services.record_attended_session(appointment=first, answers=[partial], by=therapist)

    first.refresh_from_db()
    assert first.status == Appointment.Status.ATTENDED
    assert RiskFlag.objects.filter(course=started).count() == 1
    assert OutcomeSummary.objects.get(course=started).attended == 1


def test_a_refusal_after_the_attendance_rolls_the_attendance_back(started, therapist):
    first = started.appointments.order_by("starts_at").first()

    with pytest.raises(ValidationError) as refused:
        services.record_attended_session(appointment=first, answers=[], by=therapist)

    assert refused.value.messages == [services.NOTHING_TO_SAVE]
    first.refresh_from_db()
    assert first.status == Appointment.Status.BOOKED
    assert not AuditEvent.objects.filter(action="appointment.attended").exists()
    assert OutcomeSummary.objects.get(course=started).attended == 0


def test_batched_listeners_run_once_per_course_at_the_end(started):
    calls = []
    with course_changes.batched():
        course_changes.run_once(calls.append, started)
        with course_changes.batched():
            course_changes.run_once(calls.append, started)
        assert calls == []

    assert calls == [started]


def test_batched_listeners_never_run_when_the_block_fails(started):
    calls = []

    def failing_write():
        with course_changes.batched():
            course_changes.run_once(calls.append, started)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        failing_write()

    assert calls == []
    course_changes.run_once(calls.append, started)
    assert calls == [started]


def test_a_listener_that_covers_another_replaces_its_pending_run():
    course, calls = Course(pk=1), []

    def summary(c):
        calls.append("summary")

    def summary_and_flag(c):
        calls.append("summary and flag")

    with course_changes.batched():
        course_changes.run_once(summary, course)
        course_changes.run_once(summary_and_flag, course, covers=summary)

    assert calls == ["summary and flag"]
