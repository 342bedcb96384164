import pytest

from tests.fhir_fixtures import build_course  # noqa: F401  (a shared fixture)


@pytest.fixture
def session(db, frozen, attended_built_once):
    """Session 1 of the therapist's 16-session course, attended: built once per module
    (course_fixtures.attended_built_once), as the imports into it only add a response, a
    flag or an access event, which each test's savepoint rolls back."""
    return attended_built_once.appointment()
