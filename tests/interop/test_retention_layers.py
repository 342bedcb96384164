"""The purge orders the apps' erasers; each app deletes only its own rows."""

import re
from pathlib import Path

import pytest
from django.db import transaction

from patternwork.clients.models import Client
from patternwork.core import erasure
from patternwork.interop import retention
from tests.course_fixtures import coded_episode, measured_course
from tests.factories import LetterFactory


@pytest.fixture
def record(therapist, default_categories, frozen):
    """A client with rows in treatment, measures, formulation and letters."""
    course = measured_course(therapist, sessions=3)
    coded_episode(course)
    LetterFactory(course=course)
    return course.client


def test_each_app_erases_only_its_own_rows(record, admin, monkeypatch):
    calls = []

    def spy(app, erase):
        def wrapped(*, client):
            erased = erase(client=client)
            calls.append((app, {label.split(".")[0] for label in erased.rows}))
            return erased

        return wrapped

    monkeypatch.setattr(
        retention, "ERASERS", tuple((app, spy(app, erase)) for app, erase in retention.ERASERS)
    )
    expected = retention.preview(record)

    counts = retention.purge(client=record, actor=admin, why="test")

    assert counts == expected
    assert [app for app, _ in calls] == [app for app, _ in retention.ERASERS]
    assert all(labels <= {app} for app, labels in calls)
    assert {app for app, labels in calls if labels} == {
        "clients",
        "treatment",
        "measures",
        "formulation",
        "letters",
    }
    assert not Client.objects.filter(pk=record.pk).exists()


def test_every_app_that_holds_client_rows_has_an_eraser():
    assert retention.unerased_apps() == set()


def test_an_eraser_run_out_of_order_is_refused(record):
    # Treatment's rows are still pointed at by measures' rows: treatment may not go first.
    with pytest.raises(RuntimeError), transaction.atomic():
        erasure.erase_owned(record, app_label="treatment")
    assert record.courses.exists()


def test_the_purge_writes_no_row_itself():
    source = Path(retention.__file__).read_text()

    assert not re.search(r"\.(delete|update|save|create|bulk_\w+)\(", source)


def test_erasure_preview_counts_without_deleting(record):
    counts = retention.preview(record)

    assert counts["clients.Client"] == 1
    assert counts["treatment.Appointment"] == 10
    assert Client.objects.filter(pk=record.pk).exists()


def test_erasure_preview_is_one_statement_with_each_models_own_count(
    record, django_assert_num_queries
):
    expected = {
        model._meta.label: n
        for model in erasure.owned_models(Client)
        if (n := erasure.owned_rows(record, model).count())
    }

    with django_assert_num_queries(1):
        counts = retention.preview(record)

    assert counts == expected
    assert counts["measures.Response"] == 6
