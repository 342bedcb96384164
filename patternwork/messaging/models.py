from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from patternwork.core.models import BaseModel


class Message(BaseModel):
    """One email in the outbox: who it is for, what it is about, when it is due, and how it went.

    No body is stored. It is rendered from the kind's template when it is sent, and the
    templates hold no clinical content, nor the client's name in a message to anyone else.
    `key` makes a message unique (kind, the object it is about, its nominal time), so a
    retry, a second worker or a second sync never queues or sends it twice.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Role(models.TextChoices):
        CLIENT = "client", _("Client")
        THERAPIST = "therapist", _("Therapist")
        SUPERVISOR = "supervisor", _("Supervisor")
        ADMIN = "admin", _("Admin")

    practice = models.ForeignKey(
        "accounts.Practice", on_delete=models.PROTECT, related_name="messages"
    )
    kind = models.CharField(_("kind"), max_length=40)
    recipient_role = models.CharField(_("to"), max_length=20, choices=Role.choices)
    recipient_user = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recipient_client = models.ForeignKey(
        "clients.Client", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    about_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    about_id = models.PositiveBigIntegerField(null=True, blank=True)
    # Messages that one sync looks after together (a course's reminders), so the sync
    # also finds those whose object has gone (an appointment removed by a plan change).
    group = models.CharField(max_length=80, blank=True, db_index=True)
    key = models.CharField(max_length=200, unique=True)
    due_at = models.DateTimeField(_("due"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    # When the message was last handed to the task queue; a hand-over that never ran is
    # repeated after a while.
    handed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-due_at"]
        indexes = [
            models.Index(fields=["status", "due_at"], name="message_status_due"),
            models.Index(fields=["practice", "-due_at"], name="message_practice_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(recipient_user__isnull=False)
                | models.Q(recipient_client__isnull=False),
                name="message_has_recipient",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient_role} ({self.status})"


class DailyRun(models.Model):
    """A daily job done for a practice on a local date (the risk-flag digest), done once.

    Only spares the scheduler the work of a second round: the digests' own unique keys
    already keep a second worker from queueing one twice.
    """

    job = models.CharField(max_length=40)
    practice = models.ForeignKey("accounts.Practice", on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    done_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "practice", "date"], name="daily_run_once")
        ]

    def __str__(self) -> str:
        return f"{self.job} {self.date}"
