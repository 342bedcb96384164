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
        # The assessment decided to offer something else or to signpost elsewhere: the
        # way in closes here, before any treatment (services.assessment.decide).
        NOT_OFFERED = "not_offered", _("Not offered DIT after assessment")

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


class Occasion(models.TextChoices):
    """When readiness and goals are rated: at assessment, at each phase end, at the last
    session (the Goal-Based Outcomes practice of rating at the start, along the way and at
    the end)."""

    ASSESSMENT = plan.Occasion.ASSESSMENT.value, _("Assessment")
    END_INITIAL = plan.Occasion.END_INITIAL.value, _("End of the initial phase")
    END_MIDDLE = plan.Occasion.END_MIDDLE.value, _("End of the middle phase")
    ENDING = plan.Occasion.ENDING.value, _("Last session")


class Assessment(BaseModel):
    """The record of the assessment before a course: the client's difficulties in their
    words, relationships in brief, a structured risk narrative with a safety plan (never a
    risk score), suitability for DIT and the decision. Clinical text is encrypted."""

    class Suitability(models.TextChoices):
        SUITABLE = "suitable", _("Suitable for DIT")
        UNSURE = "unsure", _("Unsure; discuss in supervision")
        NOT_SUITABLE = "not_suitable", _("Not suitable for DIT")

    class Decision(models.TextChoices):
        OFFER_DIT = "offer_dit", _("Offer DIT")
        OFFER_OTHER = "offer_other", _("Offer something else")
        SIGNPOST = "signpost", _("Signpost elsewhere")

    practice = models.ForeignKey(
        "accounts.Practice", on_delete=models.PROTECT, related_name="assessments"
    )
    course = models.OneToOneField(Course, on_delete=models.PROTECT, related_name="assessment")
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assessor = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, related_name="assessments"
    )
    presenting = EncryptedTextField(_("presenting difficulties, in the client's words"), blank=True)
    # One person a line, "name: what the relationship is like"; copied into the
    # relationship map when a course follows.
    relationships = EncryptedTextField(_("relationships in brief"), blank=True)
    risk_current = EncryptedTextField(_("current thoughts of harm"), blank=True)
    risk_history = EncryptedTextField(_("history"), blank=True)
    risk_protective = EncryptedTextField(_("protective factors"), blank=True)
    safety_plan = EncryptedTextField(_("safety plan"), blank=True)
    safety_contacts = EncryptedTextField(_("who to contact"), blank=True)
    suitability = models.CharField(
        _("suitability for DIT"), max_length=20, choices=Suitability.choices, blank=True
    )
    suitability_reasons = EncryptedTextField(_("reasons"), blank=True)
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices, blank=True)
    decision_note = EncryptedTextField(_("note on the decision"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    access_scope = Scope(
        therapist="course__therapist_id", client="course__client", clinical=True, kind="assessment"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(suitability__in=["", "suitable", "unsure", "not_suitable"]),
                name="assessment_suitability_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(decision__in=["", "offer_dit", "offer_other", "signpost"]),
                name="assessment_decision_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Assessment of {self.course}"


class Readiness(BaseModel):
    """Two 0-10 rulers and the client's hopes, at one occasion of one course."""

    practice = models.ForeignKey("accounts.Practice", on_delete=models.PROTECT, related_name="+")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="readiness")
    occasion = models.CharField(max_length=20, choices=Occasion.choices)
    importance = models.PositiveSmallIntegerField(_("How important is it for you to change this?"))
    confidence = models.PositiveSmallIntegerField(_("How confident are you that you can?"))
    hopes = EncryptedTextField(_("what the client hopes will be different"), blank=True)
    recorded_by = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, related_name="+"
    )

    access_scope = Scope(
        therapist="course__therapist_id", client="course__client", clinical=True, kind="readiness"
    )

    class Meta:
        ordering = ["course", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "occasion"], name="one_readiness_per_occasion"
            ),
            models.CheckConstraint(
                condition=models.Q(importance__lte=10, confidence__lte=10),
                name="readiness_rulers_0_to_10",
            ),
        ]

    def __str__(self) -> str:
        return f"Readiness at {self.occasion}"


class Goal(BaseModel):
    """One of up to three goals in the client's words (Goal-Based Outcomes)."""

    practice = models.ForeignKey("accounts.Practice", on_delete=models.PROTECT, related_name="+")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="goals")
    position = models.PositiveSmallIntegerField()
    text = EncryptedTextField(_("goal"))

    access_scope = Scope(
        therapist="course__therapist_id", client="course__client", clinical=True, kind="goals"
    )

    class Meta:
        ordering = ["course", "position"]
        constraints = [
            models.UniqueConstraint(fields=["course", "position"], name="one_goal_per_position"),
            models.CheckConstraint(
                condition=models.Q(position__gte=1, position__lte=plan.MAX_GOALS),
                name="goal_position_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Goal {self.position}"


class GoalRating(BaseModel):
    """How far the client feels they have moved towards a goal, 0-10, at one occasion."""

    goal = models.ForeignKey(Goal, on_delete=models.PROTECT, related_name="ratings")
    occasion = models.CharField(max_length=20, choices=Occasion.choices)
    score = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["goal", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["goal", "occasion"], name="one_rating_per_occasion"),
            models.CheckConstraint(condition=models.Q(score__lte=10), name="goal_rating_0_to_10"),
        ]

    def __str__(self) -> str:
        return f"{self.goal} at {self.occasion}: {self.score}"


class WaitingEntry(BaseModel):
    """A client offered DIT who has no start yet. The list is in referral order, with a
    priority the admin sets and gives a reason for."""

    class Outcome(models.TextChoices):
        STARTED = "started", _("Started")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    practice = models.ForeignKey(
        "accounts.Practice", on_delete=models.PROTECT, related_name="waiting_entries"
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="waiting_entries")
    referred_on = models.DateField(_("referred on"))
    priority = models.BooleanField(_("priority"), default=False)
    # The reason may say why the client cannot wait, which is clinical.
    priority_reason = EncryptedTextField(_("reason for priority"), blank=True)
    left_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)

    access_scope = Scope(
        therapist="course__therapist_id", client="course__client", clinical=False, kind="waiting"
    )

    class Meta:
        ordering = ["-priority", "referred_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["course"],
                condition=models.Q(left_at__isnull=True),
                name="one_open_waiting_entry_per_course",
            ),
        ]
        indexes = [models.Index(fields=["practice", "left_at"], name="waiting_open")]

    def __str__(self) -> str:
        return f"Waiting since {self.referred_on}"


class Offer(BaseModel):
    """A start offered to a waiting client: the first session's time and the therapist.
    Unanswered by `respond_by`, it lapses (plan.offers)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        LAPSED = "lapsed", _("Lapsed")
        # The decision changed to "offer something else" or "signpost elsewhere" while
        # the offer was open.
        WITHDRAWN = "withdrawn", _("Withdrawn")

    practice = models.ForeignKey("accounts.Practice", on_delete=models.PROTECT, related_name="+")
    entry = models.ForeignKey(WaitingEntry, on_delete=models.PROTECT, related_name="offers")
    therapist = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, related_name="offers"
    )
    starts_at = models.DateTimeField(_("first session"))
    respond_by = models.DateTimeField(_("answer by"))
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    answered_at = models.DateTimeField(null=True, blank=True)
    made_by = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+")

    access_scope = Scope(
        therapist="entry__course__therapist_id",
        client="entry__course__client",
        clinical=False,
        kind="offer",
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry"], condition=models.Q(status="open"), name="one_open_offer"
            ),
        ]

    def __str__(self) -> str:
        return f"Offer of {self.starts_at:%Y-%m-%d %H:%M} UTC ({self.status})"
