"""Every audit row names the practice it concerns; the rest is the operator's."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from patternwork.audit.models import AuditEvent
from tests.factories import TEST_PASSWORD

INSTANCE = reverse("clinic:instance-audit")


def test_client_login_failure_is_audited_under_the_clients_practice(client, portal_login):
    client.post(
        reverse("portal:login"), {"email": portal_login.email, "password": "wrong-password-1"}
    )

    assert AuditEvent.objects.get(action="auth.login_failed").practice == portal_login.practice


def test_client_reaching_a_staff_page_is_denied_under_the_clients_practice(client, portal_login):
    client.force_login(portal_login.user)

    client.get(reverse("clinic:home"))

    event = AuditEvent.objects.get(action="access.denied")
    assert (event.actor, event.practice) == (portal_login.user, portal_login.practice)


def test_client_login_is_audited_under_the_clients_practice(client, portal_login):
    client.post(reverse("portal:login"), {"email": portal_login.email, "password": TEST_PASSWORD})

    assert AuditEvent.objects.get(action="portal.login.password").practice == portal_login.practice


def test_operator_sees_the_events_of_no_practice_only(client, login, admin, therapist):
    call_command("set_operator", admin.user.email)
    client.post(reverse("clinic:login"), {"email": "nobody@example.test", "password": "x"})
    client.post(reverse("clinic:login"), {"email": therapist.user.email, "password": "x"})
    login(admin)

    page = client.get(INSTANCE)

    assert page.status_code == 200
    assert [
        (e.action, e.actor_label)
        for e in page.context["page"]
        if e.action != "instance.operator_granted"
    ] == [("auth.login_failed", "nobody@example.test")]


def test_instance_audit_is_not_found_for_an_admin_who_is_not_the_operator(client, login, admin):
    login(admin)

    response = client.get(INSTANCE)

    assert response.status_code == 404
    event = AuditEvent.objects.get(action="access.denied")
    assert (event.actor, event.practice) == (admin.user, admin.practice)


def test_set_operator_refuses_an_account_without_an_active_membership(portal_login):
    with pytest.raises(CommandError, match="not an active member"):
        call_command("set_operator", portal_login.email)


def test_set_operator_remove_withdraws_the_page(client, login, admin):
    call_command("set_operator", admin.user.email)
    call_command("set_operator", admin.user.email, "--remove")
    login(admin)

    assert client.get(INSTANCE).status_code == 404
    assert list(
        AuditEvent.objects.filter(action__startswith="instance.").values_list("action", flat=True)
    ) == ["instance.operator_withdrawn", "instance.operator_granted"]
