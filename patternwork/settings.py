"""Patternwork settings: one module, driven by the environment.

Every variable is documented in `.env.example`. Secrets can be given directly or
through `NAME_FILE` (a path whose content is the value), so they stay out of the
process list and shell history.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    # An empty NAME= line (as in .env.example) means "not set", like a missing variable.
    return os.environ.get(name, "").strip() or default


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), not {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_secret(name: str, default_file: Path | None = None) -> str:
    """Read a secret from NAME, or from the file named by NAME_FILE.

    When neither variable is in the environment at all, read `default_file` if it exists
    (the key `make run` keeps under var/), so every command works from a plain shell. An
    empty NAME or NAME_FILE turns that default off. A missing file gives "", and the caller
    refuses to start: a key is never generated here.
    """
    value = os.environ.get(name)
    path = os.environ.get(f"{name}_FILE")
    if value is None and path is None and default_file is not None and default_file.exists():
        path = str(default_file)
    value, path = value or "", path or ""
    if value and path:
        raise ImproperlyConfigured(f"Set {name} or {name}_FILE, not both.")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE: cannot read {path}: {exc}") from None
    return value.strip()


# What `make run` serves on by default; emailed links start with it on a loopback-only host.
LOCAL_BASE_URL = "http://127.0.0.1:8000"
_HOST_NAME = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?")


def _is_loopback(host: str) -> bool:
    host = host.strip().lower().removeprefix("[").removesuffix("]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_origin(raw: str) -> bool:
    parts = urlsplit(raw)
    try:
        port = parts.port
    except ValueError:
        return False
    host = parts.hostname or ""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if not _HOST_NAME.fullmatch(host):
            return False
    return (
        parts.scheme.lower() in {"http", "https"}
        and "@" not in parts.netloc
        and port != 0
        and parts.path in {"", "/"}
        and not ({"?", "#"} & set(raw))
    )


def env_base_url(name: str, *, allowed_hosts: list[str]) -> str:
    """Read the public address (scheme://host[:port]) that every emailed link starts with.

    Unset, it is `make run`'s address while the instance answers only on loopback. An
    instance that answers to any other name refuses to start instead: guessing would email
    links to the wrong place, and the request's Host header is forgeable.
    """
    raw = os.environ.get(name, "").strip()
    if not raw:
        if all(_is_loopback(host) for host in allowed_hosts):
            return LOCAL_BASE_URL
        raise ImproperlyConfigured(
            f"{name} is not set. Invitation and password-reset emails link to it; set it to "
            "the address people open Patternwork at, e.g. https://patternwork.example.org."
        )
    if not _is_origin(raw):
        raise ImproperlyConfigured(
            f"{name} must be a scheme and host only, like https://patternwork.example.org "
            f"or http://127.0.0.1:8000 (no path, query or password), not {raw!r}."
        )
    parts = urlsplit(raw)
    return f"{parts.scheme.lower()}://{parts.netloc}"


DEBUG = env_bool("DEBUG", False)

# The instance's own files: SQLite database, keys (unless given in the environment) and
# collected static files.
VAR_DIR = Path(env_str("PATTERNWORK_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env_secret("SECRET_KEY", default_file=VAR_DIR / "secret_key")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY (or SECRET_KEY_FILE) is not set, and there is no "
            f"{VAR_DIR / 'secret_key'}. Patternwork refuses to start without it; `make run` "
            "generates one under var/."
        )
    SECRET_KEY = "insecure-development-key-only-used-with-DEBUG-on"  # noqa: S105
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")

# Field encryption keys: comma- or newline-separated, the first encrypts, all decrypt.
# Deliberately separate from SECRET_KEY: rotating one must never lose the other.
PATTERNWORK_ENCRYPTION_KEYS = env_secret(
    "PATTERNWORK_ENCRYPTION_KEYS", default_file=VAR_DIR / "encryption_keys"
)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "patternwork.core",
    "patternwork.accounts",
    "patternwork.audit",
    "patternwork.clients",
    "patternwork.treatment",
    "patternwork.measures",
    "patternwork.formulation",
    "patternwork.letters",
    "patternwork.reports",
    "patternwork.interop",
    "patternwork.messaging",
    "patternwork.supervision",
    "patternwork.clinic",
    "patternwork.portal",
    "patternwork.api",
    "patternwork.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "patternwork.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "patternwork.core.middleware.RequestContextMiddleware",
    "patternwork.core.middleware.RequestCharsetMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's AuthenticationMiddleware, the session's user read by a prepared read.
    "patternwork.accounts.middleware.LeanAuthenticationMiddleware",
    # django-otp's OTPMiddleware, reading only the device's id, owner and confirmation.
    "patternwork.accounts.middleware.LeanOTPMiddleware",
    "patternwork.accounts.middleware.MembershipMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "patternwork.urls"
WSGI_APPLICATION = "patternwork.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "patternwork.accounts.context_processors.membership",
                "patternwork.clinic.context_processors.open_referrals",
            ],
        },
    },
]

# Databases. SQLite (default) lives under var/ in WAL mode; PostgreSQL via DATABASE_URL.
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'patternwork.sqlite3'}")
SQLITE_BUSY_TIMEOUT_MS = 20000


def database(url: str) -> dict:
    """The `default` database's settings for a DATABASE_URL."""
    # Each worker keeps its connection between requests (opening one cost about 0.7 ms a
    # request on SQLite, more on PostgreSQL); the health check replaces one the server closed.
    db = dj_database_url.parse(
        url,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 600),
        conn_health_checks=env_bool("DB_CONN_HEALTH_CHECKS", True),
    )
    if db["ENGINE"] == "django.db.backends.postgresql" and env_bool("DB_PREPARED_STATEMENTS", True):
        # Planning, more than running, is what a page's reads cost the server: about 7 of
        # the 9 ms its backend spent on the caseload's 19 statements. With the parameters
        # bound on the server, psycopg prepares a statement the second time a connection
        # runs it and the server reuses its plan from then on (the kept connection above
        # keeps them). Off (DB_PREPARED_STATEMENTS=false) behind a pooler in transaction
        # mode, whose server connections do not keep a client's prepared statements.
        db["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 2}
    return db


_db = database(DATABASE_URL)
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["OPTIONS"] = {
        # Durability first: WAL for concurrent readers, FULL fsync on commit, and a
        # busy timeout so two gunicorn workers wait for each other instead of failing.
        # IMMEDIATE takes the write lock at BEGIN, which avoids "database is locked"
        # errors when a read transaction later tries to write.
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=FULL;"
            "PRAGMA foreign_keys=ON;"
            f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS};"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
    }
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# No cache. Sessions, the login and reset throttles, the API rate count, idempotency keys,
# the task queue and row locks all live in the database, so several app processes (and
# several machines) share them. A per-process cache would quietly split such state between
# processes, so nothing may rely on one: the dummy cache keeps nothing.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}

# Accounts and authentication
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    # Django's Argon2PasswordHasher is argon2id (m=102400 KiB, t=2); older hashes are
    # upgraded on the next login.
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "clinic:login"
LOGIN_REDIRECT_URL = "clinic:home"
LOGOUT_REDIRECT_URL = "clinic:login"
PASSWORD_RESET_TIMEOUT = 3600
STAFF_INVITATION_TIMEOUT = timedelta(hours=72)

# Failed logins: per account and per address, within a sliding window. The account
# limit is low (brute force), the address limit higher (shared NAT in a service). Past a
# limit the next try waits LOGIN_BACKOFF_FIRST after the latest failure, doubling with
# each further failure up to LOGIN_BACKOFF_MAX (accounts.throttle).
LOGIN_THROTTLE_WINDOW = timedelta(minutes=15)
LOGIN_BACKOFF_FIRST = timedelta(seconds=30)
LOGIN_BACKOFF_MAX = timedelta(minutes=15)
# Password-reset emails per account and per address within an hour (staff and portal).
PASSWORD_RESET_PER_ACCOUNT = env_int("PASSWORD_RESET_PER_ACCOUNT", 3)
PASSWORD_RESET_PER_ADDRESS = env_int("PASSWORD_RESET_PER_ADDRESS", 10)
LOGIN_THROTTLE_PER_ACCOUNT = env_int("LOGIN_THROTTLE_PER_ACCOUNT", 5)
LOGIN_THROTTLE_PER_ADDRESS = env_int("LOGIN_THROTTLE_PER_ADDRESS", 30)

# Django's database sessions, read with SQL made once per process (core.sessions).
SESSION_ENGINE = "patternwork.core.sessions"
# Sessions: 15 minutes idle by default (each practice chooses 5 to 60), 12 hours at most.
# SESSION_COOKIE_AGE is the longest idle timeout a practice may choose; each practice's own
# is enforced by accounts.middleware on every request. A session is saved when it changes,
# and the idle clock it keeps (its last-seen time) is moved on at most once a minute, so a
# busy session is written about once a minute rather than on every request.
SESSION_COOKIE_AGE = 60 * 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_SAVE_AFTER = timedelta(minutes=1)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_ABSOLUTE_LIMIT = timedelta(hours=12)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"

# Two-factor
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Patternwork")
OTP_TOTP_TOLERANCE = 1

# HTTPS. On by default; `make run` turns it off because it serves plain HTTP on loopback.
PATTERNWORK_HTTPS = env_bool("PATTERNWORK_HTTPS", True)
SESSION_COOKIE_SECURE = PATTERNWORK_HTTPS
CSRF_COOKIE_SECURE = PATTERNWORK_HTTPS
SECURE_SSL_REDIRECT = PATTERNWORK_HTTPS and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 31536000 if PATTERNWORK_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = PATTERNWORK_HTTPS
SECURE_HSTS_PRELOAD = PATTERNWORK_HTTPS and env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# How many reverse proxies in front of the app append to X-Forwarded-For: 0 when the app
# is served directly (the header is then ignored), 1 behind one nginx, and so on. Left
# unset, a request that carries X-Forwarded-For is refused (503): behind a proxy every
# client would otherwise share the proxy's address, in the audit log and the login
# throttle alike. A proxy declared for the scheme (SECURE_PROXY_SSL_HEADER) without
# this refuses to start (system check patternwork.E002, also run by wsgi.py).
PATTERNWORK_TRUSTED_PROXIES = (
    env_int("PATTERNWORK_TRUSTED_PROXIES", 0)
    if os.environ.get("PATTERNWORK_TRUSTED_PROXIES", "").strip()
    else None
)
PATTERNWORK_PROXY_SSL_HEADER = env_bool("SECURE_PROXY_SSL_HEADER", False)

# Email: printed to the console unless an SMTP server is configured.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Patternwork <no-reply@localhost>")

# Background work (the message outbox): Django's task framework with the database-backed
# queue, run by `manage.py run_worker` (`make run` starts one beside the web server).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# Every emailed link (invitations, password resets) starts with this, never with the
# request's Host header, which a client can forge to poison a reset link.
PATTERNWORK_BASE_URL = env_base_url("PATTERNWORK_BASE_URL", allowed_hosts=ALLOWED_HOSTS)

# Internationalisation
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True


def recordings_storage() -> dict:
    """Where session recordings (sealed, see core/stream_crypto.py) are kept.

    By default a folder under var/ that only the instance's user can read, like the
    database and keys. An install that outgrows one disk names another Django storage
    backend and its options, e.g. django-storages' S3Storage for an S3-compatible store
    (docs/recordings.md); the files are encrypted before they reach it either way.
    """
    backend = env_str(
        "PATTERNWORK_RECORDINGS_STORAGE", "django.core.files.storage.FileSystemStorage"
    )
    options = json.loads(env_str("PATTERNWORK_RECORDINGS_STORAGE_OPTIONS", "") or "{}")
    if backend == "django.core.files.storage.FileSystemStorage":
        options = {
            "location": str(VAR_DIR / "recordings"),
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
            **options,
        }
    return {"BACKEND": backend, "OPTIONS": options}


# Session recordings: the largest upload accepted (bytes; default 200 MB) and how long a
# recording is kept is the practice's setting (Practice.recording_retention_days).
PATTERNWORK_RECORDING_MAX_BYTES = env_int("PATTERNWORK_RECORDING_MAX_BYTES", 200 * 1000 * 1000)

# Static files, served by the app itself (WhiteNoise) so one process is enough.
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    "recordings": recordings_storage(),
}

# The REST API (patternwork/api). Tokens and verified staff sessions authenticate; a
# read-only token may only read (TokenScope); every answer and error is JSON, errors as
# application/problem+json. Other API views (FHIR) inherit these defaults.
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "patternwork.api.schema.ApiAutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "patternwork.api.authentication.BearerTokenAuthentication",
        "patternwork.api.authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["patternwork.api.permissions.TokenScope"],
    "DEFAULT_THROTTLE_CLASSES": ["patternwork.api.throttling.PerCallerThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api": env_str("PATTERNWORK_API_RATE", "600/minute")},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "patternwork.api.pagination.ApiCursorPagination",
    "EXCEPTION_HANDLER": "patternwork.api.problems.problem_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "COERCE_DECIMAL_TO_STRING": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Patternwork API",
    "DESCRIPTION": (
        "REST API of Patternwork, a platform for Dynamic Interpersonal Therapy. "
        "Authenticate with `Authorization: Bearer <token>` (a personal token from your "
        "settings page, or `manage.py create_api_token`). A token acts as its owner and "
        "never more; a read-only token gets 403 on every write. Updates need `If-Match` "
        "with the `ETag` of the object as last read (428 without it, 412 when it is "
        "stale). POSTs accept an `Idempotency-Key`: a retry gets the first answer. Errors "
        "are `application/problem+json` (RFC 9457)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ClientStatusEnum": "patternwork.clients.models.Client.Status",
        "ReferralStatusEnum": "patternwork.clients.models.Referral.Status",
        "AppointmentStatusEnum": "patternwork.treatment.models.Appointment.Status",
        "CourseStateEnum": "patternwork.treatment.models.Course.State",
        "ResponseStatusEnum": "patternwork.measures.models.Response.Status",
        "ResponseSourceEnum": "patternwork.measures.models.Response.Source",
        "ReferralSourceEnum": "patternwork.clients.models.Referral.Source",
        "ValenceEnum": "patternwork.formulation.models.Episode.Valence",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "patternwork.api.schema.add_problem_responses",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "patternwork.core.redaction.RedactingFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# Outcome thresholds: the instruments' defaults (docs/outcomes.md) unless overridden here, as
# JSON, e.g. {"PHQ-9": {"reliable_change": [">", 6]}}. Read by measures.config.
try:
    PATTERNWORK_OUTCOME_THRESHOLDS = json.loads(env_str("PATTERNWORK_OUTCOME_THRESHOLDS", "{}"))
except json.JSONDecodeError as exc:
    raise ImproperlyConfigured(f"PATTERNWORK_OUTCOME_THRESHOLDS is not valid JSON: {exc}") from None

# Episode category suggestions: "minilm" ranks by meaning with the bundled int8 model
# (loaded once per process, on first use); "off" uses shared words and the practice's
# coded examples only. Either way a suggestion is applied only by the therapist's click.
PATTERNWORK_SUGGESTION_MODEL = env_str("PATTERNWORK_SUGGESTION_MODEL", "minilm")
if PATTERNWORK_SUGGESTION_MODEL not in ("minilm", "off"):
    raise ImproperlyConfigured("PATTERNWORK_SUGGESTION_MODEL must be 'minilm' or 'off'.")

# Backup: where pg_dump/pg_restore live when they are not on PATH.
PATTERNWORK_PG_BIN = env_str("PATTERNWORK_PG_BIN", "/usr/lib/postgresql/15/bin")
# `manage.py backup` without a path writes a dated file here (owner-only), and the nightly
# retention job deletes those older than PATTERNWORK_BACKUP_KEEP_DAYS, so a record erased
# today is gone from every backup within that many days (docs/retention.md).
PATTERNWORK_BACKUP_DIR = Path(env_str("PATTERNWORK_BACKUP_DIR", str(VAR_DIR / "backups")))
PATTERNWORK_BACKUP_KEEP_DAYS = env_int("PATTERNWORK_BACKUP_KEEP_DAYS", 35)
if not 1 <= PATTERNWORK_BACKUP_KEEP_DAYS <= 366:
    raise ImproperlyConfigured("PATTERNWORK_BACKUP_KEEP_DAYS must be between 1 and 366.")
