import pytest

from patternwork.treatment.services import assessment as assessments
from tests.factories import ReferralFactory


@pytest.fixture
def assessed(course, therapist):
    """The course's assessment record, filled in as far as a decision needs."""
    record = assessments.open_assessment(course=course, actor=therapist)
    return assessments.save_assessment(
        assessment=record,
        data={
            "presenting": "Low since the move; I keep to myself.",
            "suitability": "suitable",
            "suitability_reasons": "A clear pattern with others; wants to work on it.",
        },
        expected_version=record.version,
        actor=therapist,
    )


@pytest.fixture
def referred_course(course):
    """The course, opened from a referral received on 2 February 2026."""
    import datetime as dt

    course.referral = ReferralFactory(
        practice=course.practice, received_at=dt.datetime(2026, 2, 2, 9, 0, tzinfo=dt.UTC)
    )
    course.save(update_fields=["referral"])
    return course
