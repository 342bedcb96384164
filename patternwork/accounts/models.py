import uuid
import zoneinfo

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.plugins.otp_totp import models as otp_totp
from django_otp.util import hex_validator

from patternwork.core.crypto import EncryptedTextField
from patternwork.core.models import BaseModel

DEFAULT_TIME_ZONE = "Europe/London"
DEFAULT_CRISIS_INFORMATION = (
    "If you are in immediate danger or might act on thoughts of harming yourself, call 999 "
    "or go to A&E now.\n"
    "For urgent help that is not an emergency, call NHS 111.\n"
    "Samaritans are there day and night on 116 123 (free)."
)

# The idle timeout a practice may choose, and the default (the reliability target).
IDLE_TIMEOUT_RANGE = (5, 60)
DEFAULT_IDLE_TIMEOUT_MINUTES = 15


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=normalise_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user


def normalise_email(email: str) -> str:
    return email.strip().lower()


class User(AbstractBaseUser):
    """A person who logs in: staff (through a Membership) or, later, a client."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # The person who runs this Patternwork instance: reads the instance audit page
    # (events of no practice). Granted from a shell only: `manage.py set_operator`.
    is_operator = models.BooleanField(default=False, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = normalise_email(self.email)


class Practice(BaseModel):
    """The tenant: every record belongs to exactly one practice."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name for web addresses"), max_length=60, unique=True)
    address = models.TextField(_("postal address"), blank=True)
    phone = models.CharField(_("telephone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default=DEFAULT_TIME_ZONE, validators=[validate_time_zone]
    )
    crisis_information = models.TextField(
        _("crisis information shown to clients"), default=DEFAULT_CRISIS_INFORMATION
    )
    admins_read_clinical = models.BooleanField(
        _("admins may read clinical records"),
        default=False,
        help_text=_("Every such read is audited."),
    )
    clinicians_triage_referrals = models.BooleanField(
        _("therapists and supervisors triage referrals"),
        default=False,
        help_text=_(
            "When off, only admins see referrals that nobody has accepted yet. Once "
            "accepted, a referral is seen by those who may see the client."
        ),
    )
    # The public page (/p/<slug>/): only these fields, the name, the contact details and
    # the crisis information are shown to people outside the practice.
    taking_referrals = models.BooleanField(
        _("taking referrals"),
        default=True,
        help_text=_(
            "When off, the public page says the practice is not taking referrals and the "
            "self-referral form is closed."
        ),
    )
    public_description = models.TextField(
        _("about the practice, for the public page"),
        blank=True,
        max_length=2000,
        validators=[MaxLengthValidator(2000)],
        help_text=_("A few sentences for people looking for a therapist. Shown to anyone."),
    )
    fees = models.TextField(
        _("fees, for the public page"),
        blank=True,
        max_length=1000,
        validators=[MaxLengthValidator(1000)],
        help_text=_("Leave empty to show no fees, for example where therapy is free."),
    )
    send_appointment_reminders = models.BooleanField(
        _("email clients a reminder before each appointment"), default=True
    )
    reminder_lead_hours = models.PositiveSmallIntegerField(
        _("hours before the appointment"),
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(7 * 24)],
        help_text=_(
            "Whole days keep the wall-clock time: 24 hours before 10:00 is 10:00 the day "
            "before, also when the clocks change."
        ),
    )
    # How long a waiting client has to answer an offer of a start before it lapses
    # (treatment.plan.respond_by also keeps a day's notice before the first session).
    offer_window_days = models.PositiveSmallIntegerField(
        _("days a client has to answer an offer of a start"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text=_(
            "An offer not answered in this many days lapses, and the client stays on the "
            "waiting list. From 1 to 28 days."
        ),
    )
    # A session left idle this long ends: staff and the practice's clients alike.
    idle_timeout_minutes = models.PositiveSmallIntegerField(
        _("log out after this many idle minutes"),
        default=DEFAULT_IDLE_TIMEOUT_MINUTES,
        validators=[
            MinValueValidator(IDLE_TIMEOUT_RANGE[0]),
            MaxValueValidator(IDLE_TIMEOUT_RANGE[1]),
        ],
        help_text=_("Between 5 and 60 minutes. A short timeout protects a screen left unlocked."),
    )
    # Session recordings are working material for supervision, not part of the record:
    # kept only as long as supervision needs them, then deleted by the nightly job.
    recording_retention_days = models.PositiveSmallIntegerField(
        _("delete session recordings after this many days"),
        default=90,
        db_default=90,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_("The task worker deletes each recording this many days after its upload."),
    )
    # Records Management Code of Practice 2021 (NHS England), retention schedule, mental
    # health records: 20 years after the last contact, or 10 years after death if sooner.
    retention_years_after_contact = models.PositiveSmallIntegerField(
        _("keep records for this many years after the last contact"),
        default=20,
        db_default=20,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    retention_years_after_death = models.PositiveSmallIntegerField(
        _("or this many years after the client's death, if sooner"),
        default=10,
        db_default=10,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    # Admins can change every setting and read the audit log: a practice may hold their
    # logins to a phishing-resistant second factor (accounts/passkeys.py enforces it).
    require_admin_passkeys = models.BooleanField(
        _("admins must log in with a passkey"),
        default=False,
        db_default=False,
        help_text=_(
            "When on, an admin's second step is a passkey (a security key, or the phone or "
            "computer's own lock), never a code from an app. An admin without a passkey is "
            "asked to add one right after their password and code."
        ),
    )
    is_demo = models.BooleanField(default=False, editable=False)
    next_client_number = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(offer_window_days__gte=1, offer_window_days__lte=28),
                name="practice_offer_window_1_to_28_days",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    idle_timeout_minutes__gte=IDLE_TIMEOUT_RANGE[0],
                    idle_timeout_minutes__lte=IDLE_TIMEOUT_RANGE[1],
                ),
                name="practice_idle_timeout_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(BaseModel):
    """A user's role in a practice."""

    class Role(models.TextChoices):
        THERAPIST = "therapist", _("Therapist")
        SUPERVISOR = "supervisor", _("Supervisor")
        ADMIN = "admin", _("Service admin")

    # The roles that carry clients: a client is assigned to a therapist or a supervisor.
    CLINICIAN_ROLES = (Role.THERAPIST, Role.SUPERVISOR)

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)
    supervisees = models.ManyToManyField(
        "self", symmetrical=False, related_name="supervisors", blank=True
    )
    # The clinician's public profile, written by the clinician (`update_profile`). It is
    # shown on the practice's public page only while `accepts_referrals` is on, which is
    # off until they choose it: nobody's name is published without their say.
    accepts_referrals = models.BooleanField(
        _("show me on the practice's public page as accepting referrals"), default=False
    )
    display_name = models.CharField(
        _("name on the public page"),
        max_length=200,
        blank=True,
        help_text=_("Leave empty to use your full name."),
    )
    registration = models.CharField(
        _("professional registration"),
        max_length=200,
        blank=True,
        help_text=_("For example: BACP registered member, or HCPC practitioner psychologist."),
    )
    modalities = models.CharField(
        _("therapies you offer"),
        max_length=300,
        blank=True,
        help_text=_("For example: Dynamic Interpersonal Therapy, CBT, counselling."),
    )
    dit_accredited = models.BooleanField(_("accredited DIT practitioner"), default=False)
    languages = models.CharField(_("languages you work in"), max_length=200, blank=True)
    sees_in_person = models.BooleanField(_("sees clients in person"), default=False)
    sees_online = models.BooleanField(_("sees clients online"), default=False)
    profile_text = models.TextField(
        _("a short text about you"),
        max_length=1000,
        blank=True,
        validators=[MaxLengthValidator(1000)],
        help_text=_("A few sentences in your own words. Anyone can read it: no client details."),
    )

    class Meta:
        ordering = ["user__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "practice"], name="one_membership_per_practice"
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=["therapist", "supervisor", "admin"]),
                name="membership_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.practice})"

    @property
    def public_name(self) -> str:
        return self.display_name or self.user.full_name

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN

    @property
    def is_supervisor(self) -> bool:
        return self.role == self.Role.SUPERVISOR

    @property
    def is_therapist(self) -> bool:
        return self.role == self.Role.THERAPIST


class ClosureDay(models.Model):
    """A day the practice is closed (bank holiday...): no appointments are generated on it."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="closure_days")
    date = models.DateField(_("date"))
    label = models.CharField(_("what it is"), max_length=100)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "date"], name="one_closure_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.label}"


class LoginFailure(models.Model):
    """A failed password attempt, kept for the sliding-window throttle only."""

    username = models.CharField(max_length=254, db_index=True)
    address = models.GenericIPAddressField(null=True, db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.username} from {self.address} at {self.at:%Y-%m-%d %H:%M:%S}"


class ApiToken(BaseModel):
    """A personal API token. It acts as its owner's membership (role and practice scope)
    and never more; a read token may only read.

    Only a hash of the secret is stored; `prefix` is the public part of the token that
    finds the row, so the secret is compared against one hash and never searched for.
    """

    class Scope(models.TextChoices):
        READ = "read", _("Read only")
        WRITE = "write", _("Read and write")

    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices, default=Scope.READ)
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    token_hash = models.CharField(max_length=64, editable=False)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    use_audited_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scope__in=["read", "write"]), name="api_token_scope_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="api_token_expires_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return f"API token {self.prefix} ({self.name})"

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.WRITE

    def is_live(self, now) -> bool:
        return self.revoked_at is None and self.expires_at > now


class IdempotentRequest(models.Model):
    """The first successful answer to a POST sent with an Idempotency-Key.

    A retry with the same key and the same request gets this answer again instead of
    writing twice. `owner` is the token (or, for the browser docs, the user) that sent
    it, so one caller's keys never collide with another's. The body may hold clinical
    content, so it is encrypted like notes are.
    """

    owner = models.CharField(max_length=48)
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    headers = models.JSONField(default=dict)
    body = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="one_answer_per_idempotency_key")
        ]

    def __str__(self) -> str:
        return f"{self.owner} {self.key}"


class ApiRequestCount(models.Model):
    """Requests of one caller in one fixed window, for the API rate limit.

    Kept in the database, like failed logins, so every app process counts the same.
    """

    owner = models.CharField(max_length=48)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "window_start"], name="one_count_per_window")
        ]
        indexes = [models.Index(fields=["window_start"], name="api_count_window")]

    def __str__(self) -> str:
        return f"{self.owner} at {self.window_start:%Y-%m-%d %H:%M}: {self.count}"


def validate_totp_key(value: str) -> None:
    hex_validator()(value)


class TOTPDevice(TimestampMixin, ThrottlingMixin, Device):
    """A staff member's (or client's) authenticator app: django-otp's TOTP device with its
    secret encrypted at rest with the product key (core.crypto), rotated with the other
    encrypted columns. django-otp's own table stays installed, empty, only so that the
    migration that moved its rows here can be reversed.

    The TOTP logic (codes, drift, the last time step used, throttling, the setup URL) is
    django-otp's own, borrowed from its TOTPDevice rather than copied: none of it refers to
    its class, only to these same fields.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="authenticator_apps")
    # A hex-encoded secret of up to 40 bytes, as in django-otp, but stored encrypted.
    key = EncryptedTextField(validators=[validate_totp_key], default=otp_totp.default_key)
    step = models.PositiveSmallIntegerField(default=30)
    t0 = models.BigIntegerField(default=0)
    digits = models.PositiveSmallIntegerField(choices=[(6, 6), (8, 8)], default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(default=-1)

    bin_key = otp_totp.TOTPDevice.bin_key
    verify_token = otp_totp.TOTPDevice.verify_token
    get_throttle_factor = otp_totp.TOTPDevice.get_throttle_factor
    config_url = otp_totp.TOTPDevice.config_url
    _read_str_from_settings = otp_totp.TOTPDevice._read_str_from_settings

    class Meta(Device.Meta):
        verbose_name = "TOTP device"


class Passkey(TimestampMixin, Device):
    """A WebAuthn credential (a passkey) that a staff member logs in with as the second step.

    A django-otp device, so a session verified with it is verified like one verified with
    a code (`user.is_verified()`, `user.otp_device`). Only the public key is kept; the
    private key never leaves the authenticator.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="passkeys")
    # base64url of the credential id the authenticator chose (at most 1,023 bytes).
    credential_id = models.CharField(max_length=1400, unique=True, editable=False)
    public_key = models.BinaryField(editable=False)
    # The authenticator's signature counter: a response whose counter does not move on
    # (when either is above 0) is refused, as a sign of a cloned authenticator.
    sign_count = models.PositiveBigIntegerField(default=0, editable=False)
    transports = models.JSONField(default=list, blank=True, editable=False)
    backed_up = models.BooleanField(default=False, editable=False)

    class Meta(Device.Meta):
        ordering = ["created_at", "id"]
