import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from patternwork.clients.validators import BAD_PHONE, validate_phone
from patternwork.clinic.forms.clients import ClientForm
from patternwork.clinic.forms.referrals import ReferralForm
from patternwork.portal.forms.referrals import SelfReferralForm

VALID = [
    "07700 900123",
    "+44 7700 900123",
    "(01632) 960-000",
    "0161.496.0000",
    "123456",
]
INVALID = [
    "ring me",
    "07700 900123 ext 4",
    "12345",
    "+44 (0) 7700 9OO123",
    "0044+7700900123",
    "--- ---",
]


@pytest.mark.parametrize("number", VALID)
def test_validate_phone_accepts_a_number(number):
    validate_phone(number)


@pytest.mark.parametrize("number", INVALID)
def test_validate_phone_refuses_what_is_not_a_number(number):
    with pytest.raises(ValidationError) as refused:
        validate_phone(number)

    assert (refused.value.messages, refused.value.code) == ([str(BAD_PHONE)], "phone")


def phone_errors(practice):
    """The telephone errors of every form that takes a client's or a referral's number."""
    now = timezone.now() - dt.timedelta(minutes=5)
    return {
        "client": lambda number: ClientForm({"phone": number}).errors.get("phone"),
        "emergency contact": lambda number: ClientForm(
            {"emergency_contact_phone": number}
        ).errors.get("emergency_contact_phone"),
        "staff referral": lambda number: ReferralForm({"phone": number}).errors.get("phone"),
        "self-referral": lambda number: SelfReferralForm(
            {"phone": number}, practice=practice, now=now
        ).errors.get("phone"),
    }


@pytest.mark.parametrize("number", VALID + INVALID)
def test_every_form_accepts_and_refuses_the_same_numbers(practice, number):
    expected = None if number in VALID else [str(BAD_PHONE)]

    found = {form: errors(number) for form, errors in phone_errors(practice).items()}

    assert found == dict.fromkeys(found, expected)
