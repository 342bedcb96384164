"""Personal API tokens: the service, the command, the settings page and authentication."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from patternwork.accounts.api_tokens import (
    NEEDS_TWO_FACTOR,
    check_token,
    create_api_token,
    hash_token,
    record_token_use,
    revoke_api_token,
)
from patternwork.accounts.models import ApiToken
from patternwork.audit.models import AuditEvent
from tests.api.conftest import TokenClient, body, make_token
from tests.factories import TOTPDeviceFactory

ME = "/api/v1/me/"


def test_token_is_stored_only_as_a_hash_and_audited(therapist):
    token, raw = make_token(therapist, scope="read", days=30)

    assert raw.startswith(f"pwt_{token.prefix}_")
    assert token.token_hash == hash_token(raw)
    assert raw not in {token.prefix, token.token_hash, token.name}
    event = AuditEvent.objects.get(action="api_token.create")
    assert (event.actor, event.practice, event.object_id) == (
        therapist.user,
        therapist.practice,
        str(token.public_id),
    )
    assert raw not in str(event.changes)


def test_token_needs_two_factor(therapist):
    with pytest.raises(ValidationError) as refused:
        create_api_token(membership=therapist, name="Script", scope="read", days=30)

    assert refused.value.messages == [NEEDS_TWO_FACTOR]
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("days", [0, 366, -1])
def test_token_expires_within_a_year(therapist, days):
    TOTPDeviceFactory(user=therapist.user)

    with pytest.raises(ValidationError):
        create_api_token(membership=therapist, name="Script", scope="read", days=days)


def test_revoked_token_is_refused_and_revocation_audited(therapist):
    token, raw = make_token(therapist)

    revoke_api_token(token=token, by=therapist)

    assert check_token(raw).token is None
    assert AuditEvent.objects.filter(action="api_token.revoke", object_id=str(token.public_id))


def test_use_is_noted_and_audited_at_most_hourly(therapist):
    token, _ = make_token(therapist)
    start = timezone.now()

    for minutes in (0, 0, 2, 30, 61):
        record_token_use(token, now=start + dt.timedelta(minutes=minutes))

    token.refresh_from_db()
    assert token.last_used_at == start + dt.timedelta(minutes=61)
    assert AuditEvent.objects.filter(action="api_token.use").count() == 2


def test_bearer_token_acts_as_its_owner(therapist):
    _, raw = make_token(therapist, scope="read")

    response = TokenClient(raw).get(ME)

    assert response.status_code == 200
    assert body(response) | {"token_expires_at": None} == {
        "membership": str(therapist.public_id),
        "name": therapist.user.full_name,
        "email": therapist.user.email,
        "role": "therapist",
        "practice": str(therapist.practice.public_id),
        "practice_name": therapist.practice.name,
        "token_scope": "read",
        "token_expires_at": None,
    }


@pytest.mark.parametrize(
    "header",
    [
        "Bearer pwt_aaaaaaaaaaaa_" + "a" * 43,
        "Bearer nonsense",
        "Bearer",
        "Bearer a b",
        "Token abc",
    ],
)
def test_unknown_or_malformed_token_is_401_problem(db, header):
    response = TokenClient().get(ME, HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert body(response)["status"] == 401


def test_revoked_token_gets_401(therapist):
    token, raw = make_token(therapist)
    revoke_api_token(token=token, by=therapist)

    response = TokenClient(raw).get(ME)

    assert response.status_code == 401
    assert body(response)["detail"] == "The token has been revoked."


def test_expired_token_gets_401(therapist):
    _, raw = make_token(therapist, days=1)

    with time_machine.travel(timezone.now() + dt.timedelta(days=1, seconds=1)):
        response = TokenClient(raw).get(ME)

    assert response.status_code == 401
    assert body(response)["detail"] == "The token has expired."


def test_token_of_a_deactivated_member_gets_401(therapist):
    _, raw = make_token(therapist)
    therapist.is_active = False
    therapist.save(update_fields=["is_active"])

    assert TokenClient(raw).get(ME).status_code == 401


def test_no_credentials_gets_401(db):
    response = TokenClient().get(ME)

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_session_needs_the_second_factor(client, therapist, login):
    client.force_login(therapist.user)
    assert client.get(ME).status_code == 401

    login(therapist)
    assert client.get(ME).status_code == 200


def test_session_writes_need_csrf(therapist):
    from tests.conftest import verified_login

    browser = verified_login(TokenClient(enforce_csrf_checks=True), therapist.user)

    response = browser.post(ME, {})

    assert response.status_code == 403
    assert "CSRF" in body(response)["detail"]


def test_command_prints_the_token_once(therapist):
    TOTPDeviceFactory(user=therapist.user)
    out, err = io.StringIO(), io.StringIO()

    call_command(
        "create_api_token",
        "--email",
        therapist.user.email,
        "--name",
        "Nightly export",
        "--write",
        "--days",
        "7",
        stdout=out,
        stderr=err,
    )

    raw = out.getvalue().strip()
    token = check_token(raw).token
    assert (token.membership, token.scope, token.name) == (therapist, "write", "Nightly export")
    assert "shown only this once" in err.getvalue()
    assert AuditEvent.objects.get(action="api_token.create").actor_label == (
        "manage.py create_api_token"
    )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--email", "nobody@example.test", "--name", "x"], "No active staff member"),
        (["--email", "{email}", "--name", "x", "--days", "400"], "1 to 365 days"),
        (["--email", "{email}", "--name", "x", "--days", "soon"], "whole number"),
        (["--email", "{email}"], "--name"),
    ],
)
def test_command_refuses_in_one_line(therapist, arguments, message):
    TOTPDeviceFactory(user=therapist.user)
    arguments = [a.format(email=therapist.user.email) for a in arguments]

    with pytest.raises(CommandError) as refused:
        call_command("create_api_token", *arguments, stdout=io.StringIO())

    assert message in str(refused.value)
    assert "\n" not in str(refused.value)


def test_settings_page_creates_shows_once_and_revokes(client, login, therapist):
    login(therapist)
    page = reverse("clinic:api-tokens")

    created = client.post(
        reverse("clinic:api-token-create"), {"name": "Website", "scope": "write", "days": "30"}
    )

    token = ApiToken.objects.get()
    html = created.content.decode()
    secret = html.split('id="new-token" value="')[1].split('"')[0]
    assert check_token(secret).token == token
    assert secret not in client.get(page).content.decode()
    client.post(reverse("clinic:api-token-revoke"), {"token": str(token.public_id)})
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_settings_page_refuses_a_year_and_a_day(client, login, therapist):
    login(therapist)

    response = client.post(
        reverse("clinic:api-token-create"), {"name": "Website", "scope": "read", "days": "366"}
    )

    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_settings_page_cannot_revoke_a_colleagues_token(client, login, therapist, other_therapist):
    theirs, _ = make_token(other_therapist)
    login(therapist)

    client.post(reverse("clinic:api-token-revoke"), {"token": str(theirs.public_id)})

    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_settings_page_sends_a_session_without_second_factor_to_set_it_up(client, therapist):
    client.force_login(therapist.user)

    response = client.post(
        reverse("clinic:api-token-create"), {"name": "Website", "scope": "read", "days": "30"}
    )

    assert response.status_code == 302
    assert not ApiToken.objects.exists()
