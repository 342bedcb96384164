"""Re-encrypt every encrypted column with the primary key (key rotation)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db import connection, transaction

from patternwork.core import crypto
from patternwork.core.models import EncryptionCanary


class RotationError(Exception):
    pass


@dataclass
class RotationReport:
    key_id: str
    rewritten: Counter = field(default_factory=Counter)
    already_current: int = 0

    @property
    def total(self) -> int:
        return sum(self.rewritten.values()) + self.already_current


def rotate_all(*, batch_size: int = 500) -> RotationReport:
    """Re-encrypt each value not yet under the primary key.

    The caller records the rotation in the audit log (core sits below audit).
    """
    keyring = crypto.configured_keyring()
    report = RotationReport(key_id=keyring.primary_id)
    for model, model_field in crypto.encrypted_fields():
        _rotate_column(model, model_field, keyring, report, batch_size)
    _rotate_canary(keyring)
    return report


def _rotate_column(model, model_field, keyring, report: RotationReport, batch_size: int) -> None:
    quote = connection.ops.quote_name
    table, column = quote(model._meta.db_table), quote(model_field.column)
    pk = quote(model._meta.pk.column)
    prefix = f"{crypto.TOKEN_VERSION}:{keyring.primary_id}:"
    label = f"{model._meta.label}.{model_field.name}"
    # Identifiers come from the model registry and are quoted; values are parameters.
    select = (
        f"SELECT {pk}, {column} FROM {table} "  # noqa: S608
        f"WHERE {column} IS NOT NULL AND {pk} > %s ORDER BY {pk} LIMIT %s"
    )
    update = f"UPDATE {table} SET {column} = %s WHERE {pk} = %s"  # noqa: S608
    last_pk = -1 if model._meta.pk.get_internal_type() in {"AutoField", "BigAutoField"} else ""
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(select, [last_pk, batch_size])
            rows = cursor.fetchall()
            if not rows:
                return
            for row_pk, token in rows:
                last_pk = row_pk
                if token.startswith(prefix):
                    report.already_current += 1
                    continue
                try:
                    plain = keyring.decrypt(token, model_field.encryption_context)
                except crypto.DecryptionError as exc:
                    raise RotationError(f"{label} row {row_pk}: {exc}") from None
                cursor.execute(
                    update, [keyring.encrypt(plain, model_field.encryption_context), row_pk]
                )
                report.rewritten[label] += 1


def _rotate_canary(keyring) -> None:
    crypto.verify_database_key()
    with transaction.atomic():
        for canary in EncryptionCanary.objects.select_for_update():
            if canary.key_id != keyring.primary_id:
                canary.key_id = keyring.primary_id
                canary.token = keyring.encrypt(crypto.CANARY_PLAINTEXT, crypto.CANARY_CONTEXT)
                canary.save(update_fields=["key_id", "token"])
