"""System checks: `manage.py check --database default` proves the key fits the database."""

from django.conf import settings
from django.core import checks

from patternwork.core import crypto

PLAIN_HTTP_LINKS = (
    "PATTERNWORK_BASE_URL is plain http while PATTERNWORK_HTTPS is on: invitation and "
    "password-reset links would carry their tokens unencrypted."
)


def check_encryption_key(app_configs=None, databases=None, **kwargs):
    errors = []
    for alias in databases or ():
        try:
            crypto.verify_database_key(alias)
        except crypto.EncryptionKeyError as exc:
            errors.append(checks.Critical(str(exc), id="patternwork.E001"))
    return errors


def check_base_url_scheme(app_configs=None, **kwargs):
    if settings.PATTERNWORK_HTTPS and settings.PATTERNWORK_BASE_URL.startswith("http://"):
        return [checks.Warning(PLAIN_HTTP_LINKS, id="patternwork.W001")]
    return []


def register() -> None:
    checks.register(check_encryption_key, checks.Tags.database)
    checks.register(check_base_url_scheme, checks.Tags.security, deploy=True)
