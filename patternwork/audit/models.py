from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One append-only audit record. Database triggers refuse UPDATE and DELETE.

    Never holds clinical free text: changes name the fields that changed and mask
    sensitive values.
    """

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("Success")
        DENIED = "denied", _("Denied")
        FAILURE = "failure", _("Failure")

    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=True,
    )
    actor_label = models.CharField(max_length=254, blank=True)
    actor_role = models.CharField(max_length=20, blank=True)
    practice = models.ForeignKey(
        "accounts.Practice", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=64, db_index=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.SUCCESS)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    changes = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    # The hash chain (audit/chain.py): the row's number in its practice's chain (or the
    # instance's) and the hash that links it to the row before.
    chain_seq = models.PositiveBigIntegerField(null=True, editable=False)
    chain_hash = models.CharField(max_length=64, blank=True, db_default="", editable=False)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["practice", "-occurred_at"], name="audit_practice_time")]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "chain_seq"],
                condition=models.Q(practice__isnull=False),
                name="audit_practice_chain_seq",
            ),
            models.UniqueConstraint(
                fields=["chain_seq"],
                condition=models.Q(practice__isnull=True),
                name="audit_instance_chain_seq",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.action} {self.object_type} {self.object_id}"

    @property
    def change_items(self) -> list[tuple[str, object]]:
        """The changes as (field, change) pairs. A template's `changes.items` looks up a
        changed field named "items" before it calls dict.items(), and fails on it."""
        return list((self.changes or {}).items())


class AuditChainHead(models.Model):
    """The last link of one chain. Writers lock it, so rows are numbered one at a time."""

    chain = models.CharField(max_length=40, unique=True)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.chain} #{self.seq}"


class AuditAnchor(models.Model):
    """A copy of a chain head taken at a point in time, and written to the log as well.

    A backup restored later is checked against anchors kept outside it (the log); the
    copies here let `verify_audit` check the live chain against its own past heads.
    """

    chain = models.CharField(max_length=40)
    seq = models.PositiveBigIntegerField()
    hash = models.CharField(max_length=64)
    anchored_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["chain", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="audit_anchor_chain_seq")
        ]

    def __str__(self) -> str:
        return f"{self.chain} #{self.seq} {self.hash[:12]}"
