"""One row per finished course: it agrees with the service report and the pure module."""

import datetime as dt
import random

import pytest
from django.core.exceptions import PermissionDenied

from patternwork.measures import outcomes, summary
from patternwork.measures.models import OutcomeSummary, RiskFlag
from patternwork.reports.course_outcomes import course_outcome_rows
from patternwork.reports.selectors import service_report_for
from patternwork.treatment import plan
from tests.factories import RiskFlagFactory
from tests.reports.builders import Spec, build_course, build_courses


def _spec(rng: random.Random) -> Spec:
    sessions = rng.choice([0, 1, 2, 3, *range(2, 17)])

    def score(top: int) -> int | None:
        return None if rng.random() < 0.15 else rng.randint(0, top)

    first = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 500))
    ended_on = (
        None if rng.random() < 0.15 else first + dt.timedelta(weeks=sessions + rng.randint(-2, 6))
    )
    return Spec(
        scores=[(score(27), score(21)) for _ in range(sessions)],
        first_on=first,
        ended_on=ended_on,
        referral_on=None if rng.random() < 0.1 else first - dt.timedelta(days=rng.randint(0, 150)),
        dna=rng.randint(0, 2),
        extras=tuple(extra for extra in ("wsas", "missed_scores") if rng.random() < 0.25),
    )


def decisions(outcome: outcomes.CourseOutcome) -> tuple:
    """What an outcome decides, leaving out which contacts its scores came from."""

    def measure(m: outcomes.MeasureOutcome):
        total = (m.first.total if m.first else None, m.last.total if m.last else None)
        return (*total, m.change)

    return (
        measure(outcome.depression),
        measure(outcome.anxiety),
        outcome.paired,
        outcome.caseness_at_start,
        outcome.recovered,
        outcome.reliable_improvement,
        outcome.reliable_deterioration,
        outcome.no_reliable_change,
        outcome.reliable_recovery,
        outcome.counts_for_recovery,
    )


@pytest.fixture
def population(therapist, other_therapist, foreign_therapist):
    rng = random.Random(20260401)
    staff = [therapist] * 4 + [other_therapist] * 3 + [foreign_therapist]
    built = [(member, _spec(rng)) for member in rng.choices(staff, k=150)]
    return [
        (member, course) for (member, _), course in zip(built, build_courses(built), strict=True)
    ]


# The three scopes are read from one population: building it is what costs the time.
SCOPES = [
    ("practice", None, None),
    ("therapist", None, None),
    ("practice", dt.date(2024, 6, 1), dt.date(2025, 1, 31)),
]


def test_rows_agree_with_the_report_and_the_pure_module(population, admin, therapist):
    for who, start, end in SCOPES:
        _rows_agree(population, admin, therapist if who == "therapist" else None, start, end)


def _rows_agree(population, admin, member, start, end):
    rows = list(course_outcome_rows(admin, therapist=member, ended_from=start, ended_to=end))

    report = service_report_for(admin, therapist=member, ended_from=start, ended_to=end)
    assert len(rows) == report.finished
    # Each row's outcome is the pure module's, from the raw scores of its course.
    courses = {course.public_id: course for _member, course in population}
    pure = [summary.course_outcome(courses[row.course_id]) for row in rows]
    assert [decisions(row.outcome) for row in rows] == [decisions(outcome) for outcome in pure]
    # Counted up, the rows give the report's figures.
    assert outcomes.service_rates(row.outcome for row in rows) == report.outcomes
    waits = [row.wait_days for row in rows if row.wait_days is not None]
    assert (len(waits), sum(waits)) == (report.waits.count, report.waits.total_days)
    assert sum(row.attended for row in rows) == report.attended_sessions.total
    assert sum(row.did_not_attend for row in rows) == report.did_not_attend.count
    practice_rows = {row.course_id for row in rows}
    assert all(courses[course_id].practice == admin.practice for course_id in practice_rows)


def test_a_row_holds_the_scores_wsas_flags_and_date_problems(admin, therapist):
    course = build_course(
        therapist,
        Spec(
            [(16, 12), (12, 10), (8, 6)],
            referral_on=dt.date(2025, 1, 20),  # after the first session: dated wrongly
            extras=("wsas",),
        ),
    )
    first, last = course.responses.filter(instrument="PHQ-9").order_by("completed_at")[::2]
    RiskFlagFactory(response=first)
    RiskFlagFactory(
        response=last,
        acknowledged_at=dt.datetime(2025, 6, 1, tzinfo=dt.UTC),
        acknowledged_by=therapist,
    )

    (row,) = course_outcome_rows(admin)

    assert (row.client_number, row.therapist, row.end_reason) == (
        course.client.client_number,
        "Dr Ada Therapist",
        "completed",
    )
    assert (row.phq9, row.gad7, row.wsas) == ((16, 8), (12, 6), (30, None))
    assert row.changes == (outcomes.Change.IMPROVED, outcomes.Change.IMPROVED)
    assert (row.outcome.recovered, row.outcome.reliable_recovery) == (True, True)
    assert (row.risk_flags, row.risk_flags_open) == (2, 1)
    assert row.date_problems == (plan.DateProblem.SESSION_BEFORE_REFERRAL,)
    assert row.wait_days is None
    assert RiskFlag.objects.count() == 2


def test_only_finished_courses_are_listed(admin, therapist):
    build_course(therapist, Spec([(15, 10), (4, 3)]))
    build_course(therapist, Spec([(15, 10), (4, 3)], ended_on=None))
    build_course(therapist, Spec([(15, 10)]))

    assert len(list(course_outcome_rows(admin))) == 1


def test_the_scope_is_the_reports(supervisor, therapist, other_therapist, admin, foreign_therapist):
    build_course(therapist, Spec([(15, 10), (4, 3)]))
    build_course(other_therapist, Spec([(15, 10), (4, 3)]))
    build_course(foreign_therapist, Spec([(15, 10), (4, 3)]))

    assert len(list(course_outcome_rows(supervisor))) == 1
    assert len(list(course_outcome_rows(admin))) == 2
    with pytest.raises(PermissionDenied):
        course_outcome_rows(supervisor, therapist=other_therapist)
    with pytest.raises(PermissionDenied):
        course_outcome_rows(admin, therapist=foreign_therapist)


def test_one_query_whatever_the_number_of_courses(admin, therapist, django_assert_num_queries):
    for size in (1, 30):
        spec = Spec([(15, 10), (4, 3)], extras=("wsas",))
        build_courses([(therapist, spec)] * (size - OutcomeSummary.objects.count()))
        with django_assert_num_queries(1):
            rows = list(course_outcome_rows(admin))
        assert len(rows) == size
