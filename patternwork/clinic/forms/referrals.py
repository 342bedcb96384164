"""Referral triage: the status filter, staff entry of a referral, decline and accept."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patternwork.accounts.models import Membership
from patternwork.accounts.selectors import active_clinicians
from patternwork.clients.models import Referral
from patternwork.clients.validators import validate_phone

OPEN = "open"
OPEN_STATUSES = (Referral.Status.NEW, Referral.Status.CONTACTED)


def open_total(counts: dict[str, int]) -> int:
    """The open referrals among counts by status (`clients.selectors.referral_status_counts`)."""
    return sum(counts[status] for status in OPEN_STATUSES)


DECIDED_STATUSES = (Referral.Status.ACCEPTED, Referral.Status.DECLINED)

REASON_MAX_LENGTH = 4000
AVAILABILITY_MAX_LENGTH = 1000
REFERRER_CONTACT_MAX_LENGTH = 1000
# Decline reasons are stored in plain text (unlike the referral's reason): an
# administrative line, never a clinical note.
DECLINE_REASON_MAX_LENGTH = 500
EARLIEST_DATE = datetime.date(1900, 1, 1)

DATE_IN_FUTURE = _("This date is in the future.")
DATE_TOO_EARLY = _("Enter a date after 1900.")
EMAIL_NEEDS_ADDRESS = _("Email is ticked as a way to make contact: give the email address.")
PHONE_NEEDS_NUMBER = _("Telephone is ticked as a way to make contact: give the number.")
DATE_OF_BIRTH_NEEDED = _("A client record needs the date of birth. Ask the person or the referrer.")


def validate_past_date(value: datetime.date) -> None:
    if value > timezone.localdate():
        raise ValidationError(DATE_IN_FUTURE, code="future")
    if value < EARLIEST_DATE:
        raise ValidationError(DATE_TOO_EARLY, code="too_early")


def _date_field(label, *, required: bool, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        validators=[validate_past_date],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class ReferralFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[(OPEN, _("Open (new and contacted)")), *Referral.Status.choices],
    )

    def clean_status(self) -> str:
        return self.cleaned_data["status"] or OPEN


class ReferralForm(forms.Form):
    """A professional referral (GP letter, telephone call...) typed in by staff."""

    referrer_name = forms.CharField(
        label=_("Referred by"),
        max_length=200,
        help_text=_("Name and role, for example: Dr Sam Okafor, GP."),
    )
    referrer_contact = forms.CharField(
        label=_("Referrer's contact details"),
        max_length=REFERRER_CONTACT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Surgery or service, address, telephone or secure email."),
    )
    received_on = _date_field(_("Date received"), required=True)
    full_name = forms.CharField(label=_("Full name of the person referred"), max_length=200)
    preferred_name = forms.CharField(label=_("Preferred name"), max_length=100, required=False)
    pronouns = forms.CharField(label=_("Pronouns"), max_length=40, required=False)
    date_of_birth = _date_field(
        _("Date of birth"),
        required=False,
        help_text=_("Needed before the referral can be accepted."),
    )
    email = forms.EmailField(label=_("Email"), max_length=254, required=False)
    phone = forms.CharField(
        label=_("Telephone"),
        max_length=40,
        required=False,
        validators=[validate_phone],
        widget=forms.TextInput(attrs={"type": "tel"}),
    )
    reason = forms.CharField(
        label=_("Reason for referral"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Stored encrypted."),
    )
    availability = forms.CharField(
        label=_("Availability"),
        max_length=AVAILABILITY_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("When the person could attend sessions, if known."),
    )
    contact_by_email = forms.BooleanField(label=_("May be contacted by email"), required=False)
    contact_by_phone = forms.BooleanField(label=_("May be telephoned"), required=False)
    voicemail_ok = forms.BooleanField(label=_("Messages may be left on voicemail"), required=False)
    consent_to_contact = forms.BooleanField(
        label=_("The person agreed to be contacted by the practice"), required=False
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"received_on": timezone.localdate()})
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("contact_by_email")
            and not cleaned.get("email")
            and "email" not in self.errors
        ):
            self.add_error("email", EMAIL_NEEDS_ADDRESS)
        wants_phone = cleaned.get("contact_by_phone") or cleaned.get("voicemail_ok")
        if wants_phone and not cleaned.get("phone") and "phone" not in self.errors:
            self.add_error("phone", PHONE_NEEDS_NUMBER)
        return cleaned

    def referral_data(self) -> dict:
        """The cleaned input as `create_referral` takes it."""
        data = {
            field: value for field, value in self.cleaned_data.items() if field != "received_on"
        }
        data["source"] = Referral.Source.PROFESSIONAL
        data["received_at"] = _received_at(self.cleaned_data["received_on"])
        return data


def _received_at(day: datetime.date) -> datetime.datetime:
    """Today's referral is stamped now; an earlier one at the start of that day, local time."""
    if day == timezone.localdate():
        return timezone.now()
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for declining"),
        max_length=DECLINE_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "One or two factual lines, for example 'Under 18: referred on to the young "
            "people's service'. Not stored encrypted: no clinical detail."
        ),
        error_messages={"required": _("Give the reason for declining.")},
    )


class AcceptForm(forms.Form):
    therapist = forms.ModelChoiceField(
        label=_("Assign to"),
        queryset=Membership.objects.none(),
        to_field_name="public_id",
        empty_label=_("Choose a therapist"),
        error_messages={"required": _("Choose the therapist who will see this client.")},
    )

    def __init__(self, *args, referral: Referral, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["therapist"]
        field.queryset = active_clinicians(referral.practice)
        field.label_from_instance = lambda m: f"{m.user.full_name} ({m.get_role_display()})"
        if referral.date_of_birth is None:
            self.fields["date_of_birth"] = _date_field(
                _("Date of birth"),
                required=True,
                help_text=_("The referral does not give it, and a client record needs it."),
            )
            self.fields["date_of_birth"].error_messages["required"] = DATE_OF_BIRTH_NEEDED

    def client_data(self) -> dict:
        """Details the client record takes from this form rather than from the referral."""
        if self.cleaned_data.get("date_of_birth"):
            return {"date_of_birth": self.cleaned_data["date_of_birth"]}
        return {}
