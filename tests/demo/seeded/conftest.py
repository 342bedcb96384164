"""The demo seeded once, at SEEDED_AT, for every test of this package."""

import pytest
import time_machine
from django.db import transaction

from tests.conftest import put_audit_triggers_back
from tests.demo.conftest import SEEDED_AT, run


@pytest.fixture(scope="package")
def _seeded_once(django_db_setup, django_db_blocker):
    # Seeding the demo runs every service it shows off and takes seconds; the tests of
    # this package (the seed's own and the public crawl) share one seeding inside an
    # outer transaction, each test rolls back its own changes (its savepoint), and the
    # whole is rolled back when the package's last test ends. Tests that seed at other
    # moments live outside this package (tests/demo/test_seed_moments.py), so the shared
    # demo is gone before they run.
    with django_db_blocker.unblock():
        put_audit_triggers_back()  # before the outer transaction, which would undo it
    with django_db_blocker.unblock(), transaction.atomic():
        with time_machine.travel(SEEDED_AT, tick=False):
            output = run("seed_demo")
        yield output
        transaction.set_rollback(True)


@pytest.fixture
def demo(_seeded_once, db) -> str:
    """The demo practice, seeded once for this package at SEEDED_AT; the value is what
    seed_demo printed."""
    return _seeded_once
