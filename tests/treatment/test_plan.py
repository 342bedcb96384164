from datetime import date, datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from patternwork.treatment.plan import (
    ATTENDED_INVALID,
    CADENCE_INVALID,
    DEFAULT_SESSION_MINUTES,
    DEFAULT_SESSIONS,
    GAD7,
    MAX_SESSION_MINUTES,
    MAX_SESSIONS,
    MIN_SESSION_MINUTES,
    MIN_SESSIONS,
    PHQ9,
    SESSION_MINUTES_INVALID,
    SESSION_NUMBER_INVALID,
    SESSIONS_INVALID,
    START_DATE_INVALID,
    START_TIME_INVALID,
    WSAS,
    AppointmentStatus,
    Cadence,
    Phase,
    PhaseBounds,
    PhaseRange,
    PlanSettings,
    PlanSettingsError,
    is_finished_course,
    measures_due,
    measures_due_at_ending,
    number_sessions,
    phase_bounds,
    phase_for,
    settings_problems,
)

START = date(2025, 1, 6)
NINE = time(9, 0)

# Written out by hand (initial = N/4 rounded half up), not computed from the formula.
HAND_BOUNDS = {
    8: ((1, 2), (3, 6), (7, 8)),
    9: ((1, 2), (3, 7), (8, 9)),
    10: ((1, 3), (4, 7), (8, 10)),
    11: ((1, 3), (4, 8), (9, 11)),
    12: ((1, 3), (4, 9), (10, 12)),
    13: ((1, 3), (4, 10), (11, 13)),
    14: ((1, 4), (5, 10), (11, 14)),
    15: ((1, 4), (5, 11), (12, 15)),
    16: ((1, 4), (5, 12), (13, 16)),
    17: ((1, 4), (5, 13), (14, 17)),
    18: ((1, 5), (6, 13), (14, 18)),
    19: ((1, 5), (6, 14), (15, 19)),
    20: ((1, 5), (6, 15), (16, 20)),
    21: ((1, 5), (6, 16), (17, 21)),
    22: ((1, 6), (7, 16), (17, 22)),
    23: ((1, 6), (7, 17), (18, 23)),
    24: ((1, 6), (7, 18), (19, 24)),
    25: ((1, 6), (7, 19), (20, 25)),
    26: ((1, 7), (8, 19), (20, 26)),
    27: ((1, 7), (8, 20), (21, 27)),
    28: ((1, 7), (8, 21), (22, 28)),
    29: ((1, 7), (8, 22), (23, 29)),
    30: ((1, 8), (9, 22), (23, 30)),
}

# One letter per session 1..N+2: I initial, M middle, E ending, O over plan.
HAND_PHASES = {
    8: "IIMMMMEEOO",
    10: "IIIMMMMEEEOO",
    14: "IIIIMMMMMMEEEEOO",
    16: "IIIIMMMMMMMMEEEEOO",
    18: "IIIIIMMMMMMMMEEEEEOO",
    20: "IIIIIMMMMMMMMMMEEEEEOO",
    22: "IIIIIIMMMMMMMMMMEEEEEEOO",
    26: "IIIIIIIMMMMMMMMMMMMEEEEEEEOO",
    30: "IIIIIIIIMMMMMMMMMMMMMMEEEEEEEEOO",
}
LETTER_PHASE = {"I": Phase.INITIAL, "M": Phase.MIDDLE, "E": Phase.ENDING, "O": Phase.OVER_PLAN}


def _valid_values(**overrides):
    values = {
        "planned_sessions": 16,
        "cadence": "weekly",
        "session_minutes": 50,
        "start_date": START,
        "start_time": NINE,
    }
    return {**values, **overrides}


def test_plan_settings_defaults():
    settings = PlanSettings(start_date=START, start_time=NINE)

    assert (settings.planned_sessions, settings.cadence, settings.session_minutes) == (
        DEFAULT_SESSIONS,
        Cadence.WEEKLY,
        DEFAULT_SESSION_MINUTES,
    )
    assert (DEFAULT_SESSIONS, DEFAULT_SESSION_MINUTES) == (16, 50)


@pytest.mark.parametrize(("cadence", "days"), [(Cadence.WEEKLY, 7), (Cadence.FORTNIGHTLY, 14)])
def test_cadence_days(cadence, days):
    assert cadence.days == days


def test_plan_settings_coerces_cadence_string():
    settings = PlanSettings(start_date=START, start_time=NINE, cadence="fortnightly")

    assert settings.cadence is Cadence.FORTNIGHTLY


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("planned_sessions", MIN_SESSIONS),
        ("planned_sessions", MAX_SESSIONS),
        ("session_minutes", MIN_SESSION_MINUTES),
        ("session_minutes", MAX_SESSION_MINUTES),
        ("cadence", "fortnightly"),
        ("cadence", Cadence.WEEKLY),
    ],
)
def test_settings_problems_accepts_limits(field, value):
    assert settings_problems(**_valid_values(**{field: value})) == {}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("planned_sessions", 7, SESSIONS_INVALID),
        ("planned_sessions", 31, SESSIONS_INVALID),
        ("planned_sessions", "16", SESSIONS_INVALID),
        ("planned_sessions", 16.0, SESSIONS_INVALID),
        ("planned_sessions", True, SESSIONS_INVALID),
        ("planned_sessions", None, SESSIONS_INVALID),
        ("cadence", "monthly", CADENCE_INVALID),
        ("cadence", "", CADENCE_INVALID),
        ("cadence", 7, CADENCE_INVALID),
        ("session_minutes", 19, SESSION_MINUTES_INVALID),
        ("session_minutes", 121, SESSION_MINUTES_INVALID),
        ("session_minutes", None, SESSION_MINUTES_INVALID),
        ("start_date", None, START_DATE_INVALID),
        ("start_date", "2025-01-06", START_DATE_INVALID),
        ("start_date", datetime(2025, 1, 6, 9, 0), START_DATE_INVALID),
        ("start_time", None, START_TIME_INVALID),
        ("start_time", "09:00", START_TIME_INVALID),
    ],
)
def test_settings_problems_names_the_field(field, value, message):
    assert settings_problems(**_valid_values(**{field: value})) == {field: message}


def test_settings_problems_reports_every_problem_at_once():
    problems = settings_problems(
        planned_sessions=40,
        cadence="daily",
        session_minutes=5,
        start_date=None,
        start_time=None,
    )

    assert problems == {
        "planned_sessions": SESSIONS_INVALID,
        "cadence": CADENCE_INVALID,
        "session_minutes": SESSION_MINUTES_INVALID,
        "start_date": START_DATE_INVALID,
        "start_time": START_TIME_INVALID,
    }


def test_plan_settings_raises_every_problem_at_once():
    with pytest.raises(PlanSettingsError) as excinfo:
        PlanSettings(
            start_date=START,
            start_time=NINE,
            planned_sessions=6,
            cadence="daily",
            session_minutes=200,
        )

    assert excinfo.value.problems == {
        "planned_sessions": SESSIONS_INVALID,
        "cadence": CADENCE_INVALID,
        "session_minutes": SESSION_MINUTES_INVALID,
    }
    assert isinstance(excinfo.value, ValueError)


def test_settings_limits_match_the_design():
    assert (MIN_SESSIONS, MAX_SESSIONS, MIN_SESSION_MINUTES, MAX_SESSION_MINUTES) == (
        8,
        30,
        20,
        120,
    )


@pytest.mark.parametrize("planned", sorted(HAND_BOUNDS))
def test_phase_bounds_match_hand_table(planned):
    initial, middle, ending = HAND_BOUNDS[planned]

    assert phase_bounds(planned) == PhaseBounds(
        initial=PhaseRange(*initial), middle=PhaseRange(*middle), ending=PhaseRange(*ending)
    )


def test_hand_table_covers_every_allowed_plan():
    assert sorted(HAND_BOUNDS) == list(range(MIN_SESSIONS, MAX_SESSIONS + 1))


@pytest.mark.parametrize(
    ("planned", "initial_length"),
    [(10, 3), (14, 4), (18, 5), (22, 6), (26, 7), (30, 8)],
)
def test_phase_bounds_rounds_halves_up(planned, initial_length):
    # Each of these is an exact half (2.5, 3.5, ...), where round() would go to even.
    bounds = phase_bounds(planned)

    assert (len(bounds.initial), len(bounds.ending)) == (initial_length, initial_length)


@pytest.mark.parametrize(
    ("planned", "expected"),
    [
        (16, ((1, 4), (5, 12), (13, 16))),
        (10, ((1, 3), (4, 7), (8, 10))),
        (18, ((1, 5), (6, 13), (14, 18))),
        (20, ((1, 5), (6, 15), (16, 20))),
    ],
)
def test_phase_bounds_design_examples(planned, expected):
    bounds = phase_bounds(planned)

    assert (
        tuple((r.first, r.last) for r in (bounds.initial, bounds.middle, bounds.ending)) == expected
    )


@pytest.mark.parametrize("planned", sorted(HAND_PHASES))
def test_phase_for_every_session_matches_hand_string(planned):
    phases = [phase_for(n, planned) for n in range(1, planned + 3)]

    assert phases == [LETTER_PHASE[letter] for letter in HAND_PHASES[planned]]


@pytest.mark.parametrize("planned", range(MIN_SESSIONS, MAX_SESSIONS + 1))
def test_phase_for_every_session_matches_hand_bounds(planned):
    (i_first, i_last), (m_first, m_last), (e_first, e_last) = HAND_BOUNDS[planned]
    expected = (
        [Phase.INITIAL] * (i_last - i_first + 1)
        + [Phase.MIDDLE] * (m_last - m_first + 1)
        + [Phase.ENDING] * (e_last - e_first + 1)
        + [Phase.OVER_PLAN] * 2
    )

    assert [phase_for(n, planned) for n in range(1, planned + 3)] == expected


@pytest.mark.parametrize("planned", range(MIN_SESSIONS, MAX_SESSIONS + 1))
def test_phase_bounds_invariants(planned):
    bounds = phase_bounds(planned)
    sessions = [*bounds.initial.sessions, *bounds.middle.sessions, *bounds.ending.sessions]

    assert sessions == list(range(1, planned + 1))
    assert len(bounds.initial) == len(bounds.ending)
    assert len(bounds.middle) >= 1
    assert bounds.planned == planned


@given(st.integers(MIN_SESSIONS, MAX_SESSIONS), st.integers(1, 60))
def test_phase_for_is_monotonic_property(planned, session_number):
    order = [Phase.INITIAL, Phase.MIDDLE, Phase.ENDING, Phase.OVER_PLAN]

    here = order.index(phase_for(session_number, planned))
    after = order.index(phase_for(session_number + 1, planned))

    assert after in (here, here + 1)


@pytest.mark.parametrize(
    ("session_number", "planned", "message"),
    [
        (0, 16, SESSION_NUMBER_INVALID),
        (-1, 16, SESSION_NUMBER_INVALID),
        (True, 16, SESSION_NUMBER_INVALID),
        (1.0, 16, SESSION_NUMBER_INVALID),
        (1, 7, SESSIONS_INVALID),
        (1, 31, SESSIONS_INVALID),
        (1, None, SESSIONS_INVALID),
    ],
)
def test_phase_for_rejects_bad_numbers(session_number, planned, message):
    with pytest.raises(ValueError, match="must be a whole number") as excinfo:
        phase_for(session_number, planned)

    assert str(excinfo.value) == message


@pytest.mark.parametrize("planned", [0, 7, 31])
def test_phase_bounds_rejects_plan_outside_limits(planned):
    with pytest.raises(ValueError, match="Planned sessions must be"):
        phase_bounds(planned)


def test_phase_range_contains_only_whole_numbers_inside():
    phase = PhaseRange(5, 12)

    assert [n for n in (4, 5, 12, 13) if n in phase] == [5, 12]
    assert (5.0 in phase, "5" in phase) == (False, False)


def test_appointment_status_values():
    assert [status.value for status in AppointmentStatus] == [
        "booked",
        "attended",
        "cancelled_client",
        "cancelled_therapist",
        "dna",
    ]


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([], []),
        (["attended", "attended", "attended"], [1, 2, 3]),
        (
            ["attended", "dna", "attended", "cancelled_client", "cancelled_therapist", "attended"],
            [1, None, 2, None, None, 3],
        ),
        (["cancelled_client", "attended", "booked", "booked"], [None, 1, None, None]),
        ([AppointmentStatus.DNA, AppointmentStatus.ATTENDED], [None, 1]),
    ],
)
def test_number_sessions_counts_only_attended(statuses, expected):
    assert number_sessions(statuses) == expected


def test_number_sessions_rejects_unknown_status():
    with pytest.raises(ValueError, match="'missed' is not a valid AppointmentStatus"):
        number_sessions(["attended", "missed"])


@pytest.mark.parametrize(
    ("session_number", "planned", "expected"),
    [
        (1, 16, (PHQ9, GAD7, WSAS)),
        (2, 16, (PHQ9, GAD7)),
        (15, 16, (PHQ9, GAD7)),
        (16, 16, (PHQ9, GAD7, WSAS)),
        (17, 16, (PHQ9, GAD7)),
        (18, 16, (PHQ9, GAD7)),
        (1, 8, (PHQ9, GAD7, WSAS)),
        (8, 8, (PHQ9, GAD7, WSAS)),
        (9, 8, (PHQ9, GAD7)),
        (30, 30, (PHQ9, GAD7, WSAS)),
    ],
)
def test_measures_due(session_number, planned, expected):
    assert measures_due(session_number, planned) == expected


def test_measure_codes():
    assert (PHQ9, GAD7, WSAS) == ("PHQ-9", "GAD-7", "WSAS")


@pytest.mark.parametrize(("session_number", "planned"), [(0, 16), (1, 7)])
def test_measures_due_rejects_bad_numbers(session_number, planned):
    with pytest.raises(ValueError, match="must be a whole number"):
        measures_due(session_number, planned)


@pytest.mark.parametrize(
    ("last_attended", "recorded", "expected"),
    [
        (None, (), ()),
        (1, (), (WSAS,)),
        (1, (PHQ9, GAD7, WSAS), ()),
        (10, (PHQ9, GAD7), (WSAS,)),
        (10, (), (WSAS,)),
        (10, (WSAS,), ()),
        (16, (PHQ9, GAD7, WSAS), ()),
        (16, (PHQ9, GAD7), (WSAS,)),
        (18, (PHQ9, GAD7), (WSAS,)),
    ],
)
def test_measures_due_at_ending(last_attended, recorded, expected):
    assert measures_due_at_ending(last_attended=last_attended, recorded=recorded) == expected


def test_measures_due_at_ending_rejects_a_bad_session_number():
    with pytest.raises(ValueError, match="must be a whole number"):
        measures_due_at_ending(last_attended=0, recorded=())


@pytest.mark.parametrize("planned", range(MIN_SESSIONS, MAX_SESSIONS + 1))
def test_wsas_is_asked_once_at_the_first_and_once_at_the_last_attended_session(planned):
    # Every possible last session: ended early, at the plan, and over it.
    for last in range(1, planned + 4):
        asked = [n for n in range(1, last + 1) if WSAS in measures_due(n, planned)]
        recorded_at_last = (WSAS,) if last in asked else ()
        at_ending = measures_due_at_ending(last_attended=last, recorded=recorded_at_last)
        if at_ending:
            asked.append(last)

        assert asked[0] == 1
        assert asked[-1] == last
        assert len(asked) == len(set(asked))
        assert set(asked) <= {1, planned, last}


@pytest.mark.parametrize(
    ("ended", "attended", "expected"),
    [
        (True, 0, False),
        (True, 1, False),
        (True, 2, True),
        (True, 16, True),
        (False, 2, False),
        (False, 16, False),
    ],
)
def test_is_finished_course(ended, attended, expected):
    assert is_finished_course(ended=ended, attended=attended) is expected


def test_is_finished_course_rejects_negative_attended():
    with pytest.raises(ValueError, match=r"^Attended sessions must be a whole number") as excinfo:
        is_finished_course(ended=True, attended=-1)

    assert str(excinfo.value) == ATTENDED_INVALID
