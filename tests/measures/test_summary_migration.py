"""The migration that recomputes the outcome summaries' scores, run on its historical models."""

import importlib
from types import SimpleNamespace

from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.forms.models import model_to_dict

from patternwork.measures.models import OutcomeSummary
from patternwork.measures.summary import refresh_outcome_summary
from patternwork.reports.selectors import service_report
from tests.reports.builders import Spec, build_course

NAME = "0003_rebuild_outcome_summaries"
migration = importlib.import_module(f"patternwork.measures.migrations.{NAME}")


def _rows():
    return {
        row.course_id: model_to_dict(row, exclude=["id"]) for row in OutcomeSummary.objects.all()
    }


def test_migration_recomputes_every_summarys_scores_from_the_raw_scores(therapist):
    courses = [
        build_course(therapist, Spec(scores, extras=extras))
        for scores, extras in [
            ([(None, 17), (None, 18)], ()),
            ([(4, 5), (None, 5)], ("missed_scores",)),
            ([(8, 2), (5, 3)], ("draft", "wsas")),
            ([(15, 10), (12, 9), (4, 3)], ()),
            ([], ()),
        ]
    ]
    expected, report = _rows(), service_report(therapist.practice)
    # Columns left wrong by earlier code: nothing that the report reads is trusted.
    OutcomeSummary.objects.update(
        phq9_first=27, phq9_last=None, phq9_count=9, gad7_first=None, gad7_last=0, gad7_count=0
    )
    historical = MigrationLoader(connection).project_state(("measures", NAME)).apps

    migration.rebuild_scores(historical, SimpleNamespace(connection=connection))

    assert _rows() == expected
    assert service_report(therapist.practice) == report
    for course in courses:
        refresh_outcome_summary(course)
    assert _rows() == expected


def test_migration_works_in_batches_and_reverses_as_a_noop(therapist, monkeypatch):
    for scores in ([(12, 9), (8, 6)], [(None, 17), (None, 18)], [(4, 5), (None, 5)]):
        build_course(therapist, Spec(scores))
    expected = _rows()
    OutcomeSummary.objects.update(phq9_first=None, gad7_first=None)
    monkeypatch.setattr(migration, "BATCH", 2)
    historical = MigrationLoader(connection).project_state(("measures", NAME)).apps

    migration.rebuild_scores(historical, SimpleNamespace(connection=connection))

    assert _rows() == expected
    (operation,) = migration.Migration.operations
    assert operation.reversible
    assert operation.reverse_code is operation.noop
