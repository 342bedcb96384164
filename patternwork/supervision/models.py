"""Supervision: sessions and their agreed actions, co-signing of notes, DIT session ratings."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from patternwork.accounts.access import Scope
from patternwork.core.crypto import EncryptedTextField
from patternwork.core.models import BaseModel
from patternwork.supervision import rubric as rules


class SupervisionSession(BaseModel):
    """One supervision meeting: a supervisor with one supervisee or a group.

    The notes are the supervisor's: in group supervision they cover other supervisees'
    clients, so supervisees see the date, the clients of theirs discussed and the actions,
    not the notes.
    """

    practice = models.ForeignKey(
        "accounts.Practice", on_delete=models.PROTECT, related_name="supervision_sessions"
    )
    supervisor = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, related_name="supervision_given"
    )
    held_on = models.DateField(_("date"))
    supervisees = models.ManyToManyField("accounts.Membership", related_name="supervision_received")
    clients = models.ManyToManyField(
        "clients.Client", related_name="supervision_sessions", blank=True
    )
    notes = EncryptedTextField(_("notes"), blank=True)

    class Meta:
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"Supervision on {self.held_on:%Y-%m-%d}"


class SupervisionAction(BaseModel):
    """An action agreed in supervision: whose it is, by when, and when it was done."""

    session = models.ForeignKey(
        SupervisionSession, on_delete=models.PROTECT, related_name="actions"
    )
    owner = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, related_name="supervision_actions"
    )
    # The client it is about, if any: shown to the owner only within their own scope.
    client = models.ForeignKey(
        "clients.Client", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text = EncryptedTextField(_("action"))
    due_on = models.DateField(_("due"))
    done_at = models.DateTimeField(null=True, blank=True, editable=False)
    done_by = models.ForeignKey(
        "accounts.Membership",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["owner", "done_at"], name="supervision_action_open")]

    def __str__(self) -> str:
        return f"Action due {self.due_on:%Y-%m-%d}"

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class CosignSetting(BaseModel):
    """Whether a therapist's signed session notes need a supervisor's co-signature.

    Notes signed from `since` on wait for one; turning it off stops the wait.
    """

    practice = models.ForeignKey("accounts.Practice", on_delete=models.PROTECT, related_name="+")
    therapist = models.OneToOneField(
        "accounts.Membership", on_delete=models.PROTECT, related_name="cosign_setting"
    )
    required = models.BooleanField(_("signed notes need a supervisor's co-signature"))
    since = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Co-signing for {self.therapist_id}: {self.required}"


class Cosignature(BaseModel):
    """A supervisor's co-signature of a signed session note."""

    practice = models.ForeignKey("accounts.Practice", on_delete=models.PROTECT, related_name="+")
    note = models.OneToOneField(
        "treatment.SessionNote", on_delete=models.PROTECT, related_name="cosignature"
    )
    supervisor = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField()

    access_scope = Scope(
        therapist="note__course__therapist_id",
        client="note__course__client",
        clinical=True,
        kind="session note",
    )

    def __str__(self) -> str:
        return f"Co-signature of note {self.note_id}"


class Rubric(BaseModel):
    """One version of a practice's session rating form. Editing makes a new version;
    ratings keep the version they were made on."""

    practice = models.ForeignKey("accounts.Practice", on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField()
    title = models.CharField(_("title"), max_length=200)
    source = models.TextField(_("source"), blank=True)
    is_current = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "version"], name="one_rubric_per_version"),
            models.UniqueConstraint(
                fields=["practice"],
                condition=models.Q(is_current=True),
                name="one_current_rubric",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (version {self.version})"


class RubricItem(models.Model):
    rubric = models.ForeignKey(Rubric, on_delete=models.PROTECT, related_name="items")
    position = models.PositiveSmallIntegerField()
    domain = models.CharField(
        _("domain"),
        max_length=30,
        choices=[(d.value, label) for d, label in rules.DOMAIN_LABELS.items()],
    )
    text = models.CharField(_("item"), max_length=300)
    # The phases it is rated in, comma-separated in course order (rubric.encode_phases).
    phases = models.CharField(_("phases"), max_length=30)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["rubric", "position"], name="one_item_per_position")
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def phase_list(self) -> tuple[str, ...]:
        return rules.decode_phases(self.phases)


class SessionRating(BaseModel):
    """A supervisor's rating of one attended session on the items of its phase."""

    practice = models.ForeignKey("accounts.Practice", on_delete=models.PROTECT, related_name="+")
    appointment = models.OneToOneField(
        "treatment.Appointment", on_delete=models.PROTECT, related_name="rating"
    )
    course = models.ForeignKey(
        "treatment.Course", on_delete=models.PROTECT, related_name="session_ratings"
    )
    therapist = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, related_name="ratings_received"
    )
    rater = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+")
    rubric = models.ForeignKey(Rubric, on_delete=models.PROTECT, related_name="ratings")
    phase = models.CharField(max_length=20)
    comment = EncryptedTextField(_("comment for the therapist"), blank=True)

    access_scope = Scope(
        therapist="course__therapist_id",
        client="course__client",
        clinical=True,
        kind="session rating",
    )

    class Meta:
        ordering = ["appointment__starts_at", "id"]

    def __str__(self) -> str:
        return f"Rating of {self.appointment_id}"


class ItemRating(models.Model):
    rating = models.ForeignKey(SessionRating, on_delete=models.CASCADE, related_name="items")
    item = models.ForeignKey(RubricItem, on_delete=models.PROTECT, related_name="+")
    frequency = models.PositiveSmallIntegerField(_("adherence"), validators=[MaxValueValidator(3)])
    competence = models.PositiveSmallIntegerField(
        _("competence"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(6)],
    )

    class Meta:
        ordering = ["item__position"]
        constraints = [
            models.UniqueConstraint(fields=["rating", "item"], name="one_score_per_item"),
            models.CheckConstraint(
                condition=models.Q(frequency__lte=3), name="item_rating_frequency_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(competence__isnull=True)
                | models.Q(competence__lte=6, frequency__gt=0),
                name="item_rating_competence_only_when_present",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.frequency}/{self.competence}"

    @property
    def present(self) -> bool:
        return self.frequency > 0
