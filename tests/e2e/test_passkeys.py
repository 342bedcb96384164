"""A therapist adds a passkey, logs out, logs in with it, and removes it, in Chromium with
its virtual authenticator (a platform authenticator with user verification, through CDP)."""

import re

import pytest

from patternwork.accounts.models import Membership, Passkey
from patternwork.audit.models import AuditEvent
from tests.factories import TEST_PASSWORD, MembershipFactory

pytestmark = pytest.mark.e2e

AUTHENTICATOR = {
    "protocol": "ctap2",
    "transport": "internal",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
    "automaticPresenceSimulation": True,
}


def test_passkey_is_added_used_to_log_in_and_removed(e2e_server, signed_in):
    from playwright.sync_api import expect

    base = e2e_server.url
    therapist = MembershipFactory(role=Membership.Role.THERAPIST, user__full_name="Dr Ada Key")
    page = signed_in(therapist.user)  # logged in with the password and a code
    problems = []
    page.on("console", lambda message: problems.append(message.text))
    page.on("dialog", lambda dialog: dialog.accept())  # "Remove this passkey?"
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR})

    page.goto(f"{base}/settings/passkeys/")
    page.get_by_label("Name").fill("Laptop lock")
    page.get_by_role("button", name="Add passkey").click()
    expect(page.get_by_text("The passkey “Laptop lock” is added.")).to_be_visible()
    expect(page.get_by_role("cell", name="Laptop lock", exact=True)).to_be_visible()
    assert Passkey.objects.get().user == therapist.user

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{base}/login/")
    page.get_by_label("Email address").fill(therapist.user.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r".*/login/passkey/.*"))
    page.get_by_role("button", name="Use passkey").click()
    page.wait_for_url(f"{base}/caseload/")
    assert Passkey.objects.get().last_used_at is not None
    assert AuditEvent.objects.filter(action="auth.login.passkey").count() == 1

    page.goto(f"{base}/settings/passkeys/")
    expect(page.get_by_text("used for this login", exact=True)).to_be_visible()
    page.get_by_role("button", name="Remove Laptop lock").click()

    # It was this login's passkey: the login is asked for its other second factor.
    page.wait_for_url(re.compile(r".*/login/verify/.*"))
    assert not Passkey.objects.exists()
    assert AuditEvent.objects.filter(action="auth.passkey_removed").count() == 1
    assert problems == []
