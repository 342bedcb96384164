"""The benchmark's code path (bench/), at a size the suite can afford, so it cannot rot."""

import datetime as dt
import statistics
from collections import defaultdict
from fractions import Fraction

import pytest

from bench import service_report as synthetic
from patternwork.measures import outcomes
from patternwork.measures.models import OutcomeSummary
from patternwork.measures.outcomes import OutcomeConfig, Rate
from patternwork.reports.selectors import Mean, service_report

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
        for _, _, referral, _, first, _, _, _ in courses
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


def test_duckdb_reference_agrees_with_the_report(loaded):
    duckdb = pytest.importorskip("duckdb", reason="DuckDB is in the bench dependency group")
    dataset, practice = loaded
    connection = duckdb.connect()
    courses, scores = synthetic.export_parquet(dataset, connection)

    figures = synthetic.duckdb_figures(
        connection, synthetic.duckdb_sql(courses, scores, OutcomeConfig())
    )

    assert figures == synthetic.report_figures(service_report(practice))
