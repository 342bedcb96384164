"""Absolute links for places outside a request: emails and links printed by commands."""

from django.conf import settings


def absolute_url(path: str) -> str:
    """The full address of `path` on this instance, from PATTERNWORK_BASE_URL.

    Never built from the request's Host header: a forged Host would otherwise put another
    site's address into a password-reset or invitation link.
    """
    if not path.startswith("/"):
        raise ValueError(f"An absolute link's path must start with /, not {path!r}.")
    return settings.PATTERNWORK_BASE_URL.rstrip("/") + path
