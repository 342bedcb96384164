import uuid

from django.db import models


class BaseModel(models.Model):
    """Abstract base: a UUID public identifier for URLs and the API, and timestamps.

    Integer primary keys stay internal; records must not be enumerable from outside.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class EncryptionCanary(models.Model):
    """One row of known plaintext, encrypted with the current key.

    Decrypting it at start-up proves the configured keys match the database, so a
    wrong key stops the app instead of failing on the first clinical read.
    """

    key_id = models.CharField(max_length=16)
    token = models.TextField()

    def __str__(self) -> str:
        return f"encryption canary ({self.key_id})"


class NightlyRun(models.Model):
    """One night's claim on a nightly job (core/nightly.py): at most one per job and day."""

    job = models.CharField(max_length=60)
    day = models.DateField()
    claimed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "day"], name="nightly_job_day")]

    def __str__(self) -> str:
        return f"{self.job} {self.day}"
