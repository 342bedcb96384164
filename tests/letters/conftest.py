import pytest


@pytest.fixture
def ending(db, ending_built_once):
    """The folder's ending course, built once per module (course_fixtures.ending_built_once)."""
    return ending_built_once.course()
