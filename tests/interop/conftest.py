from tests.fhir_fixtures import build_course  # noqa: F401  (a shared fixture)
