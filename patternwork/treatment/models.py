from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from patternwork.accounts.access import Scope
from patternwork.core.crypto import EncryptedTextField
from patternwork.core.models import BaseModel
from patternwork.treatment import plan


class Course(BaseModel):
    """One course of DIT for one client: its plan, its state and its appointments."""

    class State(models.TextChoices):
        REFERRED = "referred", _("Referred")
        ASSESSMENT = "assessment", _("Assessment")
        ACTIVE = "active", _("Active")
        ENDED = "ended", _("Ended")

    class EndReason(models.TextChoices):
        COMPLETED = "completed", _("Completed")
        DROPPED_OUT = "dropped_out", _("Dropped out")
        TRANSFERRED = "transferred", _("Transferred")
        DECLINED = "declined", _("Declined treatment")

    class Cadence(models.TextChoices):
        WEEKLY = plan.Cadence.WEEKLY.value, _("Weekly")
        FORTNIGHTLY = plan.Cadence.FORTNIGHTLY.value, _("Fortnightly")

    practice = models.ForeignKey(
        "accounts.Practice", on_delete=models.PROTECT, related_name="courses"
    )
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="courses")
    therapist = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, related_name="courses"
    )
    referral = models.ForeignKey(
        "clients.Referral", null=True, blank=True, on_delete=models.PROTECT, related_name="courses"
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.REFERRED)
    planned_sessions = models.PositiveSmallIntegerField(
        _("planned sessions"), default=plan.DEFAULT_SESSIONS
    )
    cadence = models.CharField(
        _("cadence"), max_length=20, choices=Cadence.choices, default=Cadence.WEEKLY
    )
    session_minutes = models.PositiveSmallIntegerField(
        _("session length (minutes)"), default=plan.DEFAULT_SESSION_MINUTES
    )
    start_date = models.DateField(_("first session"), null=True, blank=True)
    start_time = models.TimeField(_("session time"), null=True, blank=True)
    letter_share_session = models.PositiveSmallIntegerField(
        _("goodbye letter shared in session"),
        null=True,
        blank=True,
        help_text=_("Empty: the penultimate planned session."),
    )
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(
        _("end reason"), max_length=20, choices=EndReason.choices, blank=True
    )
    end_note = EncryptedTextField(_("note on the ending"), blank=True)
    # Ending with unacknowledged risk flags needs a reason; the count is kept beside it
    # because the encrypted reason cannot be queried for the supervisor's oversight page.
    end_override_flags = models.PositiveSmallIntegerField(default=0, editable=False)
    end_override_reason = EncryptedTextField(
        _("reason for ending with risk flags open"), blank=True, editable=False
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    access_scope = Scope(therapist="therapist_id", client="client", clinical=False, kind="course")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    planned_sessions__gte=plan.MIN_SESSIONS,
                    planned_sessions__lte=plan.MAX_SESSIONS,
                ),
                name="course_planned_sessions_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    session_minutes__gte=plan.MIN_SESSION_MINUTES,
                    session_minutes__lte=plan.MAX_SESSION_MINUTES,
                ),
                name="course_session_minutes_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=["referred", "assessment", "active", "ended"]),
                name="course_state_valid",
            ),
            models.CheckConstraint(
                condition=(models.Q(state="ended") & ~models.Q(end_reason=""))
                | (~models.Q(state="ended") & models.Q(end_reason="")),
                name="course_ended_iff_reason",
            ),
            models.UniqueConstraint(
                fields=["client"],
                condition=~models.Q(state="ended"),
                name="one_open_course_per_client",
            ),
            models.CheckConstraint(
                condition=models.Q(end_override_flags=0) | models.Q(state="ended"),
                name="course_override_only_when_ended",
            ),
        ]
        indexes = [models.Index(fields=["practice", "therapist", "state"], name="course_caseload")]

    def __str__(self) -> str:
        return f"Course {self.public_id} ({self.get_state_display()})"

    @property
    def share_session(self) -> int:
        """The session in which the goodbye letter is shared."""
        return plan.letter_share_session(self.planned_sessions, self.letter_share_session)

    @property
    def is_open(self) -> bool:
        return self.state != self.State.ENDED


def attended_treatment(prefix: str = "") -> models.Q:
    """The appointments that count towards n: attended treatment sessions.

    `prefix` reaches them through a relation ("appointments__" from a course).
    """
    return models.Q(**{f"{prefix}status": "attended", f"{prefix}kind": "treatment"})


class AppointmentQuerySet(models.QuerySet):
    def attended_treatment(self) -> AppointmentQuerySet:
        return self.filter(attended_treatment())


class Appointment(BaseModel):
    """One appointment of a course. Only attended treatment appointments count towards n."""

    class Kind(models.TextChoices):
        ASSESSMENT = "assessment", _("Assessment")
        TREATMENT = "treatment", _("Treatment session")

    class Status(models.TextChoices):
        BOOKED = plan.AppointmentStatus.BOOKED.value, _("Booked")
        ATTENDED = plan.AppointmentStatus.ATTENDED.value, _("Attended")
        CANCELLED_CLIENT = plan.AppointmentStatus.CANCELLED_CLIENT.value, _("Cancelled by client")
        CANCELLED_THERAPIST = (
            plan.AppointmentStatus.CANCELLED_THERAPIST.value,
            _("Cancelled by therapist"),
        )
        DNA = plan.AppointmentStatus.DNA.value, _("Did not attend")

    practice = models.ForeignKey(
        "accounts.Practice", on_delete=models.PROTECT, related_name="appointments"
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="appointments")
    therapist = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, related_name="appointments"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.TREATMENT)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.BOOKED)
    status_reason = models.TextField(_("reason"), blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    session_number = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    sequence = models.PositiveIntegerField(default=0, editable=False)

    objects = AppointmentQuerySet.as_manager()

    access_scope = Scope(
        therapist="course__therapist_id",
        client="course__client",
        clinical=False,
        kind="appointment",
    )

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="appointment_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status__in=[
                        "booked",
                        "attended",
                        "cancelled_client",
                        "cancelled_therapist",
                        "dna",
                    ]
                ),
                name="appointment_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(session_number__isnull=True)
                | models.Q(status="attended", kind="treatment"),
                name="appointment_number_only_when_attended",
            ),
        ]
        indexes = [
            models.Index(fields=["therapist", "starts_at"], name="appointment_therapist_time"),
            models.Index(fields=["course", "starts_at"], name="appointment_course_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.starts_at:%Y-%m-%d %H:%M} UTC"

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def is_cancelled(self) -> bool:
        return self.status in {self.Status.CANCELLED_CLIENT, self.Status.CANCELLED_THERAPIST}


class SessionNote(BaseModel):
    """The therapist's note of an attended appointment. Signed notes are only amended."""

    practice = models.ForeignKey(
        "accounts.Practice", on_delete=models.PROTECT, related_name="session_notes"
    )
    appointment = models.OneToOneField(Appointment, on_delete=models.PROTECT, related_name="note")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, related_name="notes"
    )
    phase = models.CharField(max_length=20, editable=False)
    prompts = EncryptedTextField(default="{}", editable=False)
    body = EncryptedTextField(_("note"), blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    signed_at = models.DateTimeField(null=True, blank=True, editable=False)
    signed_by = models.ForeignKey(
        "accounts.Membership",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    access_scope = Scope(
        therapist="course__therapist_id",
        client="course__client",
        clinical=True,
        kind="session note",
    )

    class Meta:
        ordering = ["appointment__starts_at"]

    def __str__(self) -> str:
        return f"Note of {self.appointment}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class NoteAmendment(BaseModel):
    """An addition to a signed note. The signed text itself never changes."""

    note = models.ForeignKey(SessionNote, on_delete=models.PROTECT, related_name="amendments")
    author = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+")
    body = EncryptedTextField(_("amendment"))

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Amendment to {self.note}"


class CalendarFeed(BaseModel):
    """A therapist's private iCalendar feed. Only a hash of its secret token is stored."""

    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, related_name="calendar_feeds"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Calendar feed of {self.membership}"
