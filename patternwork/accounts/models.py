import uuid
import zoneinfo

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patternwork.core.models import BaseModel

DEFAULT_TIME_ZONE = "Europe/London"
DEFAULT_CRISIS_INFORMATION = (
    "If you are in immediate danger or might act on thoughts of harming yourself, call 999 "
    "or go to A&E now.\n"
    "For urgent help that is not an emergency, call NHS 111.\n"
    "Samaritans are there day and night on 116 123 (free)."
)


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
    is_demo = models.BooleanField(default=False, editable=False)
    next_client_number = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["name"]

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
