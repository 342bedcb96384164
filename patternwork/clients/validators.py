"""Checks on a client's and a referral's details, shared by the model and every form."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Digits with the usual separators, and an optional leading + for an international number.
PHONE_RE = re.compile(r"^\+?[0-9 ()\-.]+$")
# Shorter than this cannot be a number to ring back (UK numbers have 10 or 11 digits).
PHONE_MIN_DIGITS = 6

BAD_PHONE = _("Enter a telephone number using digits, spaces and + ( ) - only.")


def validate_phone(value: str) -> None:
    if not PHONE_RE.match(value) or sum(ch.isdigit() for ch in value) < PHONE_MIN_DIGITS:
        raise ValidationError(BAD_PHONE, code="phone")


NEED_EMAIL_OR_PHONE = _(
    "Give an email address or a telephone number (or both), so that the practice can reach you."
)
NEED_A_WAY = _("Tick at least one way the practice may contact you.")
EMAIL_NEEDS_ADDRESS = _("You ticked email: give your email address.")
PHONE_NEEDS_NUMBER = _("You ticked telephone: give your telephone number.")


def self_referral_contact_problems(
    data: dict, *, invalid: set[str] = frozenset()
) -> list[tuple[str | None, str]]:
    """How a self-referral's contact details fall short, as (field or None, message).

    The public form and the API's self-referral apply the same rules. A voicemail
    message is a telephone contact, so `voicemail_ok` sets `contact_by_phone` in `data`.
    `invalid` names fields already refused for their own reasons, not to be faulted again.
    """
    problems: list[tuple[str | None, str]] = []
    email, phone = data.get("email"), data.get("phone")
    if not email and not phone and not {"email", "phone"} & invalid:
        problems.append((None, NEED_EMAIL_OR_PHONE))
    if data.get("voicemail_ok"):
        data["contact_by_phone"] = True
    if not data.get("contact_by_email") and not data.get("contact_by_phone"):
        problems.append((None, NEED_A_WAY))
    if data.get("contact_by_email") and not email and "email" not in invalid:
        problems.append(("email", EMAIL_NEEDS_ADDRESS))
    if data.get("contact_by_phone") and not phone and "phone" not in invalid:
        problems.append(("phone", PHONE_NEEDS_NUMBER))
    return problems
