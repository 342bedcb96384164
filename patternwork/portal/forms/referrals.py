"""The public self-referral form, with abuse protection that needs no outside service.

Three guards: a honeypot field people never see, a signed timestamp that refuses forms
sent implausibly fast or opened more than a day ago, and the per-address hourly limit
(`check_submission_rate`, applied by the view).
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patternwork.accounts.models import Practice
from patternwork.clients.validators import (  # noqa: F401  (messages tests reuse)
    EMAIL_NEEDS_ADDRESS,
    NEED_A_WAY,
    NEED_EMAIL_OR_PHONE,
    PHONE_NEEDS_NUMBER,
    self_referral_contact_problems,
    validate_phone,
)

TOKEN_FIELD = "started"  # noqa: S105  (a form field name, not a secret)
# A namespace for the signature (SECRET_KEY signs), not a secret itself.
TOKEN_SALT = "patternwork.portal.self-referral"  # noqa: S105
MIN_FILL_TIME = datetime.timedelta(seconds=3)
MAX_FORM_AGE = datetime.timedelta(days=1)
HONEYPOT_FIELD = "website"

REASON_MAX_LENGTH = 3000
AVAILABILITY_MAX_LENGTH = 1000
EARLIEST_BIRTH_DATE = datetime.date(1900, 1, 1)

BAD_TOKEN = _(
    "Something went wrong while checking this form. Please look over your answers and "
    "send it again."
)
TOO_FAST = _(
    "That was quicker than we expected from a person. Please look over your answers and "
    "send the form again."
)
TOO_OLD = _(
    "This form was opened more than a day ago. For your security, please look over your "
    "answers and send it again."
)
BIRTH_IN_FUTURE = _("The date of birth cannot be in the future.")
BIRTH_TOO_EARLY = _("Enter a date of birth after 1900.")
CONSENT_CONTACT_NEEDED = _("Tick this box so that the practice may contact you.")
CONSENT_STORE_NEEDED = _(
    "Tick this box so that the practice may keep your form. Without it, it cannot help you."
)


def issue_form_token(practice: Practice, now: datetime.datetime) -> str:
    """A signed note of when the form was shown, and for which practice."""
    return signing.dumps(
        {"practice": str(practice.public_id), "at": now.timestamp()}, salt=TOKEN_SALT
    )


def token_problem(token: str, practice: Practice, now: datetime.datetime):
    """Why a form carrying this token is refused, or None when it may be accepted."""
    try:
        data = signing.loads(token, salt=TOKEN_SALT)
        shown_at = datetime.datetime.fromtimestamp(float(data["at"]), tz=datetime.UTC)
        same_practice = data["practice"] == str(practice.public_id)
    except (signing.BadSignature, KeyError, TypeError, ValueError, OverflowError):
        return BAD_TOKEN
    if not same_practice:
        return BAD_TOKEN
    age = now - shown_at
    if age < MIN_FILL_TIME:
        return TOO_FAST
    if age > MAX_FORM_AGE:
        return TOO_OLD
    return None


class SelfReferralForm(forms.Form):
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    preferred_name = forms.CharField(
        label=_("What would you like us to call you? (optional)"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    pronouns = forms.CharField(
        label=_("Pronouns (optional)"),
        max_length=40,
        required=False,
        help_text=_("For example: she/her, he/him, they/them."),
    )
    date_of_birth = forms.DateField(
        label=_("Date of birth (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
    )
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Telephone number"),
        max_length=40,
        required=False,
        validators=[validate_phone],
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    contact_by_email = forms.BooleanField(label=_("By email"), required=False)
    contact_by_phone = forms.BooleanField(label=_("By telephone"), required=False)
    voicemail_ok = forms.BooleanField(
        label=_("It is fine to leave a voicemail message"), required=False
    )
    reason = forms.CharField(
        label=_("What would you like help with?"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("In your own words. A few sentences are enough (at most 3,000 characters)."),
        error_messages={"required": _("Tell us a little about what you would like help with.")},
    )
    availability = forms.CharField(
        label=_("When could you usually come to sessions? (optional)"),
        max_length=AVAILABILITY_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: weekday mornings, or Tuesday and Thursday after 5pm."),
    )
    consent_contact = forms.BooleanField(
        error_messages={"required": CONSENT_CONTACT_NEEDED},
    )
    consent_store = forms.BooleanField(
        error_messages={"required": CONSENT_STORE_NEEDED},
    )
    # The honeypot: hidden from people by a CSS class, left empty by them, filled by bots.
    website = forms.CharField(
        label=_("Leave this field empty"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, practice: Practice, now: datetime.datetime, **kwargs):
        super().__init__(*args, **kwargs)
        self.practice = practice
        self.now = now
        self.fields["consent_contact"].label = _(
            "I agree that %(practice)s may contact me about this form, in the ways I ticked."
        ) % {"practice": practice.name}
        self.fields["consent_store"].label = _(
            "I agree that %(practice)s may keep what I have written here so that its team "
            "can decide how best to help me."
        ) % {"practice": practice.name}

    def honeypot_filled(self) -> bool:
        return bool(self.data.get(HONEYPOT_FIELD, "").strip())

    def clean_date_of_birth(self):
        born = self.cleaned_data["date_of_birth"]
        today = timezone.localdate(self.now, ZoneInfo(self.practice.time_zone))
        if born and born > today:
            raise ValidationError(BIRTH_IN_FUTURE, code="future")
        if born and born < EARLIEST_BIRTH_DATE:
            raise ValidationError(BIRTH_TOO_EARLY, code="too_early")
        return born

    def clean(self):
        cleaned = super().clean()
        problem = token_problem(self.data.get(TOKEN_FIELD, ""), self.practice, self.now)
        if problem:
            self.add_error(None, problem)
        for field, message in self_referral_contact_problems(cleaned, invalid=set(self.errors)):
            self.add_error(field, message)
        return cleaned

    def referral_data(self) -> dict:
        """The answers as `submit_self_referral` takes them."""
        data = {
            field: self.cleaned_data[field]
            for field in (
                "full_name",
                "preferred_name",
                "pronouns",
                "email",
                "phone",
                "reason",
                "availability",
                "contact_by_email",
                "contact_by_phone",
                "voicemail_ok",
            )
        }
        if self.cleaned_data["date_of_birth"]:
            data["date_of_birth"] = self.cleaned_data["date_of_birth"]
        return data
