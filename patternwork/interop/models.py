from django.db import models
from django.utils.translation import gettext_lazy as _

from patternwork.accounts.access import Scope
from patternwork.core.crypto import EncryptedTextField
from patternwork.core.models import BaseModel


class CaseloadUpload(BaseModel):
    """A caseload file an admin uploaded, kept between its dry run and the import.

    The file holds clients' details, so its text is encrypted at rest and cleared once
    it has been imported; the outcome of the last check or of the import is kept (row
    numbers, messages and counts). Uploads older than a day are deleted at the next upload.
    """

    practice = models.ForeignKey(
        "accounts.Practice", on_delete=models.CASCADE, related_name="caseload_uploads"
    )
    uploaded_by = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, related_name="caseload_uploads"
    )
    filename = models.CharField(_("file name"), max_length=255)
    digest = models.CharField(max_length=64)
    content = EncryptedTextField(blank=True)
    result = models.JSONField(default=dict)
    imported_at = models.DateTimeField(null=True, blank=True)

    access_scope = Scope(therapist="", client=None, clinical=False, kind="caseload upload")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Caseload upload {self.filename}"
