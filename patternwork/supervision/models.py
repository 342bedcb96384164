"""Supervision: sessions and their agreed actions, co-signing of notes, DIT session ratings,
session recordings and the consent to record."""

from __future__ import annotations

from django.core.files.storage import Storage, storages
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.deconstruct import deconstructible
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


# Session recordings -----------------------------------------------------------------

RECORDINGS_STORAGE = "recordings"


@deconstructible(path="patternwork.supervision.models.RecordingStorage")
class RecordingStorage(Storage):
    """The `recordings` alias of STORAGES, looked up on each use.

    A FileField resolves its storage once, at import; going through the alias each time
    lets settings (and a test's settings) choose the backend. Only sealed bytes
    (core/stream_crypto.py) are ever written through it.
    """

    def _target(self) -> Storage:
        return storages[RECORDINGS_STORAGE]

    def open(self, name, mode="rb"):
        return self._target().open(name, mode)

    def save(self, name, content, max_length=None):
        return self._target().save(name, content, max_length=max_length)

    def delete(self, name):
        return self._target().delete(name)

    def exists(self, name):
        return self._target().exists(name)

    def size(self, name):
        return self._target().size(name)

    def path(self, name):
        return self._target().path(name)

    def url(self, name):
        raise NotImplementedError("Recordings are only served decrypted, by the playback view.")

    def listdir(self, path):
        return self._target().listdir(path)

    def generate_filename(self, filename):
        return self._target().generate_filename(filename)

    def get_available_name(self, name, max_length=None):
        return self._target().get_available_name(name, max_length=max_length)


class RecordingConsent(BaseModel):
    """The client's consent to sessions of a course being recorded, and its withdrawal.

    One row per consent given; revoking it stamps `revoked_at` (the row stays, as the
    record of when consent held). A course has at most one consent not revoked.
    """

    class Method(models.TextChoices):
        VERBAL = "verbal", _("verbally, in a session")
        WRITTEN = "written", _("on a signed written form")
        PORTAL = "portal", _("in the client portal")

    practice = models.ForeignKey("accounts.Practice", on_delete=models.PROTECT, related_name="+")
    course = models.ForeignKey(
        "treatment.Course", on_delete=models.PROTECT, related_name="recording_consents"
    )
    method = models.CharField(_("how consent was given"), max_length=20, choices=Method.choices)
    given_on = models.DateField(_("date consent was given"))
    recorded_by = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    access_scope = Scope(
        therapist="course__therapist_id",
        client="course__client",
        clinical=False,
        kind="recording consent",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["course"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_current_recording_consent",
            )
        ]

    def __str__(self) -> str:
        return f"Recording consent for course {self.course_id}"


def recording_storage() -> Storage:
    return RecordingStorage()


class SessionRecording(BaseModel):
    """An audio recording of an attended session, sealed at rest (core/stream_crypto.py).

    `size` is the audio's own size; the stored file is a little larger. Deleting a
    recording deletes its row and its file (supervision/recordings.py).
    """

    practice = models.ForeignKey("accounts.Practice", on_delete=models.PROTECT, related_name="+")
    appointment = models.ForeignKey(
        "treatment.Appointment", on_delete=models.PROTECT, related_name="recordings"
    )
    course = models.ForeignKey(
        "treatment.Course", on_delete=models.PROTECT, related_name="recordings"
    )
    therapist = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, related_name="+"
    )
    sealed = models.FileField(storage=recording_storage, max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveBigIntegerField()

    access_scope = Scope(
        therapist="course__therapist_id",
        client="course__client",
        clinical=True,
        kind="session recording",
    )

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Recording of {self.appointment_id}"
