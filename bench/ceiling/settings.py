"""Settings of the ceiling app: a file database, the cached template loader, no sessions."""

import os
from pathlib import Path

HERE = Path(__file__).resolve().parent
SECRET_KEY = "bench-ceiling-only"  # noqa: S105  (serves fictional rows on loopback)
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.ceiling.urls"
INSTALLED_APPS = ["bench.ceiling"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("CEILING_DATABASE", str(HERE / "ceiling.sqlite3")),
        "CONN_MAX_AGE": 600,
        "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL;"},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
LOGGING = {"version": 1, "disable_existing_loggers": False}
