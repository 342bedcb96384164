"""Who reaches what through the API: practice and caseload scope, token scope."""

from patternwork.audit.models import AuditEvent
from tests.api.conftest import CASELOAD_URLS, OBJECT_URLS, WRITE_URLS, api_as, body, build
from tests.matrix import Cases


def call(api, method, url):
    return getattr(api, method)(url, {}, HTTP_IF_MATCH='"x"')


# Each test below checks one rule over a family of URLs, each URL in its own savepoint
# (tests/matrix.py): what a request or a case's object writes is gone before the next
# case, and every failing URL is named.


def test_another_practices_token_gets_404_on_every_object_url(foreign_api, therapist):
    cases = Cases()
    for method, pattern, kind in OBJECT_URLS:
        with cases.case(method=method, url=pattern, principal="foreign admin", object=kind):
            obj = build(kind, therapist)
            before = AuditEvent.objects.exclude(
                action__in=["access.denied", "api_token.use"]
            ).count()

            response = call(foreign_api, method, pattern.format(obj.public_id))

            assert response.status_code == 404
            assert response["Content-Type"] == "application/problem+json"
            assert (
                AuditEvent.objects.exclude(action__in=["access.denied", "api_token.use"]).count()
                == before
            )
    cases.check(len(OBJECT_URLS))


def test_a_therapists_token_cannot_reach_another_therapists_client(colleague_api, therapist):
    cases = Cases()
    for method, pattern, kind in CASELOAD_URLS:
        with cases.case(method=method, url=pattern, principal="colleague", object=kind):
            obj = build(kind, therapist)

            response = call(colleague_api, method, pattern.format(obj.public_id))

            assert response.status_code == 404
    cases.check(len(CASELOAD_URLS))


LIST_URLS = [
    "/api/v1/clients/",
    "/api/v1/courses/",
    "/api/v1/appointments/",
    "/api/v1/questionnaire-responses/",
    "/api/v1/risk-flags/",
    "/api/v1/people/",
    "/api/v1/episodes/",
    "/api/v1/ipaf-versions/",
    "/api/v1/session-notes/",
    "/api/v1/supervision-sessions/",
    "/api/v1/session-ratings/",
    "/api/v1/not-on-track-flags/",
]


def test_lists_hold_only_the_callers_caseload(colleague_api, therapist):
    for kind in {
        "client",
        "appointment",
        "response",
        "person",
        "episode",
        "ipaf_version",
        "note",
        "supervision_session",
        "session_rating",
        "track_flag",
    }:
        build(kind, therapist)
    cases = Cases()
    for list_url in LIST_URLS:
        with cases.case(url=list_url, principal="colleague"):
            response = colleague_api.get(list_url)

            assert response.status_code == 200
            assert body(response)["results"] == []
    cases.check(len(LIST_URLS))


def test_read_only_token_gets_403_on_every_write(read_api, therapist):
    cases = Cases()
    for method, url in WRITE_URLS:
        with cases.case(method=method, url=url, principal="read-only token"):
            target = url
            if "{}" in url:
                kind = next(k for m, p, k in OBJECT_URLS if p == url and m == method)
                target = url.format(build(kind, therapist).public_id)
            before = AuditEvent.objects.exclude(action="api_token.use").count()

            response = call(read_api, method, target)

            assert response.status_code == 403
            assert body(response)["code"] == "permission_denied"
            assert AuditEvent.objects.exclude(action="api_token.use").count() == before
    cases.check(len(WRITE_URLS))


def test_admin_reads_clinical_content_only_where_the_practice_allows(admin, therapist):
    flag = build("risk_flag", therapist)
    client = flag.client
    api = api_as(admin)

    assert api.get(f"/api/v1/clients/{client.public_id}/").status_code == 200
    assert api.get(f"/api/v1/risk-flags/{flag.public_id}/").status_code == 404

    admin.practice.admins_read_clinical = True
    admin.practice.save(update_fields=["admins_read_clinical"])
    assert api.get(f"/api/v1/risk-flags/{flag.public_id}/").status_code == 200


def test_supervisor_reads_their_supervisees_clients(supervisor, therapist):
    episode = build("episode", therapist)

    response = api_as(supervisor).get(f"/api/v1/episodes/{episode.public_id}/")

    assert response.status_code == 200


def test_service_report_is_for_admins_and_supervisors(api, admin):
    assert api.get("/api/v1/reports/service/").status_code == 403
    response = api_as(admin).get("/api/v1/reports/service/")
    assert response.status_code == 200
    assert body(response)["finished"] == 0
