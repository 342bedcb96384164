"""Test settings: production settings with speed-ups and fixed test keys."""

import os

# Fixed, test-only values; set before the settings module reads the environment.
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-use-0123456789")
os.environ.setdefault("PATTERNWORK_ENCRYPTION_KEYS", "dGVzdC1lbmNyeXB0aW9uLWtleS0zMi1ieXRlcy0wMDA=")
os.environ.setdefault("PATTERNWORK_HTTPS", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("PATTERNWORK_BASE_URL", "http://127.0.0.1:8000")
# The suite never loads the embedding model: ranker tests use a tiny stand-in embedding
# (tests/standin_embedding.py); the few tests that load the model are marked slow.
os.environ.setdefault("PATTERNWORK_SUGGESTION_MODEL", "off")

from patternwork.settings import *  # noqa: F403  (the one sanctioned star import)

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    # Nothing touches var/; a test that looks at the bytes on disk uses `recordings_dir`.
    "recordings": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks run inline, so a test sees a message sent as soon as the scheduler hands it over.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
LOGGING = {"version": 1, "disable_existing_loggers": False}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" and not os.environ.get(  # noqa: F405
    "DATABASE_URL"
):
    # Tests get their own in-memory database; nothing touches var/.
    DATABASES["default"]["NAME"] = ":memory:"  # noqa: F405

INSTALLED_APPS = [*INSTALLED_APPS, "tests.testapp"]  # noqa: F405

# The nightly job prunes this folder: in tests it never exists unless a test makes it (in
# its own temporary folder), so a test run never deletes a developer's real backups.
PATTERNWORK_BACKUP_DIR = BASE_DIR / "tests" / "no-backups-here"  # noqa: F405

# Serve static files from the app folders; no collectstatic before tests.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# `manage.py lintmigrations` (make check): the migration linter is a test tool only.
INSTALLED_APPS = [*INSTALLED_APPS, "django_migration_linter"]
MIGRATION_LINTER_OPTIONS = {
    "no_cache": True,
    # Only the product's own apps; third-party migrations are their maintainers'.
    "include_apps": [
        "accounts",
        "audit",
        "clients",
        "core",
        "formulation",
        "interop",
        "letters",
        "measures",
        "messaging",
        "supervision",
        "treatment",
    ],
    # Reviewed and released before the linter ran in `make test`: each was deployed with
    # the code that writes the new columns (a single-process deployment restarts both at
    # once). A new migration is linted; one that must break compatibility is added here
    # with its reason.
    "ignore_name": [
        "0001_initial",
        "0002_end_over_open_risk_flags",
        "0002_journal",
        "0002_portal_login",
        "0002_practice_closures_and_client_numbers",
        "0002_widen_band_label",
        "0003_assessment_goals_waiting_list",
        "0003_close_over_open_risk_flags",
        "0004_practice_reminders",
        "0005_client_external_id",
        "0005_outcomesummary_date_problems",
        "0005_public_page_and_profiles",
        "0006_client_appointment_reminders",
        # Adds a unique constraint over two new columns that only the new code fills.
        "0003_hash_chain",
        # Both new columns have a database default, so older code still inserts; the
        # SQLite analyser flags the table rebuild that adding them takes.
        "0010_practice_retention",
        # The practice's new passkey rule has a database default (false), so older code
        # still inserts practices; the SQLite analyser flags the table rebuild. Its new
        # passkey table is read by no older code.
        "0012_passkeys",
        # The death's source has a database default (""), so older code still inserts; the
        # other two columns are nullable.
        "0008_client_death_record",
        # Released together, with the code that writes them: each adds NOT NULL columns
        # with a default to a practice, user, IPAF version or episode code (the SQLite
        # analyser flags the table rebuild).
        "0006_practice_offer_window",
        "0007_practice_idle_timeout",
        "0008_practice_clinicians_triage_referrals",
        "0009_user_is_operator",
        "0006_ipaf_shared_with_the_client",
        "0007_suggestion_provenance_and_coded_fragments",
        # A new app's first migration: it creates its own tables, which no older code reads.
        "0001_supervision_sessions_cosigning_ratings",
        # The practice's recording retention has a database default, so older code still
        # inserts; the SQLite analyser flags the table rebuild.
        "0011_practice_recording_retention",
        # New tables only, which no older code reads.
        "0003_session_recordings_and_consent",
    ],
}
