"""The passkey pages: the login step, the list, adding and removing, and who reaches them."""

from urllib.parse import quote

import pytest
from django.urls import reverse

from patternwork.accounts import passkeys
from patternwork.accounts.models import Passkey
from patternwork.accounts.services import update_practice
from patternwork.audit.models import AuditEvent
from tests.factories import TEST_PASSWORD, PortalClientFactory, TOTPDeviceFactory

LOGIN = reverse("clinic:login")
HOME = reverse("clinic:home")
PASSKEY_STEP = reverse("clinic:passkey-verify")
PASSKEY_OPTIONS = reverse("clinic:passkey-login-options")
LIST = reverse("clinic:passkeys")
ADD_OPTIONS = reverse("clinic:passkey-add-options")
ADD = reverse("clinic:passkey-add")
REMOVE = reverse("clinic:passkey-remove")
OTP_VERIFY = reverse("clinic:otp-verify")
OTP_SETUP = reverse("clinic:otp-setup")
NEXT_HOME = quote(HOME, safe="")
PAGES = [PASSKEY_STEP, PASSKEY_OPTIONS, LIST, ADD_OPTIONS, ADD, REMOVE]


def add_through_pages(client, key, *, name="Blue key", next_url=""):
    options = client.post(ADD_OPTIONS)
    assert options.status_code == 200, options.content
    credential = key.register(options.content.decode())
    return client.post(ADD, {"name": name, "credential": credential, "next": next_url})


def passkey_step(client, key, *, next_url=HOME):
    options = client.post(PASSKEY_OPTIONS)
    assert options["Content-Type"] == "application/json"
    return client.post(
        PASSKEY_STEP, {"credential": key.sign(options.content.decode()), "next": next_url}
    )


def password_step(client, user):
    return client.post(LOGIN, {"email": user.email, "password": TEST_PASSWORD})


def require_passkeys(practice):
    practice.require_admin_passkeys = True
    practice.save(update_fields=["require_admin_passkeys"])


@pytest.mark.parametrize("url", PAGES)
def test_passkey_pages_are_not_found_for_a_client_login(client, therapist, url):
    person = PortalClientFactory(practice=therapist.practice, therapist=therapist)
    client.force_login(person.user)

    assert client.get(url).status_code in (404, 405)
    assert client.post(url, {"name": "Mine", "credential": "{}"}).status_code == 404
    assert not Passkey.objects.exists()
    assert AuditEvent.objects.filter(actor=person.user, action="access.denied").exists()


def test_passkey_is_added_then_logs_in_as_the_second_step(client, login, therapist, authenticator):
    login(therapist)
    assert client.get(LIST).status_code == 200

    response = add_through_pages(client, authenticator, name="Work laptop")

    assert (response.status_code, response["Location"]) == (302, LIST)
    assert "Work laptop" in client.get(LIST).content.decode()
    client.post(reverse("clinic:logout"))

    response = password_step(client, therapist.user)
    assert response["Location"] == f"{PASSKEY_STEP}?next={NEXT_HOME}"
    page = client.get(response["Location"])
    assert b"needs JavaScript" in page.content
    assert client.get(HOME).status_code == 302  # the password alone is not enough

    response = passkey_step(client, authenticator)

    assert (response.status_code, response["Location"]) == (302, HOME)
    assert client.get(HOME).status_code == 200
    actions = list(
        AuditEvent.objects.filter(actor=therapist.user, action__contains="passkey")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["auth.passkey_added", "auth.login.passkey"]


def test_passkey_step_without_javascript_says_what_is_needed(client, therapist, authenticator):
    Passkey.objects.create(user=therapist.user, name="Key", credential_id="abc", public_key=b"x")
    password_step(client, therapist.user)

    response = client.post(PASSKEY_STEP, {"credential": "", "next": HOME})

    assert response.status_code == 400
    assert str(passkeys.NOT_SENT) in response.content.decode()
    assert client.get(HOME).status_code == 302


def test_passkey_answer_under_another_host_header_is_refused(
    client, login, therapist, authenticator
):
    # The origin an answer must come from is the configured address, whatever Host says.
    login(therapist)
    add_through_pages(client, authenticator)
    client.post(reverse("clinic:logout"))
    password_step(client, therapist.user)
    options = client.post(PASSKEY_OPTIONS).content.decode()

    response = client.post(
        PASSKEY_STEP,
        {"credential": authenticator.sign(options, origin="http://testserver"), "next": HOME},
    )

    assert response.status_code == 400
    assert client.get(HOME).status_code == 302


def test_password_alone_adds_no_second_factor_over_an_existing_one(
    client, therapist, authenticator
):
    TOTPDeviceFactory(user=therapist.user)
    password_step(client, therapist.user)

    assert client.get(LIST)["Location"].startswith(OTP_VERIFY)
    assert client.post(ADD_OPTIONS).status_code == 403
    assert client.post(ADD, {"name": "Thief", "credential": "{}"}).status_code == 302
    assert not Passkey.objects.exists()


def test_password_alone_sets_up_no_app_over_a_passkey(client, login, therapist, authenticator):
    login(therapist)
    add_through_pages(client, authenticator)
    therapist.user.authenticator_apps.all().delete()
    client.post(reverse("clinic:logout"))
    password_step(client, therapist.user)

    response = client.get(OTP_SETUP)

    assert response["Location"].startswith(PASSKEY_STEP)
    assert client.post(OTP_SETUP, {"token": "123456"})["Location"].startswith(PASSKEY_STEP)


def test_first_second_factor_may_be_a_passkey(client, therapist, authenticator):
    response = password_step(client, therapist.user)
    assert response["Location"] == f"{OTP_SETUP}?next={NEXT_HOME}"

    response = add_through_pages(client, authenticator, next_url=HOME)

    assert (response.status_code, response["Location"]) == (302, HOME)
    assert client.get(HOME).status_code == 200
    assert AuditEvent.objects.filter(action="auth.login.passkey_enrolled").count() == 1


def test_admin_required_without_a_device_adds_a_passkey_after_the_password(
    client, admin, authenticator
):
    require_passkeys(admin.practice)

    response = password_step(client, admin.user)

    assert response["Location"] == f"{LIST}?next={NEXT_HOME}"
    assert add_through_pages(client, authenticator, next_url=HOME)["Location"] == HOME
    assert client.get(HOME).status_code == 200


def test_admin_required_is_sent_to_add_a_passkey_after_the_code(
    client, login, admin, authenticator
):
    require_passkeys(admin.practice)
    login(admin)  # verified with a code from the app

    response = client.get(HOME)
    assert response["Location"] == f"{PASSKEY_STEP}?next={NEXT_HOME}"
    response = client.get(response["Location"])
    assert response["Location"] == f"{LIST}?next={NEXT_HOME}"
    assert b"requires admins to log in with a passkey" in client.get(response["Location"]).content

    assert add_through_pages(client, authenticator, next_url=HOME)["Location"] == HOME
    assert client.get(HOME).status_code == 200


def test_admin_required_with_a_passkey_may_not_log_in_with_a_code(
    client, login, admin, authenticator
):
    login(admin)
    add_through_pages(client, authenticator)
    require_passkeys(admin.practice)
    client.post(reverse("clinic:logout"))
    login(admin)  # a session verified with a code from the app

    response = client.get(HOME)
    assert response["Location"] == f"{PASSKEY_STEP}?next={NEXT_HOME}"
    assert b"authenticator app instead" not in client.get(response["Location"]).content

    assert passkey_step(client, authenticator)["Location"] == HOME
    assert client.get(HOME).status_code == 200


def test_practice_setting_requiring_passkeys_is_audited(admin):
    update_practice(
        practice=admin.practice, data={"require_admin_passkeys": True}, changed_by=admin
    )

    event = AuditEvent.objects.get(action="practice.update")
    assert event.changes == {"require_admin_passkeys": [False, True]}


def test_passkey_is_removed_and_another_users_is_not(
    client, login, therapist, other_therapist, authenticator
):
    theirs = Passkey.objects.create(
        user=other_therapist.user, name="Theirs", credential_id="theirs", public_key=b"x"
    )
    login(therapist)
    add_through_pages(client, authenticator)
    mine = Passkey.objects.get(user=therapist.user)

    response = client.post(REMOVE, {"passkey": str(theirs.public_id)}, follow=True)
    assert "no such passkey" in response.content.decode()
    assert Passkey.objects.filter(pk=theirs.pk).exists()

    response = client.post(REMOVE, {"passkey": str(mine.public_id)})

    assert response["Location"] == LIST
    assert list(Passkey.objects.all()) == [theirs]
    assert AuditEvent.objects.filter(action="auth.passkey_removed").count() == 1


@pytest.mark.parametrize("rows", [1, 8])
def test_passkey_list_queries_do_not_grow_with_rows(
    client, login, therapist, rows, django_assert_num_queries
):
    for n in range(rows):
        Passkey.objects.create(
            user=therapist.user, name=f"Key {n}", credential_id=f"id-{n}", public_key=b"x"
        )
    login(therapist)
    client.get(LIST)

    # The same count for one passkey and for eight: the list is one query.
    with django_assert_num_queries(6):
        page = client.get(LIST)

    assert page.content.decode().count("Remove Key") == rows
