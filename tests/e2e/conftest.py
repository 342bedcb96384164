"""Browser tests: Debian's Chromium driven by Playwright against a live server."""

import os

import pytest

from tests.conftest import CHROMIUM

BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def browser(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls
    # are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def e2e_server(audited_transactional_db, live_server, settings):
    settings.PATTERNWORK_BASE_URL = live_server.url
    assert os.path.exists(CHROMIUM)
    return live_server


@pytest.fixture(scope="module")
def module_browser():
    """One Chromium for every test of a module: starting it is the slow part."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def signed_in(e2e_server, module_browser):
    """Open a browser context already logged in as a user (both factors for staff)."""
    from django.conf import settings as django_settings
    from django.test import Client

    from tests.conftest import verified_login

    contexts = []

    def _open(user, *, staff=True, viewport=None):
        http = Client()
        if staff:
            verified_login(http, user)
        else:
            http.force_login(user)
        context = module_browser.new_context(viewport=viewport or {"width": 1280, "height": 800})
        context.add_cookies(
            [
                {
                    "name": django_settings.SESSION_COOKIE_NAME,
                    "value": http.cookies[django_settings.SESSION_COOKIE_NAME].value,
                    "url": e2e_server.url,
                }
            ]
        )
        contexts.append(context)
        return context.new_page()

    yield _open
    for context in contexts:
        context.close()
