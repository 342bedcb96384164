"""WSGI entry point. Refuses to start when the encryption key does not fit the database,
or behind a declared proxy without PATTERNWORK_TRUSTED_PROXIES."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "patternwork.settings")

application = get_wsgi_application()

from patternwork.core.checks import verify_proxy_settings  # noqa: E402  (needs Django set up)
from patternwork.core.crypto import verify_database_key  # noqa: E402

verify_proxy_settings()
verify_database_key()

# A worker keeps everything loaded so far for its whole life: Django, the app's modules and
# (imported here rather than by the first request) the URLconf with every view. Frozen,
# those objects are no longer walked by every full garbage collection a request sets off.
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018  (imports the views)
gc.collect()
gc.freeze()
