"""The password policy: the set-password form holds it, and the services trust the form.

`accept_invitation`, `change_password` and the portal's `accept_client_invitation` store
the password they are given; every page that calls them validates it with this form
(or Django's own password forms, under the same AUTH_PASSWORD_VALIDATORS) first.
"""

import pytest

from patternwork.accounts.forms import SetPasswordForm
from patternwork.accounts.models import User


@pytest.fixture
def invited():
    # Unsaved, as the portal passes it: the checks compare against its name and address.
    return User(email="nia.newcomer@example.test", full_name="Nia Newcomer")


def submit(user, first, second=None):
    form = SetPasswordForm(user, {"password1": first, "password2": second or first})
    form.is_valid()
    return form


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short-pw", "at least 12 characters"),
        ("nia.newcomer@example", "too similar to the email address"),
        ("password12345", "too common"),
        ("203948571629", "entirely numeric"),
    ],
    ids=["short", "like the address", "common", "numeric"],
)
def test_set_password_form_refuses_a_weak_password(invited, password, message):
    form = submit(invited, password)

    assert message in " ".join(form.errors["password1"])


def test_set_password_form_refuses_two_different_passwords(invited):
    form = submit(invited, "a quiet morning by the canal", "a quiet evening by the canal")

    assert form.errors == {"password2": ["The two passwords do not match."]}


def test_set_password_form_accepts_a_long_phrase(invited):
    form = submit(invited, "a quiet morning by the canal")

    assert form.errors == {}
    assert form.cleaned_data["password1"] == "a quiet morning by the canal"
