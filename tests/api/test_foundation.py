"""The API's shared behaviour: schema and docs, problem+json errors, the rate limit."""

import re

import pytest
import yaml

from tests.api.conftest import TokenClient, api_as, body

ME = "/api/v1/me/"


def test_schema_is_openapi_3_and_documents_bearer_tokens(client, db):
    response = client.get("/api/schema/")

    assert response.status_code == 200
    # libyaml's safe loader: the same safe subset of YAML, read in a sixth of the pure
    # Python loader's second for this 200 kB schema.
    schema = yaml.load(response.content, Loader=yaml.CSafeLoader)
    assert schema["openapi"].startswith("3.")
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert "/api/v1/me/" in schema["paths"]
    assert "Problem" in schema["components"]["schemas"]


def test_docs_page_loads_only_own_files_under_the_strict_csp(client, db):
    response = client.get("/api/docs/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<style" not in html
    assert re.findall(r"<script>", html) == []
    assert all(src.startswith("/") for src in re.findall(r'src="([^"]+)"', html))
    assert "swagger-ui-bundle.js" in html
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp


def test_docs_start_up_script_is_served_from_its_own_url(client, db):
    response = client.get("/api/docs/?script=")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in response.content.decode()


@pytest.mark.parametrize("path", ["/api/v1/nothing-here/", "/api/v2/clients/", "/api/"])
def test_unknown_api_path_is_a_problem_404(client, db, path):
    response = client.post(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert body(response)["status"] == 404


def test_wrong_method_is_a_problem_405(api):
    response = api.delete(ME)

    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"


def test_rate_limit_is_per_token(frozen, settings, therapist, other_therapist):
    # The clock is stopped: on a loaded machine the minute's window could otherwise pass
    # between the fourth request and the fifth.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api": "3/minute"},
    }
    first, second = api_as(therapist), api_as(other_therapist)

    statuses = [first.get(ME).status_code for _ in range(4)]
    limited = first.get(ME)

    assert statuses == [200, 200, 200, 429]
    assert limited["Content-Type"] == "application/problem+json"
    assert int(limited["Retry-After"]) >= 1
    assert second.get(ME).status_code == 200


def test_anonymous_request_is_401_not_500(db):
    assert TokenClient().post(ME, {"x": 1}).status_code == 401
