from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from patternwork.accounts.access import Scope
from patternwork.core.crypto import EncryptedTextField
from patternwork.core.models import BaseModel


class Response(BaseModel):
    """One administration of a questionnaire (PHQ-9, GAD-7, WSAS...).

    The total, band and caseness are derived by the pure scorer and written only by the
    measures service. A draft (portal, half-finished) is never scored.
    """

    class Source(models.TextChoices):
        CLINIC = "clinic", _("Recorded by the therapist")
        PORTAL = "portal", _("Completed by the client")
        API = "api", _("Sent by another system")
        IMPORT = "import", _("Imported")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        COMPLETE = "complete", _("Complete")

    practice = models.ForeignKey(
        "accounts.Practice", on_delete=models.PROTECT, related_name="responses"
    )
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="responses")
    course = models.ForeignKey(
        "treatment.Course", on_delete=models.PROTECT, related_name="responses"
    )
    appointment = models.ForeignKey(
        "treatment.Appointment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="responses",
    )
    instrument = models.CharField(max_length=20)
    instrument_version = models.PositiveSmallIntegerField()
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.CLINIC)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.COMPLETE)
    completed_at = models.DateTimeField(null=True, blank=True)
    answers = models.JSONField(default=dict)
    total = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    max_total = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    band = models.CharField(max_length=100, blank=True, editable=False)
    caseness = models.BooleanField(null=True, blank=True, editable=False)
    entered_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    access_scope = Scope(
        therapist="course__therapist_id", client="client", clinical=True, kind="questionnaire"
    )

    class Meta:
        ordering = ["completed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "instrument"],
                condition=models.Q(appointment__isnull=False),
                name="one_response_per_instrument_per_appointment",
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft")
                | models.Q(total__isnull=False, completed_at__isnull=False),
                name="complete_response_is_scored",
            ),
        ]
        indexes = [
            models.Index(fields=["course", "instrument", "status"], name="response_course_measure"),
            models.Index(fields=["client", "instrument"], name="response_client_measure"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} {self.total if self.total is not None else '(draft)'}"


class ResponseRevision(models.Model):
    """The answers a response had before an edit: editing keeps its history."""

    response = models.ForeignKey(Response, on_delete=models.PROTECT, related_name="revisions")
    version = models.PositiveIntegerField()
    answers = models.JSONField()
    total = models.PositiveSmallIntegerField(null=True)
    changed_by = models.ForeignKey(
        "accounts.Membership", null=True, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["response", "version"]
        constraints = [
            models.UniqueConstraint(fields=["response", "version"], name="one_revision_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.response} version {self.version}"


class RiskFlagQuerySet(models.QuerySet):
    def open(self) -> RiskFlagQuerySet:
        """Flags no clinician has acknowledged yet: the one definition of an open flag.

        Lower apps reach it through the reverse relations (``course.risk_flags.open()``,
        ``client.risk_flags.open()``) without importing this app.
        """
        return self.filter(acknowledged_at__isnull=True)


class RiskFlag(BaseModel):
    """A risk answer (PHQ-9 item 9 above 0) waiting for a clinician's acknowledgement.

    Raised in the same transaction as the response; never hidden by a low total, never
    turned into a risk level, and kept when the response is later edited.
    """

    practice = models.ForeignKey(
        "accounts.Practice", on_delete=models.PROTECT, related_name="risk_flags"
    )
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="risk_flags"
    )
    course = models.ForeignKey(
        "treatment.Course", on_delete=models.PROTECT, related_name="risk_flags"
    )
    response = models.ForeignKey(Response, on_delete=models.PROTECT, related_name="risk_flags")
    instrument = models.CharField(max_length=20)
    item = models.CharField(max_length=20)
    item_text = models.CharField(max_length=300)
    value = models.PositiveSmallIntegerField()
    value_label = models.CharField(max_length=100)
    raised_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action_note = EncryptedTextField(_("action taken"), blank=True)

    objects = RiskFlagQuerySet.as_manager()

    access_scope = Scope(
        therapist="course__therapist_id", client="client", clinical=True, kind="risk answer"
    )

    class Meta:
        ordering = ["-raised_at", "-id"]
        indexes = [
            models.Index(fields=["practice", "acknowledged_at"], name="riskflag_open"),
            models.Index(fields=["client", "raised_at"], name="riskflag_client"),
        ]
        constraints = [
            models.CheckConstraint(
                # The action note is encrypted, so the service checks it is written.
                condition=models.Q(acknowledged_at__isnull=True)
                | models.Q(acknowledged_by__isnull=False),
                name="acknowledged_flag_has_who_and_action",
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument} item {self.item} = {self.value}"

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None


class OutcomeSummary(models.Model):
    """Per-course first and last scores and activity, kept current by the measures service.

    Written in the same transaction as every score, attendance or course-state change,
    so service reports aggregate one row per course instead of millions of scores.
    `manage.py rebuild_outcome_summaries` recomputes every row from the raw data.
    """

    course = models.OneToOneField(
        "treatment.Course", on_delete=models.CASCADE, related_name="outcome_summary"
    )
    practice = models.ForeignKey("accounts.Practice", on_delete=models.CASCADE, related_name="+")
    therapist = models.ForeignKey("accounts.Membership", on_delete=models.CASCADE, related_name="+")
    referral_received_on = models.DateField(null=True)
    started_on = models.DateField(null=True)
    first_session_on = models.DateField(null=True)
    ended_on = models.DateField(null=True)
    ended = models.BooleanField(default=False)
    attended = models.PositiveSmallIntegerField(default=0)
    did_not_attend = models.PositiveSmallIntegerField(default=0)
    phq9_first = models.PositiveSmallIntegerField(null=True)
    phq9_last = models.PositiveSmallIntegerField(null=True)
    phq9_count = models.PositiveSmallIntegerField(default=0)
    gad7_first = models.PositiveSmallIntegerField(null=True)
    gad7_last = models.PositiveSmallIntegerField(null=True)
    gad7_count = models.PositiveSmallIntegerField(default=0)
    # Codes of `treatment.plan.DateProblem`, comma-separated; '' when the dates are sound.
    # A course with any is left out of the wait figures and listed for correction.
    date_problems = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        indexes = [
            models.Index(fields=["practice", "ended_on"], name="outcome_practice_end"),
            models.Index(fields=["therapist", "ended_on"], name="outcome_therapist_end"),
            # Few rows break the date rules; the report lists them without a full scan.
            models.Index(
                fields=["practice", "therapist"],
                condition=~models.Q(date_problems=""),
                name="outcome_date_problems",
            ),
        ]

    def __str__(self) -> str:
        return f"Outcome summary of {self.course_id}"


class ChangeCurve(models.Model):
    """The expected PHQ-9 change curve a practice uses for one starting severity band.

    Written nightly (and by `manage.py refresh_change_curves`) by `measures.tracking`:
    from the practice's own finished courses when enough started in the band, else from
    the whole instance's (`basis` says which). No row means too few courses anywhere, and
    the fallback rule judges that band. `points` holds [session, courses, low, median,
    high] per session number, changes from the first score (`measures.expected_change`).
    """

    class Basis(models.TextChoices):
        PRACTICE = "practice", _("this practice's finished courses")
        INSTANCE = "instance", _("all practices' finished courses on this installation")

    practice = models.ForeignKey(
        "accounts.Practice", on_delete=models.CASCADE, related_name="change_curves"
    )
    band = models.CharField(max_length=40)
    basis = models.CharField(max_length=10, choices=Basis.choices)
    courses = models.PositiveIntegerField()
    points = models.JSONField(default=list)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["practice", "band"], name="one_curve_per_band")
        ]

    def __str__(self) -> str:
        return f"PHQ-9 change curve, {self.band} ({self.basis})"


class TrackFlagQuerySet(models.QuerySet):
    def open(self) -> TrackFlagQuerySet:
        """Flags neither cleared by an on-track score nor acknowledged: the one definition."""
        return self.filter(cleared_at__isnull=True, acknowledged_at__isnull=True)


class TrackFlag(BaseModel):
    """A client whose latest PHQ-9 lies above the expected range for their session number.

    Raised, moved to the newest score, or cleared by `measures.tracking.assess_course` in the
    same transaction as the score; acknowledged with a note by a clinician. The why is kept
    as it was judged: the score, the first score, the expected range and the curve's basis.
    """

    class Basis(models.TextChoices):
        PRACTICE = "practice", _("this practice's curve")
        INSTANCE = "instance", _("the installation's curve")
        RULE = "rule", _("the fallback rule")

    class Reason(models.TextChoices):
        ABOVE_BAND = "above_band", _("above the range 90% of courses were in")
        DETERIORATION = "deterioration", _("reliable deterioration since the first score")
        NO_IMPROVEMENT = "no_improvement", _("no reliable improvement by the midpoint")

    practice = models.ForeignKey(
        "accounts.Practice", on_delete=models.PROTECT, related_name="track_flags"
    )
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="track_flags"
    )
    course = models.ForeignKey(
        "treatment.Course", on_delete=models.PROTECT, related_name="track_flags"
    )
    response = models.ForeignKey(Response, on_delete=models.PROTECT, related_name="track_flags")
    session = models.PositiveSmallIntegerField()
    score = models.PositiveSmallIntegerField()
    first_score = models.PositiveSmallIntegerField()
    expected_low = models.PositiveSmallIntegerField()
    expected_high = models.PositiveSmallIntegerField()
    band = models.CharField(max_length=40)
    basis = models.CharField(max_length=10, choices=Basis.choices)
    curve_courses = models.PositiveIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    raised_at = models.DateTimeField()
    cleared_at = models.DateTimeField(null=True, blank=True)
    cleared_by = models.ForeignKey(
        Response, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = EncryptedTextField(_("note"), blank=True)
    # The supervision session that discussed this flag: its public id, set through
    # `tracking.mark_discussed`. A plain reference rather than a foreign key because the
    # supervision records live in an app above this one.
    discussed_in = models.UUIDField(null=True, blank=True)
    discussed_at = models.DateTimeField(null=True, blank=True)

    objects = TrackFlagQuerySet.as_manager()

    access_scope = Scope(
        therapist="course__therapist_id", client="client", clinical=True, kind="not-on-track flag"
    )

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["course"],
                condition=models.Q(cleared_at__isnull=True, acknowledged_at__isnull=True),
                name="one_open_track_flag_per_course",
            ),
            models.CheckConstraint(
                condition=models.Q(acknowledged_at__isnull=True)
                | models.Q(acknowledged_by__isnull=False),
                name="acknowledged_track_flag_has_who",
            ),
        ]
        indexes = [
            models.Index(
                fields=["practice", "cleared_at", "acknowledged_at"], name="trackflag_open"
            )
        ]

    def __str__(self) -> str:
        return f"Not on track: PHQ-9 {self.score} at session {self.session}"

    @property
    def is_open(self) -> bool:
        return self.cleared_at is None and self.acknowledged_at is None
