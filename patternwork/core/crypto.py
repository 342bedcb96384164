"""Encryption at rest for sensitive free text (notes, episodes, journal, letters).

AES-256-GCM (authenticated) with keys from the environment, never derived from
SECRET_KEY. A token records which key made it, so several keys can be configured
during a rotation: the first encrypts, all decrypt. The model field and the
table/column it belongs to are bound in as associated data, so a ciphertext copied
into another column does not decrypt.

Token format: ``pw1:<key id>:<urlsafe base64 of nonce + ciphertext + tag>``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

TOKEN_VERSION = "pw1"  # noqa: S105  (a format tag, not a secret)
NONCE_BYTES = 12
KEY_BYTES = 32
CANARY_PLAINTEXT = "patternwork encryption canary"
CANARY_CONTEXT = "core.encryptioncanary.token"

MISSING_KEY = (
    "PATTERNWORK_ENCRYPTION_KEYS (or PATTERNWORK_ENCRYPTION_KEYS_FILE) is not set. "
    "Patternwork refuses to start without its encryption key; `make run` generates one "
    "under var/, and `manage.py generate_encryption_key` prints a new one."
)
MALFORMED_KEY = (
    "PATTERNWORK_ENCRYPTION_KEYS holds a value that is not a url-safe base64 encoding of "
    "32 bytes (key number {position})."
)
WRONG_KEY = (
    "None of the configured encryption keys can decrypt this database (it was encrypted "
    "with key {key_id}). Patternwork refuses to start rather than serve ciphertext or blanks."
)
UNKNOWN_KEY = "This value was encrypted with key {key_id}, which is not configured."
TAMPERED = "An encrypted value failed authentication: wrong key, wrong column or tampering."


class EncryptionKeyError(ImproperlyConfigured):
    pass


class DecryptionError(Exception):
    pass


def generate_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode("ascii")


def key_id_for(key: bytes) -> str:
    return hashlib.sha256(b"patternwork-key-id:" + key).hexdigest()[:12]


@dataclass(frozen=True)
class Keyring:
    """Configured keys, primary first."""

    keys: tuple[tuple[str, bytes], ...]

    @property
    def primary_id(self) -> str:
        return self.keys[0][0]

    def _key(self, key_id: str) -> bytes:
        for candidate_id, key in self.keys:
            if candidate_id == key_id:
                return key
        raise DecryptionError(UNKNOWN_KEY.format(key_id=key_id))

    def encrypt(self, plaintext: str, context: str) -> str:
        key_id, key = self.keys[0]
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(key).encrypt(nonce, plaintext.encode("utf-8"), _aad(context))
        body = base64.urlsafe_b64encode(nonce + sealed).decode("ascii")
        return f"{TOKEN_VERSION}:{key_id}:{body}"

    def decrypt(self, token: str, context: str) -> str:
        version, key_id, body = split_token(token)
        if version != TOKEN_VERSION:
            raise DecryptionError(f"Unknown encrypted token version {version!r}.")
        key = self._key(key_id)
        try:
            raw = base64.urlsafe_b64decode(body.encode("ascii"))
            plain = AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _aad(context))
        except (InvalidTag, binascii.Error, ValueError):
            raise DecryptionError(TAMPERED) from None
        return plain.decode("utf-8")


def _aad(context: str) -> bytes:
    return f"{TOKEN_VERSION}|{context}".encode()


def split_token(token: str) -> tuple[str, str, str]:
    parts = token.split(":", 2)
    if len(parts) != 3:
        raise DecryptionError("Stored value is not an encrypted token.")
    return parts[0], parts[1], parts[2]


@lru_cache(maxsize=8)
def parse_keys(raw: str) -> Keyring:
    """Parse the configured key list (comma, space or newline separated)."""
    items = [item for item in re.split(r"[\s,]+", raw or "") if item]
    if not items:
        raise EncryptionKeyError(MISSING_KEY)
    keys = []
    for position, item in enumerate(items, start=1):
        try:
            key = base64.urlsafe_b64decode(item.encode("ascii"))
        except (binascii.Error, ValueError, UnicodeEncodeError):
            raise EncryptionKeyError(MALFORMED_KEY.format(position=position)) from None
        if len(key) != KEY_BYTES:
            raise EncryptionKeyError(MALFORMED_KEY.format(position=position))
        keys.append((key_id_for(key), key))
    return Keyring(tuple(keys))


def configured_keyring() -> Keyring:
    return parse_keys(settings.PATTERNWORK_ENCRYPTION_KEYS)


def verify_database_key(using: str = "default") -> str:
    """Prove the configured keys decrypt this database, creating the canary on first use.

    Returns "created", "ok" or "unmigrated" (the table does not exist yet). Raises
    EncryptionKeyError when no configured key can decrypt the canary.
    """
    from django.db import connections

    from patternwork.core.models import EncryptionCanary

    connection = connections[using]
    if EncryptionCanary._meta.db_table not in connection.introspection.table_names():
        return "unmigrated"
    keyring = configured_keyring()
    canary = EncryptionCanary.objects.using(using).first()
    if canary is None:
        EncryptionCanary.objects.using(using).create(
            key_id=keyring.primary_id, token=keyring.encrypt(CANARY_PLAINTEXT, CANARY_CONTEXT)
        )
        return "created"
    try:
        plain = keyring.decrypt(canary.token, CANARY_CONTEXT)
    except DecryptionError:
        raise EncryptionKeyError(WRONG_KEY.format(key_id=canary.key_id)) from None
    if plain != CANARY_PLAINTEXT:
        raise EncryptionKeyError(WRONG_KEY.format(key_id=canary.key_id))
    return "ok"


class EncryptedTextField(models.TextField):
    """Free text encrypted at rest. Not searchable or comparable in the database."""

    description = "Encrypted text"

    def contribute_to_class(self, cls, name, private_only=False):
        super().contribute_to_class(cls, name, private_only=private_only)
        self.encryption_context = f"{cls._meta.label_lower}.{name}"

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None:
            return None
        return configured_keyring().encrypt(str(value), self.encryption_context)

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return configured_keyring().decrypt(value, self.encryption_context)

    def get_lookup(self, lookup_name):
        # Ciphertexts are randomised: any comparison but IS NULL would silently match nothing.
        if lookup_name != "isnull":
            return None
        return super().get_lookup(lookup_name)


def encrypted_fields():
    """Every (model, field) pair that stores encrypted text, for rotation and checks."""
    from django.apps import apps

    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                yield model, field
