from django.db import models
from django.utils.translation import gettext_lazy as _

from patternwork.accounts.access import Scope
from patternwork.core.crypto import EncryptedTextField
from patternwork.core.models import BaseModel


class Letter(BaseModel):
    """The therapist's goodbye letter for a course: draft, shared, discussed."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SHARED = "shared", _("Shared with the client")
        DISCUSSED = "discussed", _("Discussed")

    practice = models.ForeignKey("accounts.Practice", on_delete=models.PROTECT, related_name="+")
    course = models.OneToOneField(
        "treatment.Course", on_delete=models.PROTECT, related_name="goodbye_letter"
    )
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="letters")
    author = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    ipaf_version = models.ForeignKey(
        "formulation.IpafVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    shared_at = models.DateTimeField(null=True, blank=True)
    discussed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    access_scope = Scope(
        therapist="course__therapist_id",
        client="course__client",
        clinical=True,
        kind="goodbye letter",
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state="draft") | models.Q(shared_at__isnull=False),
                name="letter_shared_has_time",
            )
        ]

    def __str__(self) -> str:
        return f"Goodbye letter ({self.get_state_display()})"


class LetterVersion(models.Model):
    """Every saved text of a letter; the latest is the letter."""

    letter = models.ForeignKey(Letter, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    body = EncryptedTextField()
    author = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["letter", "number"]
        constraints = [
            models.UniqueConstraint(fields=["letter", "number"], name="letter_version_unique")
        ]

    def __str__(self) -> str:
        return f"Letter version {self.number}"


class DecisionLetter(BaseModel):
    """The letter after an assessment that did not lead to DIT ("offer something else" or
    "signpost elsewhere"), to the client and, if there is one, the referrer. Drafted from
    the assessment record, edited, then shared on the portal or printed."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SHARED = "shared", _("Shared with the client")

    practice = models.ForeignKey("accounts.Practice", on_delete=models.PROTECT, related_name="+")
    course = models.OneToOneField(
        "treatment.Course", on_delete=models.PROTECT, related_name="decision_letter"
    )
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="decision_letters"
    )
    author = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    body = EncryptedTextField(_("letter"))
    shared_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    access_scope = Scope(
        therapist="course__therapist_id",
        client="course__client",
        clinical=True,
        kind="assessment letter",
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state="draft") | models.Q(shared_at__isnull=False),
                name="decision_letter_shared_has_time",
            )
        ]

    def __str__(self) -> str:
        return f"Assessment letter ({self.get_state_display()})"
