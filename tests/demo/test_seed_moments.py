"""The demo seeded at other moments of the year still shows every stage of a course.

Each test seeds its own demo, so this module never uses the shared `demo` fixture.
"""

import datetime as dt

import pytest
import time_machine

from patternwork.demo import seed
from tests.demo.stages import assert_clients_at_every_stage


@pytest.mark.parametrize("today", ["2027-01-04 18:00", "2027-04-01 12:00"])
def test_demo_has_clients_at_every_stage(db, today):
    moment = dt.datetime.fromisoformat(today).replace(tzinfo=dt.UTC)
    with time_machine.travel(moment, tick=False):
        seed.seed()

    assert_clients_at_every_stage()
