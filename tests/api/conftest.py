"""Shared API fixtures: tokens for the conftest members, and a client that sends them."""

import json

import pytest
from rest_framework.test import APIClient

from patternwork.accounts.access import READ_ACTION
from patternwork.accounts.api_tokens import create_api_token
from patternwork.accounts.models import ApiToken
from patternwork.audit.models import AuditEvent
from tests.factories import TOTPDeviceFactory

# Events that are not the write under test: recorded reads and the token's use.
NOT_WRITES = (READ_ACTION, "api_token.use")


def make_token(membership, *, scope=ApiToken.Scope.WRITE, days=30, name="Test integration"):
    if not membership.user.totpdevice_set.filter(confirmed=True).exists():
        TOTPDeviceFactory(user=membership.user)
    return create_api_token(membership=membership, name=name, scope=scope, days=days)


class TokenClient(APIClient):
    """An API client that sends one token, and JSON bodies by default."""

    def __init__(self, raw: str | None = None, **kwargs):
        super().__init__(**kwargs)
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
