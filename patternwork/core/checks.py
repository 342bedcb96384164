"""System checks: `manage.py check --database default` proves the key fits the database."""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from patternwork.core import crypto

PLAIN_HTTP_LINKS = (
    "PATTERNWORK_BASE_URL is plain http while PATTERNWORK_HTTPS is on: invitation and "
    "password-reset links would carry their tokens unencrypted."
)

PROXY_UNCONFIGURED = (
    "SECURE_PROXY_SSL_HEADER says a reverse proxy is in front, but "
    "PATTERNWORK_TRUSTED_PROXIES is not set: every client would share the proxy's address "
    "in the audit log and the login throttle. Set it to the number of proxies (1 behind "
    "one nginx)."
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


def check_proxy_settings(app_configs=None, **kwargs):
    if settings.PATTERNWORK_PROXY_SSL_HEADER and settings.PATTERNWORK_TRUSTED_PROXIES is None:
        return [checks.Error(PROXY_UNCONFIGURED, id="patternwork.E002")]
    return []


def verify_proxy_settings() -> None:
    """Refuse to start (wsgi.py) behind a declared proxy whose count is not configured."""
    if check_proxy_settings():
        raise ImproperlyConfigured(PROXY_UNCONFIGURED)


def register() -> None:
    checks.register(check_encryption_key, checks.Tags.database)
    checks.register(check_base_url_scheme, checks.Tags.security, deploy=True)
    checks.register(check_proxy_settings, checks.Tags.security)
