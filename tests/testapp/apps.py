from django.apps import AppConfig


class TestAppConfig(AppConfig):
    """Models that exist only in tests, to exercise shared machinery (encrypted fields)."""

    name = "tests.testapp"
    label = "testapp"
