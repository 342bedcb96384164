"""A total carried over from another system, without its item answers."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from patternwork.audit.models import AuditEvent
from patternwork.measures import definitions, scoring, services
from patternwork.measures.models import OutcomeSummary, Response, RiskFlag
from patternwork.treatment import services as treatment
from tests.course_fixtures import weekly

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def held(course, therapist):
    treatment.start_course_in_progress(course=course, values=weekly(), actor=therapist)
    return [
        treatment.record_past_session(
            course=course,
            start=dt.datetime(2026, 3, day, 10, tzinfo=LONDON),
            minutes=50,
            status="attended",
            actor=therapist,
        )
        for day in (2, 9)
    ]


@pytest.mark.parametrize(
    ("code", "total", "band", "caseness"),
    [
        ("PHQ-9", 0, "Minimal", False),
        ("PHQ-9", 10, "Moderate", True),
        ("GAD-7", 21, "Severe", True),
    ],
)
def test_score_total_bands_a_total_as_the_scorer_does(code, total, band, caseness):
    result = scoring.score_total(definitions.get_instrument(code), total)

    assert (result.total, result.band.label, result.caseness, result.risk) == (
        total,
        band,
        caseness,
        (),
    )


@pytest.mark.parametrize("total", [-1, 28, True, "12", None])
def test_score_total_refuses_what_is_not_a_total(total):
    with pytest.raises(
        scoring.InvalidResponse, match=r"A PHQ-9 total is a whole number from 0 to 27\."
    ):
        scoring.score_total(definitions.get_instrument("PHQ-9"), total)


def test_record_total_records_an_imported_score_and_its_outcome(held, therapist, course):
    services.record_total(appointment=held[0], instrument="PHQ-9", total=16, by=therapist)
    saved = services.record_total(appointment=held[1], instrument="PHQ-9", total=8, by=therapist)

    assert (saved.source, saved.status, saved.answers, saved.total, saved.band, saved.caseness) == (
        "import",
        "complete",
        {},
        8,
        "Mild",
        False,
    )
    assert saved.completed_at == held[1].starts_at
    summary = OutcomeSummary.objects.get(course=course)
    assert (summary.phq9_first, summary.phq9_last, summary.phq9_count) == (16, 8, 2)
    event = AuditEvent.objects.filter(action="measure.record_total").latest("id")
    assert event.changes == {"instrument": "PHQ-9", "source": "import", "total": [None, 8]}
    assert RiskFlag.objects.count() == 0


def test_record_total_refuses_a_second_score_a_bad_total_and_an_unattended_session(
    held, therapist, course
):
    services.record_total(appointment=held[0], instrument="GAD-7", total=9, by=therapist)

    with pytest.raises(ValidationError) as twice:
        services.record_total(appointment=held[0], instrument="GAD-7", total=9, by=therapist)
    with pytest.raises(ValidationError) as too_high:
        services.record_total(appointment=held[1], instrument="GAD-7", total=22, by=therapist)
    booked = treatment.book_session(
        course=course, start=dt.datetime(2026, 4, 8, 10, tzinfo=LONDON), actor=therapist
    )
    with pytest.raises(ValidationError, match=services.NOT_ATTENDED):
        services.record_total(appointment=booked, instrument="GAD-7", total=9, by=therapist)

    assert twice.value.message_dict == {
        "total": ["A GAD-7 score is already recorded for this session."]
    }
    assert too_high.value.message_dict == {
        "total": ["A GAD-7 total is a whole number from 0 to 21."]
    }
    assert Response.objects.count() == 1
