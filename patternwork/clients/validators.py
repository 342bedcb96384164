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
