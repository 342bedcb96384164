"""Passkeys: the ceremonies checked with a software authenticator made in the test."""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from patternwork.accounts import passkeys
from patternwork.accounts.api_tokens import create_api_token
from patternwork.accounts.login import staff_audit
from patternwork.accounts.models import Passkey
from patternwork.audit.models import AuditEvent
from tests.factories import TOTPDeviceFactory
from tests.soft_authenticator import SoftAuthenticator


def add(user, key, *, name="Blue key", session=None):
    session = {} if session is None else session
    options = passkeys.registration_options(session=session, user=user)
    return passkeys.add_passkey(
        session=session,
        user=user,
        name=name,
        credential=key.register(options),
        audit=staff_audit(user),
    )


def sign_in(user, key, **signing):
    session = {}
    options = passkeys.authentication_options(session=session, user=user)
    answer = key.sign(options, **signing)
    return passkeys.check_passkey(
        session=session, user=user, credential=answer, audit=staff_audit(user)
    )


def refused(user, key, session, options, **signing):
    with pytest.raises(passkeys.PasskeyRefused) as caught:
        passkeys.check_passkey(
            session=session,
            user=user,
            credential=key.sign(options, **signing),
            audit=staff_audit(user),
        )
    return caught.value.message


def actions(user):
    return list(
        AuditEvent.objects.filter(actor=user).order_by("id").values_list("action", "outcome")
    )


def test_passkey_is_added_with_its_name_and_audited(therapist, authenticator):
    session = {}
    passkey = add(therapist.user, authenticator, name="Work laptop", session=session)

    stored = Passkey.objects.get()
    assert (stored.user, stored.name, stored.sign_count) == (therapist.user, "Work laptop", 0)
    assert stored.transports == ["internal"]
    assert passkeys.CHALLENGE_SESSION_KEY not in session
    [event] = AuditEvent.objects.filter(action="auth.passkey_added")
    assert (event.practice, event.object_id) == (therapist.practice, str(passkey.public_id))
    assert event.changes == {"name": "Work laptop"}


def test_passkey_options_exclude_passkeys_already_added(therapist, authenticator):
    add(therapist.user, authenticator)

    options = json.loads(passkeys.registration_options(session={}, user=therapist.user))

    assert [c["id"] for c in options["excludeCredentials"]] == [Passkey.objects.get().credential_id]
    assert options["rp"] == {"id": "127.0.0.1", "name": "Patternwork"}


def test_passkey_same_authenticator_is_added_once(therapist, authenticator):
    add(therapist.user, authenticator)

    with pytest.raises(passkeys.PasskeyRefused, match="already added"):
        add(therapist.user, authenticator)
    assert Passkey.objects.count() == 1


def test_passkey_logs_in_and_its_counter_moves_on(therapist, authenticator):
    add(therapist.user, authenticator)

    first = sign_in(therapist.user, authenticator)
    second = sign_in(therapist.user, authenticator)

    assert (first.sign_count, second.sign_count) == (1, 2)
    assert Passkey.objects.get().last_used_at is not None
    assert actions(therapist.user)[-2:] == [("auth.login.passkey", "success")] * 2


def test_passkey_answer_to_another_challenge_is_refused(therapist, authenticator):
    add(therapist.user, authenticator)
    session = {}
    stale = passkeys.authentication_options(session=session, user=therapist.user)
    passkeys.authentication_options(session=session, user=therapist.user)  # a newer one

    assert refused(therapist.user, authenticator, session, stale) == passkeys.NOT_ACCEPTED
    assert actions(therapist.user)[-1] == ("auth.passkey_refused", "failure")
    assert Passkey.objects.get().last_used_at is None


def test_passkey_replayed_answer_is_refused(therapist, authenticator):
    add(therapist.user, authenticator)
    session = {}
    options = passkeys.authentication_options(session=session, user=therapist.user)
    answer = authenticator.sign(options)
    passkeys.check_passkey(
        session=session, user=therapist.user, credential=answer, audit=staff_audit(therapist.user)
    )

    # The challenge was used up: the same answer finds none waiting...
    with pytest.raises(passkeys.PasskeyRefused) as caught:
        passkeys.check_passkey(
            session=session,
            user=therapist.user,
            credential=answer,
            audit=staff_audit(therapist.user),
        )
    assert caught.value.message == passkeys.NO_CHALLENGE
    # ...and does not answer a new one.
    passkeys.authentication_options(session=session, user=therapist.user)
    with pytest.raises(passkeys.PasskeyRefused) as caught:
        passkeys.check_passkey(
            session=session,
            user=therapist.user,
            credential=answer,
            audit=staff_audit(therapist.user),
        )
    assert caught.value.message == passkeys.NOT_ACCEPTED
    assert Passkey.objects.get().sign_count == 1


def test_passkey_challenge_expires(therapist, authenticator, frozen):
    add(therapist.user, authenticator)
    session = {}
    options = passkeys.authentication_options(session=session, user=therapist.user)
    frozen.shift(passkeys.CHALLENGE_LIFETIME + timedelta(seconds=1))

    assert refused(therapist.user, authenticator, session, options) == passkeys.NO_CHALLENGE


def test_passkey_bad_signature_is_refused_and_audited(therapist, authenticator):
    add(therapist.user, authenticator)
    session = {}
    options = passkeys.authentication_options(session=session, user=therapist.user)

    assert (
        refused(therapist.user, authenticator, session, options, forge=True)
        == passkeys.NOT_ACCEPTED
    )
    event = AuditEvent.objects.get(action="auth.passkey_refused")
    assert (event.outcome, event.practice, event.changes["step"]) == (
        "failure",
        therapist.practice,
        "login",
    )
    assert event.object_id == str(Passkey.objects.get().public_id)


def test_passkey_counter_going_backwards_is_refused(therapist, authenticator):
    add(therapist.user, authenticator)
    sign_in(therapist.user, authenticator, sign_count=10)
    session = {}
    options = passkeys.authentication_options(session=session, user=therapist.user)

    message = refused(therapist.user, authenticator, session, options, sign_count=5)

    assert message == passkeys.COUNTER_BACKWARDS
    assert Passkey.objects.get().sign_count == 10
    assert AuditEvent.objects.get(action="auth.passkey_refused").changes["reason"] == "counter"


def test_passkey_answer_from_another_origin_or_rp_is_refused(therapist, authenticator):
    add(therapist.user, authenticator)
    for signing in ({"origin": "http://evil.example"}, {"rp_id": "evil.example"}):
        session = {}
        options = passkeys.authentication_options(session=session, user=therapist.user)
        assert (
            refused(therapist.user, authenticator, session, options, **signing)
            == passkeys.NOT_ACCEPTED
        )


def test_passkey_of_another_user_is_refused(therapist, other_therapist, authenticator):
    add(other_therapist.user, authenticator)
    TOTPDeviceFactory(user=therapist.user)
    session = {}
    options = passkeys.authentication_options(session=session, user=therapist.user)

    assert refused(therapist.user, authenticator, session, options) == passkeys.NOT_YOURS


def test_passkey_registration_with_wrong_challenge_is_refused(therapist, authenticator):
    session = {}
    stale = passkeys.registration_options(session=session, user=therapist.user)
    passkeys.registration_options(session=session, user=therapist.user)

    with pytest.raises(passkeys.PasskeyRefused):
        passkeys.add_passkey(
            session=session,
            user=therapist.user,
            name="Key",
            credential=authenticator.register(stale),
            audit=staff_audit(therapist.user),
        )
    assert not Passkey.objects.exists()
    assert actions(therapist.user) == [("auth.passkey_refused", "failure")]


def test_passkey_without_an_answer_says_javascript_is_needed(therapist):
    session = {}
    passkeys.registration_options(session=session, user=therapist.user)

    with pytest.raises(passkeys.PasskeyRefused) as caught:
        passkeys.add_passkey(
            session=session,
            user=therapist.user,
            name="Key",
            credential="",
            audit=staff_audit(therapist.user),
        )
    assert caught.value.message == passkeys.NOT_SENT
    assert passkeys.CHALLENGE_SESSION_KEY not in session


@override_settings(PATTERNWORK_BASE_URL="https://patternwork.example.org")
def test_passkey_relying_party_is_the_configured_address(therapist):
    rp = passkeys.relying_party()
    options = json.loads(passkeys.registration_options(session={}, user=therapist.user))

    assert (rp.id, rp.origin) == ("patternwork.example.org", "https://patternwork.example.org")
    assert options["rp"]["id"] == "patternwork.example.org"
    authenticator = SoftAuthenticator(
        rp_id="patternwork.example.org", origin="https://patternwork.example.org"
    )
    assert add(therapist.user, authenticator).credential_id


def test_passkey_remove_is_audited(therapist, authenticator):
    passkey = add(therapist.user, authenticator)

    passkeys.remove_passkey(
        passkey=passkey,
        user=therapist.user,
        membership=therapist,
        audit=staff_audit(therapist.user),
    )

    assert not Passkey.objects.exists()
    event = AuditEvent.objects.get(action="auth.passkey_removed")
    assert (event.object_id, event.changes) == (
        str(passkey.public_id),
        {"name": "Blue key"},
    )


def test_passkey_admin_requirement_keeps_the_last_passkey(admin, authenticator):
    passkey = add(admin.user, authenticator)
    admin.practice.require_admin_passkeys = True
    admin.practice.save()

    with pytest.raises(ValidationError, match="add another passkey"):
        passkeys.remove_passkey(
            passkey=passkey, user=admin.user, membership=admin, audit=staff_audit(admin.user)
        )
    assert Passkey.objects.exists()


def test_passkey_second_step_follows_devices_and_the_admin_requirement(
    admin, therapist, authenticator
):
    admin.practice.require_admin_passkeys = True
    admin.practice.save()

    assert passkeys.passkey_required(admin)
    assert not passkeys.passkey_required(therapist)
    assert passkeys.second_step(admin.user, admin) == passkeys.ADD_PASSKEY
    assert passkeys.second_step(therapist.user, therapist) == passkeys.ADD_APP
    TOTPDeviceFactory(user=admin.user)
    assert passkeys.second_step(admin.user, admin) == passkeys.APP
    add(admin.user, authenticator)
    assert passkeys.second_step(admin.user, admin) == passkeys.PASSKEY


def test_passkey_counts_as_the_second_factor_an_api_token_needs(therapist, authenticator):
    with pytest.raises(ValidationError):
        create_api_token(membership=therapist, name="Site", scope="read", days=30)
    add(therapist.user, authenticator)

    token, _secret = create_api_token(membership=therapist, name="Site", scope="read", days=30)

    assert token.membership == therapist
