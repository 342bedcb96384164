from django.db import models
from django.utils.translation import gettext_lazy as _

from patternwork.accounts.access import Scope
from patternwork.clients.validators import validate_phone
from patternwork.core.crypto import EncryptedTextField
from patternwork.core.models import BaseModel


def display_name(full_name: str, preferred_name: str) -> str:
    """How a client is named on the pages: the name they prefer, else their full name."""
    return preferred_name or full_name


class Client(BaseModel):
    """A person receiving (or referred for) therapy at one practice."""

    class DeathSource(models.TextChoices):
        GP = "gp", _("the client's GP or another clinician")
        FAMILY = "family", _("family, next of kin or a friend")
        REGISTRAR = "registrar", _("death certificate or the registrar")
        SPINE = "spine", _("the NHS Spine (PDS) or another national register")
        CORONER = "coroner", _("the coroner")
        OTHER = "other", _("another source")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")

    practice = models.ForeignKey(
        "accounts.Practice", on_delete=models.PROTECT, related_name="clients"
    )
    client_number = models.CharField(_("client number"), max_length=20, editable=False)
    full_name = models.CharField(_("full name"), max_length=200)
    preferred_name = models.CharField(_("preferred name"), max_length=100, blank=True)
    date_of_birth = models.DateField(_("date of birth"))
    # Starts the shorter retention period (Practice.retention_years_after_death).
    died_on = models.DateField(_("date of death"), null=True, blank=True)
    # Who recorded the death, when, and how the practice learned of it: a wrong date
    # shortens the retention period, so where it came from is kept beside it.
    death_source = models.CharField(
        _("how the practice learned of the death"),
        max_length=20,
        choices=DeathSource.choices,
        blank=True,
        default="",
        db_default="",
    )
    death_recorded_by = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    death_recorded_at = models.DateTimeField(null=True, blank=True, editable=False)
    pronouns = models.CharField(_("pronouns"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("telephone"), max_length=40, blank=True, validators=[validate_phone])
    address = models.TextField(_("address"), blank=True)
    gp_name = models.CharField(_("GP name"), max_length=200, blank=True)
    gp_practice = models.CharField(_("GP practice"), max_length=200, blank=True)
    gp_contact = models.TextField(_("GP address and telephone"), blank=True)
    referrer_name = models.CharField(_("referred by"), max_length=200, blank=True)
    referrer_contact = models.TextField(_("referrer's contact details"), blank=True)
    emergency_contact_name = models.CharField(_("emergency contact"), max_length=200, blank=True)
    emergency_contact_relationship = models.CharField(
        _("relationship to client"), max_length=100, blank=True
    )
    emergency_contact_phone = models.CharField(
        _("emergency contact telephone"), max_length=40, blank=True, validators=[validate_phone]
    )
    consent_treatment = models.BooleanField(_("consents to treatment"), default=False)
    consent_treatment_at = models.DateTimeField(null=True, blank=True, editable=False)
    contact_by_email = models.BooleanField(_("may be contacted by email"), default=False)
    contact_by_phone = models.BooleanField(_("may be telephoned"), default=False)
    contact_by_sms = models.BooleanField(_("may be sent text messages"), default=False)
    contact_by_letter = models.BooleanField(_("may be sent letters"), default=False)
    voicemail_ok = models.BooleanField(_("messages may be left on voicemail"), default=False)
    # The client's own choice on the portal; the practice's setting can also switch reminders off.
    appointment_reminders = models.BooleanField(
        _("email me a reminder before each appointment"), default=True
    )
    consent_contact_at = models.DateTimeField(null=True, blank=True, editable=False)
    share_with_referrer = models.BooleanField(
        _("consents to the course summary being sent to the referrer"), default=False
    )
    therapist = models.ForeignKey(
        "accounts.Membership",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="clients",
        verbose_name=_("assigned therapist"),
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    # Closing the record with unacknowledged risk flags needs a reason, as ending a
    # course does; the count makes such closures findable (the reason is encrypted).
    close_override_flags = models.PositiveSmallIntegerField(default=0, editable=False)
    close_override_reason = EncryptedTextField(
        _("reason for closing with risk flags open"), blank=True, editable=False
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    user = models.OneToOneField(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="client_record",
        editable=False,
        help_text=_("The client's portal login, once they accepted an invitation."),
    )
    portal_invited_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The client's id in the system the practice used before, set by the caseload import:
    # importing the same file again finds the record by it instead of adding a second one.
    external_id = models.CharField(
        _("id in the previous system"), max_length=64, blank=True, editable=False
    )

    access_scope = Scope(therapist="therapist_id", client="", clinical=False, kind="client record")

    class Meta:
        ordering = ["full_name", "client_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "client_number"], name="client_number_unique_in_practice"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["active", "closed"]), name="client_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(close_override_flags=0) | models.Q(status="closed"),
                name="client_override_only_when_closed",
            ),
            models.UniqueConstraint(
                fields=["practice", "external_id"],
                condition=~models.Q(external_id=""),
                name="client_external_id_unique_in_practice",
                violation_error_message=_(
                    "Another client of this practice already has this id from the previous system."
                ),
            ),
        ]
        indexes = [models.Index(fields=["practice", "therapist"], name="client_practice_therapist")]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.client_number})"

    @property
    def display_name(self) -> str:
        return display_name(self.full_name, self.preferred_name)


class Referral(BaseModel):
    """Someone asking for therapy: self-referred on the public page or entered by staff."""

    class Source(models.TextChoices):
        SELF = "self", _("Self-referral")
        PROFESSIONAL = "professional", _("Professional referral")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        CONTACTED = "contacted", _("Contacted")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    practice = models.ForeignKey(
        "accounts.Practice", on_delete=models.PROTECT, related_name="referrals"
    )
    source = models.CharField(max_length=20, choices=Source.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    received_at = models.DateTimeField(_("received"))
    full_name = models.CharField(_("full name"), max_length=200)
    preferred_name = models.CharField(_("preferred name"), max_length=100, blank=True)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    pronouns = models.CharField(_("pronouns"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("telephone"), max_length=40, blank=True, validators=[validate_phone])
    reason = EncryptedTextField(_("what they would like help with"))
    availability = models.TextField(_("availability"), blank=True)
    contact_by_email = models.BooleanField(_("may be contacted by email"), default=False)
    contact_by_phone = models.BooleanField(_("may be telephoned"), default=False)
    voicemail_ok = models.BooleanField(_("messages may be left on voicemail"), default=False)
    referrer_name = models.CharField(_("referred by"), max_length=200, blank=True)
    referrer_contact = models.TextField(_("referrer's contact details"), blank=True)
    consent_to_contact = models.BooleanField(default=False)
    consent_to_store = models.BooleanField(default=False)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    contacted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    client = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.PROTECT, related_name="referrals"
    )

    # Seen by those who may see its client once accepted; before that (and when
    # declined) by the practice's triage only.
    access_scope = Scope(
        therapist="client__therapist_id",
        client=None,
        clinical=False,
        kind="referral",
        unassigned="client",
    )

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["practice", "status"], name="referral_practice_status")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="declined") | ~models.Q(decline_reason=""),
                name="referral_declined_has_reason",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="accepted") | models.Q(client__isnull=False),
                name="referral_accepted_has_client",
            ),
        ]

    def __str__(self) -> str:
        return f"Referral of {self.full_name} ({self.get_status_display()})"


class SubmissionAttempt(models.Model):
    """A public form submission, kept for the per-address rate limit only."""

    address = models.GenericIPAddressField(null=True, db_index=True)
    at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.address} at {self.at:%Y-%m-%d %H:%M:%S}"
