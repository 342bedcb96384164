"""Shared API fixtures: tokens for the conftest members, and a client that sends them."""

import json

import pytest
from rest_framework.test import APIClient

from patternwork.accounts.access import READ_ACTION
from patternwork.accounts.api_tokens import create_api_token
from patternwork.accounts.models import ApiToken
from patternwork.audit.models import AuditEvent
from tests import factories, objects
from tests.factories import TOTPDeviceFactory

# Events that are not the write under test: recorded reads and the token's use.
NOT_WRITES = (READ_ACTION, "api_token.use")


def make_token(membership, *, scope=ApiToken.Scope.WRITE, days=30, name="Test integration"):
    if not membership.user.authenticator_apps.filter(confirmed=True).exists():
        TOTPDeviceFactory(user=membership.user)
    return create_api_token(membership=membership, name=name, scope=scope, days=days)


class TokenClient(APIClient):
    """An API client that sends one token, and JSON bodies by default."""

    def __init__(self, raw: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.default_format = "json"
        if raw:
            self.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")

    def generic(self, method, path, data="", content_type="application/json", **extra):
        if isinstance(data, dict | list):
            data = json.dumps(data, default=str)
        return super().generic(method, path, data, content_type, **extra)


def api_as(membership, *, scope=ApiToken.Scope.WRITE) -> TokenClient:
    _, raw = make_token(membership, scope=scope)
    return TokenClient(raw)


@pytest.fixture
def api(therapist):
    """The therapist's read-write token."""
    return api_as(therapist)


@pytest.fixture
def read_api(therapist):
    return api_as(therapist, scope=ApiToken.Scope.READ)


@pytest.fixture
def foreign_api(foreign_admin):
    """An admin of another practice, who may read clinical content there."""
    foreign_admin.practice.admins_read_clinical = True
    foreign_admin.practice.save(update_fields=["admins_read_clinical"])
    return api_as(foreign_admin)


@pytest.fixture
def colleague_api(other_therapist):
    return api_as(other_therapist)


def write_events():
    """Audit events other than recorded reads and token use, oldest first."""
    return list(AuditEvent.objects.exclude(action__in=NOT_WRITES).order_by("id"))


def body(response) -> dict:
    return json.loads(response.content or b"{}")


# One object of each kind an API object URL addresses, for the access tests: each
# belongs to `therapist`'s practice and caseload.


def _signed_note(therapist):
    from django.utils import timezone

    from tests.objects import _course

    return factories.SessionNoteFactory(
        appointment__course=_course(therapist),
        signed_at=timezone.now(),
        signed_by=therapist,
    )


def _response(therapist):
    from tests.objects import _course

    appointment = factories.AppointmentFactory(
        course=_course(therapist), status="attended", session_number=1
    )
    return factories.ResponseFactory(appointment=appointment)


def _rating(therapist, course=None):
    """A supervisor's rating of an attended session of the therapist's (in `course`, or a
    new one), on two items."""
    from patternwork.supervision import services as supervision
    from patternwork.supervision.models import ItemRating, Rubric, SessionRating
    from tests.objects import _course

    supervision.ensure_default_rubric(therapist.practice)
    form = Rubric.objects.get(practice=therapist.practice, is_current=True)
    appointment = factories.AppointmentFactory(
        course=course or _course(therapist), status="attended", session_number=1
    )
    rater = factories.MembershipFactory(practice=therapist.practice, role="supervisor")
    rating = SessionRating.objects.create(
        practice=therapist.practice,
        appointment=appointment,
        course=appointment.course,
        therapist=therapist,
        rater=rater,
        rubric=form,
        phase="initial",
        comment="Kept the focus on the pattern.",
    )
    for item, competence in zip(form.items.all()[:2], (4, 2), strict=True):
        ItemRating.objects.create(rating=rating, item=item, frequency=2, competence=competence)
    return rating


API_BUILDERS = {
    "client": objects.BUILDERS["client"],
    "referral": objects.BUILDERS["referral"],
    "course": objects.BUILDERS["course"],
    "appointment": objects.BUILDERS["appointment"],
    "response": _response,
    "risk_flag": objects.BUILDERS["risk_flag"],
    "person": objects.BUILDERS["person"],
    "episode": objects.BUILDERS["episode"],
    "ipaf_version": objects.BUILDERS["ipaf_version"],
    "note": _signed_note,
    "supervision_session": objects.BUILDERS["supervision_session"],
    "session_rating": _rating,
    "track_flag": objects.BUILDERS["track_flag"],
}

# (method, URL pattern, kind of object): every object URL of the API.
OBJECT_URLS = [
    ("get", "/api/v1/clients/{}/", "client"),
    ("patch", "/api/v1/clients/{}/", "client"),
    ("get", "/api/v1/referrals/{}/", "referral"),
    ("get", "/api/v1/courses/{}/", "course"),
    ("patch", "/api/v1/courses/{}/", "course"),
    ("get", "/api/v1/courses/{}/outcome/", "course"),
    ("get", "/api/v1/appointments/{}/", "appointment"),
    ("post", "/api/v1/appointments/{}/move/", "appointment"),
    ("post", "/api/v1/appointments/{}/cancel/", "appointment"),
    ("post", "/api/v1/appointments/{}/attended/", "appointment"),
    ("post", "/api/v1/appointments/{}/did-not-attend/", "appointment"),
    ("get", "/api/v1/questionnaire-responses/{}/", "response"),
    ("patch", "/api/v1/questionnaire-responses/{}/", "response"),
    ("get", "/api/v1/risk-flags/{}/", "risk_flag"),
    ("post", "/api/v1/risk-flags/{}/acknowledge/", "risk_flag"),
    ("get", "/api/v1/people/{}/", "person"),
    ("get", "/api/v1/episodes/{}/", "episode"),
    ("patch", "/api/v1/episodes/{}/", "episode"),
    ("get", "/api/v1/ipaf-versions/{}/", "ipaf_version"),
    ("get", "/api/v1/session-notes/{}/", "note"),
    ("get", "/api/v1/supervision-sessions/{}/", "supervision_session"),
    ("get", "/api/v1/session-ratings/{}/", "session_rating"),
    ("get", "/api/v1/not-on-track-flags/{}/", "track_flag"),
]
# An accepted referral is seen by those who may see its client, like the record.
CASELOAD_URLS = OBJECT_URLS
WRITE_URLS = [
    ("post", "/api/v1/clients/"),
    ("post", "/api/v1/referrals/"),
    ("post", "/api/v1/referrals/self/"),
    ("post", "/api/v1/appointments/"),
    ("post", "/api/v1/questionnaire-responses/"),
    ("post", "/api/v1/episodes/"),
    *[(method, url) for method, url, _ in OBJECT_URLS if method != "get"],
]


def build(kind, therapist):
    return API_BUILDERS[kind](therapist)


@pytest.fixture
def started(course, therapist):
    """The conftest course, started by the service: weekly from Monday 2 March 2026, the
    clock frozen on Wednesday 1 April, so the first five sessions are in the past."""
    from patternwork.treatment import services as treatment
    from tests.course_fixtures import weekly

    treatment.start_course(course=course, values=weekly(), actor=therapist)
    course.refresh_from_db()
    return course


@pytest.fixture
def attended(started, therapist):
    """The course's first session, attended."""
    from patternwork.treatment import services as treatment

    first = started.appointments.order_by("starts_at").first()
    return treatment.mark_attended(appointment=first, actor=therapist)


def etag(api, url) -> str:
    response = api.get(url)
    assert response.status_code == 200, response.content
    return response["ETag"]


def phq9(*values) -> dict:
    return {f"q{n}": v for n, v in enumerate(values, start=1)}
