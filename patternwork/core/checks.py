"""System checks: `manage.py check --database default` proves the key fits the database."""

from django.core import checks

from patternwork.core import crypto


def check_encryption_key(app_configs=None, databases=None, **kwargs):
    errors = []
    for alias in databases or ():
        try:
            crypto.verify_database_key(alias)
        except crypto.EncryptionKeyError as exc:
            errors.append(checks.Critical(str(exc), id="patternwork.E001"))
    return errors


def register() -> None:
    checks.register(check_encryption_key, checks.Tags.database)
