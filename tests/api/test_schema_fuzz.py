"""Schemathesis against the API's own OpenAPI schema, in-process over WSGI: at least 20
generated requests per operation with a valid read-write token, then request chains
that follow the schema's links (create, then read and change what was created).

No request may get a server error or an answer its schema does not describe (status,
content type and body).
"""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis.stateful import run_state_machine_as_test
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from patternwork.treatment import services as treatment
from tests import factories
from tests.api.conftest import make_token, write_events
from tests.course_fixtures import weekly

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
FUZZ = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)

pytestmark = pytest.mark.slow


@pytest.fixture
def fuzz_token(settings, therapist, frozen, default_categories):
    """A read-write token of a therapist with a started course, and a high rate limit."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api": "100000/minute"},
    }
    client = factories.ClientFactory(practice=therapist.practice, therapist=therapist)
    course = factories.CourseFactory(client=client)
    treatment.start_course(course=course, values=weekly(), actor=therapist)
    first = course.appointments.order_by("starts_at").first()
    treatment.mark_attended(appointment=first, actor=therapist)
    factories.PersonFactory(client=client, practice=client.practice)
    _, raw = make_token(therapist)
    return raw


@pytest.fixture
def connection_kept():
    # Django closes the database connection when a request ends; the test client turns
    # that off for its requests, but schemathesis calls the WSGI application itself, and
    # on PostgreSQL the closed connection would end the test's own transaction.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(fuzz_token, connection_kept):
    return schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


def test_every_operation_answers_as_its_schema_says(api_schema, fuzz_token):
    headers = {"Authorization": f"Bearer {fuzz_token}"}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 30

    for operation in operations:

        @given(case=operation.as_strategy())
        @FUZZ
        def answers_as_described(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            answers_as_described()
        except Exception as failure:
            failure.add_note(f"in {operation.label}")
            raise


def test_request_chains_along_the_schemas_links(api_schema, fuzz_token):
    machine = api_schema.as_state_machine()
    headers = {"Authorization": f"Bearer {fuzz_token}"}

    class Chains(machine):
        def get_call_kwargs(self, case):
            return {"headers": headers}

        def validate_response(self, response, case, additional_checks=(), **kwargs):
            case.validate_response(response, checks=CHECKS, headers=headers)

    run_state_machine_as_test(
        Chains, settings=settings(FUZZ, max_examples=20, stateful_step_count=5)
    )

    # The chains wrote through the services: at least one object was created and read.
    made = {e.action for e in write_events()} - {"api_token.create", "course.start"}
    assert made - {"appointment.attended"}, made
