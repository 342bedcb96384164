import datetime as dt

import pytest
from django.forms.models import model_to_dict

from patternwork.measures import chart, selectors, services, summary
from patternwork.measures.definitions import Comparator, Threshold
from patternwork.measures.models import OutcomeSummary, Response, RiskFlag
from patternwork.measures.selectors import MeasureRow, RiskAnswer, RowKind, Score
from patternwork.treatment import services as treatment
from patternwork.treatment.plan import phase_bounds
from tests.answers import gad, phq, wsas
from tests.course_fixtures import (
    GAD7_TOTALS,
    MEASURED_NOW,
    NOT_FINISHED,
    PHQ9_TOTALS,
    RECOVERED,
    RISK_SESSION,
    TEN_DESCRIPTION,
    WSAS_LINES,
    attend,
    measured_course,
    new_course,
    weekly,
)
from tests.factories import AppointmentFactory, ClientFactory, CourseFactory

# The clock of the `frozen` fixture.
NOW = MEASURED_NOW

pytestmark = pytest.mark.usefixtures("frozen")

PHQ_BANDS = {
    7: "Mild",
    8: "Mild",
    9: "Mild",
    10: "Moderate",
    11: "Moderate",
    12: "Moderate",
    14: "Moderate",
    15: "Moderately severe",
    17: "Moderately severe",
    18: "Moderately severe",
    20: "Severe",
}
GAD_BANDS = {
    5: "Mild",
    6: "Mild",
    7: "Mild",
    8: "Mild",
    9: "Mild",
    10: "Moderate",
    11: "Moderate",
    12: "Moderate",
}


@pytest.fixture
def ten(therapist):
    return measured_course(therapist)


def test_scores_are_charted_by_session_with_the_risk_marker(ten):
    measures = selectors.course_measures(ten)
    phq_panel, gad_panel, wsas_panel = measures.chart.panels

    assert [(p.position, p.total) for p in phq_panel.points] == list(
        zip(range(1, 11), PHQ9_TOTALS, strict=True)
    )
    assert [(p.position, p.total) for p in gad_panel.points] == list(
        zip(range(1, 11), GAD7_TOTALS, strict=True)
    )
    assert (phq_panel.points[0].x, phq_panel.points[0].y) == (88.0, 109)
    assert (phq_panel.points[-1].x, phq_panel.points[-1].y) == (664.0, 164)
    assert (gad_panel.points[0].y, gad_panel.points[-1].y) == (268, 303)
    assert (len(phq_panel.lines), len(gad_panel.lines)) == (1, 1)
    assert (wsas_panel.code, wsas_panel.points) == ("WSAS", ())
    assert measures.risk_positions == (3,)
    assert [(m.position, m.x) for m in measures.chart.risk] == [(3, 216.0)]
    assert [(b.phase, b.first, b.last) for b in measures.chart.bands] == [
        ("initial", 1, 3),
        ("middle", 4, 7),
        ("ending", 8, 10),
    ]
    assert measures.description == TEN_DESCRIPTION


def test_table_has_a_row_per_session_with_totals_bands_and_the_risk_answer(ten):
    appointments = list(ten.appointments.order_by("starts_at"))

    rows = selectors.course_measures(ten).rows

    assert rows == [
        MeasureRow(
            when=appointment.starts_at,
            kind=RowKind.SESSION,
            session=number,
            appointment_public_id=appointment.public_id,
            phq9=Score(
                PHQ9_TOTALS[number - 1],
                PHQ_BANDS[PHQ9_TOTALS[number - 1]],
                PHQ9_TOTALS[number - 1] >= 10,
            ),
            gad7=Score(
                GAD7_TOTALS[number - 1],
                GAD_BANDS[GAD7_TOTALS[number - 1]],
                GAD7_TOTALS[number - 1] >= 8,
            ),
            risk=(RiskAnswer("PHQ-9", 9, 1, "Several days", current=True, flag_open=True),)
            if number == RISK_SESSION
            else (),
        )
        for number, appointment in enumerate(appointments, start=1)
    ]


def test_outcome_of_a_finished_course_is_the_summary_outcome_in_words(ten, therapist):
    ended = treatment.end_course(
        course=ten,
        reason="completed",
        note="",
        actor=therapist,
        override_reason="Discussed with the supervisor; the GP is aware.",
    )

    measures = selectors.course_measures(ended)

    assert measures.outcome == summary.course_outcome(ended)
    assert (measures.outcome.finished, measures.outcome.reliable_recovery) == (True, True)
    assert measures.sentence == RECOVERED


def test_outcome_of_an_open_course_says_it_is_not_finished(ten):
    assert selectors.course_measures(ten).sentence == RECOVERED + NOT_FINISHED


def test_course_without_scores_has_an_empty_chart_and_no_rows(therapist):
    course = new_course(therapist)

    measures = selectors.course_measures(course)

    assert measures.chart.empty
    assert measures.rows == []
    assert measures.risk_positions == ()
    assert measures.sentence == "Not paired: fewer than two PHQ-9 and GAD-7 scores." + NOT_FINISHED
    assert measures.description == (
        "No PHQ-9 scores; no GAD-7 scores; no WSAS scores; no risk answers. Dashed lines mark "
        "caseness: PHQ-9 10 or more and GAD-7 8 or more. " + WSAS_LINES + " Shaded bands "
        "mark the initial, middle and ending phases of the 10-session plan."
    )


def test_one_score_is_described_as_a_single_point(therapist):
    course = new_course(therapist)
    (first,) = attend(course, therapist, 1)
    services.record_responses(source="clinic", appointment=first, answers=[phq(15)], by=therapist)

    measures = selectors.course_measures(course)

    assert measures.description.startswith(
        "PHQ-9 15 at session 1; no GAD-7 scores; no WSAS scores; no risk answers. "
    )
    assert measures.rows[0].gad7 is None


def test_attended_session_without_scores_is_a_row_and_breaks_the_lines(therapist):
    course = new_course(therapist)
    first, second, third = attend(course, therapist, 3)
    services.record_responses(
        source="clinic", appointment=first, answers=[phq(16), gad(11)], by=therapist
    )
    services.record_responses(
        source="clinic", appointment=third, answers=[phq(12), gad(9)], by=therapist
    )

    measures = selectors.course_measures(course)

    assert [(r.session, r.phq9, r.gad7) for r in measures.rows] == [
        (1, Score(16, "Moderately severe", True), Score(11, "Moderate", True)),
        (2, None, None),
        (3, Score(12, "Moderate", True), Score(9, "Mild", True)),
    ]
    assert [p.lines for p in measures.chart.panels] == [(), (), ()]
    assert measures.rows[1].appointment_public_id == second.public_id


def test_session_with_only_one_measure_breaks_only_that_line(therapist):
    course = new_course(therapist)
    first, second, third = attend(course, therapist, 3)
    services.record_responses(
        source="clinic", appointment=first, answers=[phq(16), gad(11)], by=therapist
    )
    services.record_responses(source="clinic", appointment=second, answers=[phq(14)], by=therapist)
    services.record_responses(
        source="clinic", appointment=third, answers=[phq(12), gad(9)], by=therapist
    )

    phq_panel, gad_panel, _ = selectors.course_measures(course).chart.panels

    assert phq_panel.lines == ("88,119 152,129 216,139",)
    assert [p.position for p in gad_panel.points] == [1, 3]
    assert gad_panel.lines == ()


def test_only_complete_scores_of_this_course_are_charted(therapist):
    course = new_course(therapist)
    first, second = attend(course, therapist, 2)
    services.record_responses(
        source="clinic", appointment=first, answers=[phq(16), gad(11), wsas(1)], by=therapist
    )
    Response.objects.create(
        practice=course.practice,
        client=course.client,
        course=course,
        appointment=second,
        instrument="GAD-7",
        instrument_version=1,
        status=Response.Status.DRAFT,
        answers={"q1": 2},
    )
    other = measured_course(therapist, sessions=2, name="Someone Else", start=dt.date(2026, 3, 3))

    measures = selectors.course_measures(course)

    assert [
        (r.session, r.phq9.total if r.phq9 else None, r.gad7, r.wsas) for r in measures.rows
    ] == [
        (1, 16, Score(11, "Moderate", True), Score(5, "Subclinical", None)),
        (2, None, None, None),
    ]
    assert [len(p.points) for p in measures.chart.panels] == [1, 1, 1]
    assert [len(p.points) for p in selectors.course_measures(other).chart.panels] == [2, 2, 0]


def test_risk_answer_edited_away_keeps_its_marker_and_says_so(ten, therapist):
    third = ten.appointments.get(session_number=RISK_SESSION)
    services.record_responses(
        source="clinic", appointment=third, answers=[phq(15)], versions={"PHQ-9": 1}, by=therapist
    )

    measures = selectors.course_measures(ten)

    assert measures.risk_positions == (3,)
    assert measures.rows[2].phq9 == Score(15, "Moderately severe", True)
    assert measures.rows[2].risk == (
        RiskAnswer("PHQ-9", 9, 1, "Several days", current=False, flag_open=True),
    )


def test_acknowledged_flag_is_shown_as_acknowledged(ten, therapist):
    services.acknowledge_flag(
        flag=RiskFlag.objects.get(), note="Safety plan reviewed together.", actor=therapist
    )

    (answer,) = selectors.course_measures(ten).rows[2].risk

    assert answer == RiskAnswer("PHQ-9", 9, 1, "Several days", current=True, flag_open=False)


def test_risk_answer_raised_again_after_acknowledgement_shows_the_open_flag(ten, therapist):
    flag = RiskFlag.objects.get()
    services.acknowledge_flag(flag=flag, note="Called the client the same day.", actor=therapist)
    third = ten.appointments.get(session_number=RISK_SESSION)
    services.record_responses(
        source="clinic",
        appointment=third,
        answers=[phq(18, item9=2)],
        versions={"PHQ-9": 1},
        by=therapist,
    )

    risk = selectors.course_measures(ten).rows[2].risk

    assert risk == (
        RiskAnswer("PHQ-9", 9, 2, "More than half the days", current=True, flag_open=True),
        RiskAnswer("PHQ-9", 9, 1, "Several days", current=False, flag_open=False),
    )


def test_risk_answer_at_a_session_later_marked_missed_stays_in_the_table(therapist):
    course = new_course(therapist)
    first, second = attend(course, therapist, 2)
    services.record_responses(
        source="clinic", appointment=first, answers=[phq(16), gad(11)], by=therapist
    )
    services.record_responses(
        source="clinic", appointment=second, answers=[phq(9, item9=1)], by=therapist
    )
    treatment.mark_did_not_attend(appointment=second, actor=therapist)

    measures = selectors.course_measures(course)

    assert [(r.kind, r.session, r.phq9 is None) for r in measures.rows] == [
        (RowKind.SESSION, 1, False),
        (RowKind.OTHER, None, True),
    ]
    assert measures.rows[1].risk == (
        RiskAnswer("PHQ-9", 9, 1, "Several days", current=True, flag_open=True),
    )
    assert measures.rows[1].when == second.starts_at
    assert measures.risk_positions == ()
    assert [len(p.points) for p in measures.chart.panels] == [1, 1, 0]


def test_scores_at_assessment_are_charted_before_session_one_but_never_paired(therapist):
    client = ClientFactory(practice=therapist.practice, therapist=therapist)
    course = CourseFactory(client=client)
    assessment = treatment.record_past_session(
        course=course,
        start=dt.datetime(2026, 2, 23, 10, 0, tzinfo=dt.UTC),
        minutes=50,
        kind="assessment",
        status="attended",
        actor=therapist,
    )
    services.record_responses(
        source="clinic", appointment=assessment, answers=[phq(20, item9=1), gad(13)], by=therapist
    )
    course = treatment.start_course(course=course, values=weekly(10), actor=therapist)
    for number, appointment in enumerate(attend(course, therapist, 3)[1:], start=1):
        services.record_responses(
            source="clinic",
            appointment=appointment,
            answers=[phq(8 - number), gad(6 - number)],
            by=therapist,
        )

    measures = selectors.course_measures(course)

    assert [(r.kind, r.session) for r in measures.rows] == [
        (RowKind.ASSESSMENT, None),
        (RowKind.SESSION, 1),
        (RowKind.SESSION, 2),
    ]
    assert measures.chart.has_assessment
    assert [(p.position, p.total) for p in measures.chart.panels[0].points] == [
        (0, 20),
        (1, 7),
        (2, 6),
    ]
    assert measures.risk_positions == (0,)
    assert measures.description.startswith(
        "PHQ-9 from 20 at assessment to 6 at session 2; GAD-7 from 13 at assessment to 4 at "
        "session 2; no WSAS scores; risk answer at assessment. "
    )
    assert measures.sentence == (
        # The outcome pairs treatment sessions only: session 1 (7, 5) with session 2 (6, 4).
        "Below caseness at start; no reliable change on PHQ-9 (7 to 6) and GAD-7 (5 to 4)."
        + NOT_FINISHED
    )


def test_sessions_past_the_plan_are_charted_in_an_over_plan_band(therapist):
    client = ClientFactory(practice=therapist.practice, therapist=therapist)
    course = CourseFactory(client=client, state="active", planned_sessions=8)
    start = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
    for number in range(1, 10):
        appointment = AppointmentFactory(
            course=course,
            starts_at=start + dt.timedelta(weeks=number - 1),
            status="attended",
            session_number=number,
        )
        services.record_responses(
            source="clinic",
            appointment=appointment,
            answers=[phq(20 - number), gad(15 - number)],
            by=therapist,
        )

    measures = selectors.course_measures(course)

    assert [(b.phase, b.first, b.last) for b in measures.chart.bands][-1] == ("over_plan", 9, 9)
    assert measures.chart.panels[0].last.position == 9
    assert measures.description.startswith("PHQ-9 from 19 at session 1 to 11 at session 9; ")
    assert measures.description.endswith(
        "phases of the 8-session plan. Session 9 is past the plan."
    )


def test_risk_answers_at_several_sessions_are_listed_together(therapist):
    course = new_course(therapist)
    for number, appointment in enumerate(attend(course, therapist, 4), start=1):
        services.record_responses(
            source="clinic",
            appointment=appointment,
            answers=[phq(12, item9=1 if number > 2 else 0), gad(9)],
            by=therapist,
        )

    measures = selectors.course_measures(course)

    assert measures.risk_positions == (3, 4)
    assert "; risk answers at sessions 3 and 4. " in measures.description


@pytest.mark.parametrize("sessions", [2, 12])
def test_course_measures_take_five_queries_whatever_the_number_of_sessions(
    therapist, django_assert_num_queries, sessions
):
    course = new_course(therapist, planned=16, start=dt.date(2026, 2, 2))
    for appointment in attend(course, therapist, sessions):
        services.record_responses(
            source="clinic",
            appointment=appointment,
            answers=[phq(12, item9=1), gad(9)],
            by=therapist,
        )

    with django_assert_num_queries(5):
        measures = selectors.course_measures(course)

    assert len(measures.rows) == sessions
    assert measures.risk_positions == tuple(range(1, sessions + 1))


def test_course_measures_from_the_pages_appointments_match_their_own_reads(
    therapist, django_assert_num_queries
):
    course = new_course(therapist, planned=16, start=dt.date(2026, 2, 2))
    answers = {1: [phq(14, item9=1), gad(9)], 2: [phq(12)], 3: [phq(9), gad(6)]}
    for number, appointment in enumerate(attend(course, therapist, 4), start=1):
        if number in answers:
            services.record_responses(
                source="clinic", appointment=appointment, answers=answers[number], by=therapist
            )
    appointments = list(course.appointments.order_by("starts_at", "id"))

    with django_assert_num_queries(2):
        given = selectors.course_measures(course, appointments=appointments)
    read = selectors.course_measures(course)

    assert (given.rows, given.outcome, given.sentence, given.chart) == (
        read.rows,
        read.outcome,
        read.sentence,
        read.chart,
    )
    assert selectors.missing_measures_of(given) == (2, 4)
    assert selectors.sessions_missing_measures([course.pk]) == {course.pk: (2, 4)}
    assert selectors.phq9_by_session(given) == [(1, 14), (2, 12), (3, 9)]


def _drawn(planned, phq_scores, risk=(), caseness=None):
    threshold = caseness or Threshold(Comparator.GE, 10)
    return chart.build_chart(
        series=[chart.Series("PHQ-9", 0, 27, threshold, phq_scores)],
        phases=phase_bounds(planned),
        risk=risk,
    )


@pytest.mark.parametrize(
    ("drawn", "planned", "expected"),
    [
        (
            _drawn(8, {1: 15, 10: 9}, risk=(0, 3, 4)),
            8,
            "PHQ-9 from 15 at session 1 to 9 at session 10; risk answers at assessment and "
            "sessions 3 and 4. Dashed lines mark caseness: PHQ-9 10 or more. Shaded bands mark "
            "the initial, middle and ending phases of the 8-session plan. Sessions 9 to 10 are "
            "past the plan.",
        ),
        (
            _drawn(16, {0: 12}),
            16,
            "PHQ-9 12 at assessment; no risk answers. Dashed lines mark caseness: PHQ-9 10 or "
            "more. Shaded bands mark the initial, middle and ending phases of the 16-session "
            "plan.",
        ),
    ],
)
def test_chart_description_in_words(drawn, planned, expected):
    assert selectors.describe_chart(drawn, planned) == expected


@pytest.mark.parametrize(
    ("comparator", "words"),
    [(">=", "10 or more"), (">", "above 10"), ("<=", "10 or less"), ("<", "below 10")],
)
def test_caseness_comparator_is_put_in_words(comparator, words):
    drawn = _drawn(16, {}, caseness=Threshold(Comparator(comparator), 10))

    assert f"Dashed lines mark caseness: PHQ-9 {words}." in selectors.describe_chart(drawn, 16)


def test_a_total_outside_the_current_scale_stays_in_the_table_but_off_the_chart(therapist):
    course = new_course(therapist)
    first, second = attend(course, therapist, 2)
    services.record_responses(source="clinic", appointment=first, answers=[phq(16)], by=therapist)
    Response.objects.create(
        practice=course.practice,
        client=course.client,
        course=course,
        appointment=second,
        instrument="PHQ-9",
        instrument_version=1,
        status=Response.Status.COMPLETE,
        completed_at=second.starts_at,
        answers={},
        total=30,
        band="Older scale",
    )

    measures = selectors.course_measures(course)

    assert [r.phq9 for r in measures.rows] == [
        Score(16, "Moderately severe", True),
        Score(30, "Older scale", None),
    ]
    assert [p.position for p in measures.chart.panels[0].points] == [1]


def record_wsas(course, therapist, totals_by_session):
    for number, per_item in totals_by_session.items():
        services.record_responses(
            source="clinic",
            appointment=course.appointments.get(session_number=number),
            answers=[wsas(per_item)],
            by=therapist,
        )


def test_wsas_is_charted_and_tabled_with_its_bands(ten, therapist):
    record_wsas(ten, therapist, {1: 5, 10: 2})

    measures = selectors.course_measures(ten)

    wsas_panel = measures.chart.panels[2]
    assert [r.wsas for r in measures.rows] == [
        Score(25, "Moderately severe or worse psychopathology", None),
        *[None] * 8,
        Score(10, "Significant functional impairment with less severe symptoms", None),
    ]
    assert [(p.position, p.total, p.x, p.y) for p in wsas_panel.points] == [
        (1, 25, 88.0, 427),
        (10, 10, 664.0, 502),
    ]
    assert [(b.low, b.high, b.edge_y) for b in wsas_panel.bands] == [
        (0, 9, None),
        (10, 20, 502),
        (21, 40, 447),
    ]
    assert [(code, b.low, b.high, b.label) for code, b in measures.bands] == [
        ("WSAS", 0, 9, "Subclinical"),
        ("WSAS", 10, 20, "Significant functional impairment with less severe symptoms"),
        ("WSAS", 21, 40, "Moderately severe or worse psychopathology"),
    ]
    assert "; WSAS from 25 at session 1 to 10 at session 10; " in measures.description


def test_wsas_scores_change_no_outcome_figure(ten, therapist):
    def figures():
        row = OutcomeSummary.objects.get(course=ten)
        stored = model_to_dict(row, exclude=["id"])
        measures = selectors.course_measures(ten)
        return stored, summary.course_outcome(ten), measures.outcome, measures.sentence

    before = figures()
    record_wsas(ten, therapist, {1: 8, 5: 0, 10: 1})

    assert figures() == before
    assert Response.objects.filter(course=ten, instrument="WSAS").count() == 3
