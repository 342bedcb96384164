"""Not on track: the curves stored from a practice's courses, and the flag they raise."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from patternwork.audit.models import AuditEvent
from patternwork.measures import services as measures
from patternwork.measures import tracking
from patternwork.measures.models import ChangeCurve, TrackFlag
from patternwork.treatment.models import Course
from tests.answers import phq
from tests.course_fixtures import attend, new_course
from tests.measures.track_builders import build, path, synthetic_practice

ACTIVE = Course.State.ACTIVE


def typical(first, sessions, offset=1):
    return [first] + [first + path(first, n) + offset for n in range(2, sessions + 1)]


def test_synthetic_practice_flags_the_clients_built_to_flag_and_no_others(
    therapist, foreign_therapist
):
    synthetic_practice(therapist)
    off_at_6 = [*typical(17, 5), 17 + path(17, 6) + 6]
    uptick = typical(17, 15)  # through the ending's rise, as the finished courses did
    worse = [17, 17, 18, 24]
    severe_flat = [22] * 10
    built = build(
        therapist,
        [
            (typical(17, 6), ACTIVE),
            (off_at_6, ACTIVE),
            (uptick, ACTIVE),
            (worse, ACTIVE),
            ([17], ACTIVE),
            (typical(7, 9, offset=0), ACTIVE),
            (typical(12, 12, offset=-2), ACTIVE),
            (severe_flat, ACTIVE),
        ],
    )
    elsewhere = build(foreign_therapist, [([17, 17, 18, 24], ACTIVE)])

    stored = tracking.refresh_curves()

    assert stored == {therapist.practice_id: 4, foreign_therapist.practice_id: 4}
    curves = ChangeCurve.objects.filter(practice=therapist.practice)
    assert {(c.band, c.basis, c.courses) for c in curves} == {
        (band, "practice", 125) for band in ("mild", "moderate", "moderately_severe", "severe")
    }
    flagged = {f.course_id: f for f in TrackFlag.objects.open()}
    assert set(flagged) == {built[1].pk, built[3].pk, built[7].pk, elsewhere[0].pk}
    why = flagged[built[1].pk]
    # Smoothed 95th percentile at session 6: (-1 + 2 x -2 + -3) / 4 = -2, so up to 15.
    assert (why.session, why.score, why.first_score, why.expected_high, why.basis) == (
        6,
        18,
        17,
        15,
        "practice",
    )
    assert (why.curve_courses, why.band, why.reason) == (125, "moderately_severe", "above_band")
    # A practice with no finished courses of its own is judged on the installation's.
    assert flagged[elsewhere[0].pk].basis == "instance"


@pytest.fixture
def measured(therapist, frozen):
    course = new_course(therapist, planned=16)
    return course, attend(course, therapist, 4)


def record(appointment, therapist, total):
    measures.record_responses(
        source="clinic", appointment=appointment, answers=[phq(total)], by=therapist
    )


def actions(flag):
    return list(
        AuditEvent.objects.filter(object_id=str(flag.public_id))
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_without_curves_the_fallback_rule_raises_and_an_on_track_score_clears(measured, therapist):
    course, sessions = measured
    record(sessions[0], therapist, 18)
    record(sessions[1], therapist, 24)  # a rise of 6: reliable deterioration

    flag = TrackFlag.objects.open().get(course=course)
    assert (flag.basis, flag.reason, flag.expected_low, flag.expected_high) == (
        "rule",
        "deterioration",
        0,
        23,
    )

    record(sessions[2], therapist, 17)

    flag.refresh_from_db()
    assert flag.cleared_at is not None
    assert flag.cleared_by.appointment_id == sessions[2].pk
    assert actions(flag) == ["track_flag.raise", "track_flag.clear"]


def test_a_second_off_track_score_moves_the_open_flag(measured, therapist):
    course, sessions = measured
    record(sessions[0], therapist, 12)
    record(sessions[1], therapist, 18)
    record(sessions[2], therapist, 20)

    flag = TrackFlag.objects.get(course=course)
    assert (flag.session, flag.score, flag.is_open) == (3, 20, True)
    assert actions(flag) == ["track_flag.raise", "track_flag.update"]


def test_moving_the_open_flag_writes_its_row_without_reading_the_practice(measured, therapist):
    course, sessions = measured
    record(sessions[0], therapist, 12)
    record(sessions[1], therapist, 18)

    with CaptureQueriesContext(connection) as queries:
        record(sessions[2], therapist, 20)

    sql = [q["sql"] for q in queries.captured_queries]
    assert sum(s.startswith('UPDATE "measures_trackflag"') for s in sql) == 1
    # The audit event takes the practice the locked course carries.
    assert not any('FROM "accounts_practice"' in s for s in sql if s.startswith("SELECT"))
    flag = TrackFlag.objects.get(course=course)
    assert (flag.session, flag.score, flag.response.appointment_id) == (3, 20, sessions[2].pk)


def test_acknowledging_needs_a_note_is_audited_and_holds_for_that_score(measured, therapist):
    course, sessions = measured
    record(sessions[0], therapist, 12)
    record(sessions[1], therapist, 18)
    flag = TrackFlag.objects.get(course=course)

    with pytest.raises(ValidationError):
        tracking.acknowledge(flag=flag, note="  ", actor=therapist)
    tracking.acknowledge(flag=flag, note="Agreed to review the focus.", actor=therapist)
    tracking.assess_course(course)  # the nightly re-judgement of the same score

    flag.refresh_from_db()
    assert (flag.note, flag.acknowledged_by) == ("Agreed to review the focus.", therapist)
    assert TrackFlag.objects.open().filter(course=course).count() == 0
    with pytest.raises(ValidationError):
        tracking.acknowledge(flag=flag, note="Again", actor=therapist)

    record(sessions[2], therapist, 19)  # the next score that is not on track

    assert TrackFlag.objects.open().get(course=course).score == 19
    assert actions(flag)[-1] == "track_flag.acknowledge"


def test_mark_discussed_links_the_supervision_session(measured, therapist, supervisor):
    course, sessions = measured
    record(sessions[0], therapist, 18)
    record(sessions[1], therapist, 24)
    flag = TrackFlag.objects.get(course=course)
    session_id = "4b0c1a2e-1d0f-4c86-9b1e-0d5c6f4a1e22"

    tracking.mark_discussed(flag=flag, supervision_id=session_id, actor=supervisor)

    flag.refresh_from_db()
    assert (str(flag.discussed_in), flag.is_open) == (session_id, True)
    assert actions(flag)[-1] == "track_flag.discussed"


def test_refresh_change_curves_command_reports_what_it_stored(practice, capsys):
    call_command("refresh_change_curves")
    assert "0 curve(s) stored for 1 practice(s)." in capsys.readouterr().out
