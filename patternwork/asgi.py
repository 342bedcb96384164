import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "patternwork.settings")

application = get_asgi_application()

from patternwork.core.crypto import verify_database_key  # noqa: E402  (needs Django set up)

verify_database_key()
