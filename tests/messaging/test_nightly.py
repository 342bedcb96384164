"""The worker's round queues each practice's refit of the expected-change curves nightly."""

import datetime as dt

import pytest

from patternwork.measures.models import TrackFlag
from patternwork.messaging import dispatch
from patternwork.messaging.models import DailyRun
from patternwork.treatment.models import Course
from tests.measures.track_builders import build

pytestmark = pytest.mark.usefixtures("frozen")

# Monday 7 December 2026, 01:30 in London (GMT): before the curve hour.
NOW = dt.datetime(2026, 12, 7, 1, 30, tzinfo=dt.UTC)


def test_curves_are_refitted_once_a_night_from_the_curve_hour(therapist, frozen):
    # No curve yet: the fallback rule flags a rise of 6 only once the refit re-judges it.
    course = build(therapist, [([12, 18], Course.State.ACTIVE)])[0]

    dispatch.tick()
    assert not DailyRun.objects.filter(job="change_curves").exists()
    assert not TrackFlag.objects.exists()

    frozen.move_to(dt.datetime(2026, 12, 7, 2, 5, tzinfo=dt.UTC))
    dispatch.tick()
    dispatch.tick()

    assert DailyRun.objects.filter(job="change_curves").count() == 1
    assert TrackFlag.objects.open().get().course_id == course.pk
