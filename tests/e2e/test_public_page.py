"""An anonymous visitor on a phone finds the demo practice from `/` and reaches its form."""

import os

import pytest

from patternwork.demo import seed

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 740}


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_visitor_on_a_phone_finds_the_practice_and_reaches_self_referral(
    e2e_server, browser, tmp_path
):
    base = e2e_server.url
    seed.seed()
    page = browser.new_page(viewport=PHONE)
    problems = []
    page.on("console", lambda message: problems.append(message.text))

    page.goto(f"{base}/")
    assert page.get_by_role("link", name="Staff login").is_visible()
    assert fits_the_screen(page)
    page.get_by_role("link", name=seed.DEMO_PRACTICE).click()

    page.wait_for_url(f"{base}/p/{seed.DEMO_SLUG}/")
    assert page.get_by_role("heading", name="What Dynamic Interpersonal Therapy is").is_visible()
    assert page.get_by_role("heading", name="Dr Rowan Hale").is_visible()
    assert fits_the_screen(page)
    if os.environ.get("PATTERNWORK_SCREENSHOTS"):
        page.screenshot(path=os.environ["PATTERNWORK_SCREENSHOTS"], full_page=True)
    page.get_by_role("link", name="Refer yourself").click()

    page.wait_for_url(f"{base}/refer/{seed.DEMO_SLUG}/")
    assert page.get_by_label("Full name").is_visible()
    # No CSP violation or failed asset load was reported on the way.
    assert problems == []
