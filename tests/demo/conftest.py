import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction

# The moment the shared demo is seeded: the demo is built relative to "today".
SEEDED_AT = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def _seeded_once(django_db_setup, django_db_blocker):
    # Seeding the demo runs every service it shows off and takes seconds; the tests of a
    # module that ask for `demo` share one seeding inside an outer transaction, each test
    # rolls back its own changes (its savepoint), and the whole is rolled back at the end.
    # A module that seeds at other moments keeps its tests away from this fixture.
    with django_db_blocker.unblock(), transaction.atomic():
        with time_machine.travel(SEEDED_AT, tick=False):
            output = run("seed_demo")
        yield output
        transaction.set_rollback(True)


@pytest.fixture
def demo(_seeded_once, db) -> str:
    """The demo practice, seeded once per module at SEEDED_AT; the value is what seed_demo printed."""
    return _seeded_once
