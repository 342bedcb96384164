import pytest
from django.core.exceptions import ImproperlyConfigured

from patternwork.measures.config import outcome_config
from patternwork.measures.definitions import Comparator, Threshold


def test_defaults_come_from_the_instruments(settings):
    settings.PATTERNWORK_OUTCOME_THRESHOLDS = {}

    config = outcome_config()

    assert (config.depression.caseness, config.depression.reliable_change) == (
        Threshold(Comparator(">="), 10),
        Threshold(Comparator(">="), 6),
    )
    assert (config.anxiety.caseness, config.anxiety.reliable_change) == (
        Threshold(Comparator(">="), 8),
        Threshold(Comparator(">="), 4),
    )


def test_settings_override_a_threshold_and_its_comparator(settings):
    settings.PATTERNWORK_OUTCOME_THRESHOLDS = {"PHQ-9": {"reliable_change": [">", 6]}}

    config = outcome_config()

    assert config.depression.reliable_change == Threshold(Comparator(">"), 6)
    assert config.depression.caseness == Threshold(Comparator(">="), 10)


@pytest.mark.parametrize("bad", [[">=", "10"], ["=>", 10], 10, [">=", True]])
def test_a_bad_override_is_refused_clearly(settings, bad):
    settings.PATTERNWORK_OUTCOME_THRESHOLDS = {"GAD-7": {"caseness": bad}}

    with pytest.raises(ImproperlyConfigured, match="GAD-7 caseness"):
        outcome_config()


def test_the_report_follows_the_override(db, settings, therapist):
    """The worked example '8, 5 -> 2, 3' is reliable improvement only under >= 6."""
    from patternwork.measures.summary import course_outcome
    from patternwork.reports.selectors import service_report
    from tests.reports.builders import Spec, build_course

    course = build_course(therapist, Spec(scores=[(8, 5), (2, 3)]))
    settings.PATTERNWORK_OUTCOME_THRESHOLDS = {}
    assert course_outcome(course).reliable_improvement is True
    assert service_report(therapist.practice).outcomes.reliable_improvement.count == 1

    settings.PATTERNWORK_OUTCOME_THRESHOLDS = {"PHQ-9": {"reliable_change": [">", 6]}}
    assert course_outcome(course).reliable_improvement is False
    assert service_report(therapist.practice).outcomes.reliable_improvement.count == 0
