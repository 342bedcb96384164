"""WSGI entry point. Refuses to start when the encryption key does not fit the database."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "patternwork.settings")

application = get_wsgi_application()

from patternwork.core.crypto import verify_database_key  # noqa: E402  (needs Django set up)

verify_database_key()
