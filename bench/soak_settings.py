"""The production settings for the crash soak, with static files served from the app folders.

Everything that decides durability (SQLite in WAL mode, synchronous=FULL, IMMEDIATE
transactions, the busy timeout) is patternwork.settings' own. Only the static files
differ: collecting and compressing them takes over a minute of CPU and has nothing to do
with what a kill can break, so the soak skips `collectstatic`, as the test settings do.
"""

from patternwork.settings import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
