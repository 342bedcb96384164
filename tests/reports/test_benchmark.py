"""The benchmark's code path (bench/), at a size the suite can afford, so it cannot rot."""

import datetime as dt
import statistics
from collections import defaultdict
from fractions import Fraction

import duckdb
import pytest

from bench import service_report as synthetic
from patternwork.measures import outcomes
from patternwork.measures.config import outcome_config
from patternwork.measures.models import OutcomeSummary
from patternwork.measures.outcomes import Rate
from patternwork.reports.selectors import Mean, service_report
from tests.reports.builders import Spec, bench_dataset

COURSES = 500


@pytest.fixture
def loaded(db, tmp_path):
    # More missed questionnaires than the full run, so unpaired courses are common here.
    dataset = synthetic.generate(tmp_path, courses=COURSES, seed=3, missing=0.15)
    return dataset, synthetic.load(dataset)["practice"]


def _expected(dataset):
    points = defaultdict(lambda: ([], []))
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    for rows in synthetic.read_rows(dataset.scores_path):
        for course, contact, phq, gad in rows:
            when = start + dt.timedelta(days=contact)
            for index, total in enumerate((phq, gad)):
                if total is not None:
                    points[course][index].append(outcomes.ScorePoint(contact, when, total))
    courses = [row for rows in synthetic.read_rows(dataset.courses_path) for row in rows]
    waits = [
        (dt.date.fromisoformat(first) - dt.date.fromisoformat(referral)).days
        for _, _, referral, _, first, _, _, _, _ in courses
    ]
    return {
        "rates": outcomes.service_rates(
            outcomes.course_outcome(*points[row[0]], finished=True) for row in courses
        ),
        "attended": sum(row[6] for row in courses),
        "dna": sum(row[7] for row in courses),
        "waits": waits,
    }


def test_synthetic_service_gives_the_pure_modules_figures(loaded):
    dataset, practice = loaded

    report = service_report(practice)

    expected = _expected(dataset)
    assert OutcomeSummary.objects.filter(practice=practice).count() == COURSES
    assert (report.referrals, report.started, report.finished) == (COURSES,) * 3
    assert report.outcomes == expected["rates"]
    assert report.paired.count < COURSES
    # Unpaired courses stay in the recovery denominator beside the paired ones at caseness.
    rates = report.outcomes
    assert rates.finished_unpaired > 0
    assert rates.recovery.denominator == rates.paired_at_caseness + rates.finished_unpaired
    assert report.attended_sessions == Mean(expected["attended"], COURSES)
    assert report.did_not_attend == Rate(expected["dna"], expected["attended"] + expected["dna"])
    waits = expected["waits"]
    assert (report.waits.count, report.waits.total_days) == (COURSES, sum(waits))
    assert report.waits.median_days == Fraction(statistics.median(waits))
    assert report.waits.within_6_weeks == Rate(sum(w <= 42 for w in waits), COURSES)


def test_generation_is_repeatable_and_within_the_brief(tmp_path):
    first = synthetic.generate(tmp_path / "a", courses=200, seed=9)
    again = synthetic.generate(tmp_path / "b", courses=200, seed=9)

    assert first.scores_path.read_text() == again.scores_path.read_text()
    sessions = [row[6] for rows in synthetic.read_rows(first.courses_path) for row in rows]
    assert (min(sessions) >= 2, max(sessions) <= 20, sum(sessions)) == (True, True, first.scores)
    scores = [row for rows in synthetic.read_rows(first.scores_path) for row in rows]
    assert {phq for _, _, phq, _ in scores} <= {None, *range(28)}
    assert {gad for _, _, _, gad in scores} <= {None, *range(22)}


@pytest.mark.slow
def test_duckdb_reference_agrees_with_the_report(loaded):
    dataset, practice = loaded
    connection = duckdb.connect()
    courses, scores = synthetic.export_parquet(dataset, connection)

    figures = synthetic.duckdb_figures(
        connection, synthetic.duckdb_sql(courses, scores, outcome_config())
    )

    assert figures == synthetic.report_figures(service_report(practice))


# The worked examples of the recovery denominator, as (PHQ-9, GAD-7) per session.
DENOMINATOR_EXAMPLES = [
    Spec([(None, 17), (None, 18)]),  # at caseness, unpaired: in, not recovered
    Spec([(4, 5), (None, 5)]),  # unpaired: in, not recovered
    Spec([(8, 2), (5, 3)]),  # paired, not at caseness: out of the recovery denominator
]
DENOMINATOR_FIGURES = {
    "finished": 3,
    "paired": 1,
    "without_paired_scores": 2,
    "at_caseness": 0,
    "recovery_denominator": 2,
    "recovered": 0,
    "reliable_recovery": 0,
    "reliable_improvement": 0,
    "reliable_deterioration": 0,
}


@pytest.fixture
def worked(db, tmp_path):
    dataset = bench_dataset(tmp_path, DENOMINATOR_EXAMPLES)
    return dataset, synthetic.load(dataset)["practice"]


def test_worked_examples_through_the_benchmark_path(worked):
    dataset, practice = worked

    report = service_report(practice)

    figures = synthetic.report_figures(report)
    assert {key: figures[key] for key in DENOMINATOR_FIGURES} == DENOMINATOR_FIGURES
    assert report.outcomes == _expected(dataset)["rates"]


def test_duckdb_reference_agrees_on_the_worked_examples(worked):
    dataset, practice = worked
    connection = duckdb.connect()
    courses, scores = synthetic.export_parquet(dataset, connection)

    figures = synthetic.duckdb_figures(
        connection, synthetic.duckdb_sql(courses, scores, outcome_config())
    )

    assert {key: figures[key] for key in DENOMINATOR_FIGURES} == DENOMINATOR_FIGURES
    assert figures == synthetic.report_figures(service_report(practice))
