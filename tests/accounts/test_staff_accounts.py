"""Staff accounts: never a client's portal login; a member leaving one practice may join another."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client as Browser
from django.urls import reverse

from patternwork.accounts import services
from patternwork.accounts.models import Membership, Practice
from tests.factories import TEST_PASSWORD


def test_invite_staff_refuses_a_clients_portal_login(admin, portal_login):
    with pytest.raises(ValidationError) as refused:
        services.invite_staff(
            practice=admin.practice,
            email=portal_login.email.upper(),
            full_name="Jo",
            role="therapist",
            invited_by=admin,
        )

    assert "is a client's portal login" in refused.value.message_dict["email"][0]
    assert not Membership.objects.filter(user=portal_login.user).exists()


def test_staff_login_stays_refused_to_a_client_after_an_attempted_invitation(
    admin, portal_login, client
):
    with pytest.raises(ValidationError):
        services.invite_staff(
            practice=admin.practice,
            email=portal_login.email,
            full_name="Jo",
            role="admin",
            invited_by=admin,
        )

    response = client.post(
        reverse("clinic:login"), {"email": portal_login.email, "password": TEST_PASSWORD}
    )

    assert "_auth_user_id" not in client.session
    assert "This login is for practice staff" in response.content.decode()


def test_create_practice_refuses_a_clients_portal_login(portal_login):
    with pytest.raises(CommandError, match="is a client's portal login"):
        call_command(
            "create_practice",
            "--name",
            "Riverside",
            "--admin-email",
            portal_login.email,
            "--admin-name",
            "Jo",
        )

    assert not Practice.objects.filter(name="Riverside").exists()


def test_member_deactivated_in_one_practice_can_join_another(admin, therapist, foreign_admin):
    services.deactivate_member(membership=therapist, deactivated_by=admin)

    joined = services.invite_staff(
        practice=foreign_admin.practice,
        email=therapist.user.email,
        full_name=therapist.user.full_name,
        role="therapist",
        invited_by=foreign_admin,
    )

    browser = Browser()
    response = browser.post(
        reverse("clinic:login"), {"email": therapist.user.email, "password": TEST_PASSWORD}
    )
    therapist.refresh_from_db()
    assert (joined.is_active, joined.user.is_active) == (True, True)
    assert therapist.is_active is False
    assert response.status_code == 302
    assert browser.session["_auth_user_id"] == str(therapist.user.pk)
