from django.db import models

from patternwork.core.crypto import EncryptedTextField
from patternwork.core.models import BaseModel


class SecretNote(BaseModel):
    title = models.CharField(max_length=100)
    body = EncryptedTextField(blank=True)
    summary = EncryptedTextField(null=True, blank=True)

    def __str__(self) -> str:
        return self.title
