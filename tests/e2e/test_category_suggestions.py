"""Typing one part of an episode shows ranked category suggestions, in headless Chromium.

The real model ranks (so this also loads ONNX: marked slow as well as e2e). Nothing is
ticked until the therapist clicks a suggestion.
"""

from binascii import unhexlify

import pytest
from django.urls import reverse
from django_otp.oath import TOTP

from patternwork.clients.models import Client
from patternwork.demo import seed
from patternwork.formulation.models import Category, Episode

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

RO_TEXT = "She turned away and would not answer when I tried to explain"


def sign_in(page, base):
    key = unhexlify(seed.demo_totp_key(seed.THERAPIST.email))
    page.goto(f"{base}/login/")
    page.get_by_label("Email address").fill(seed.THERAPIST.email)
    page.get_by_label("Password").fill(seed.DEMO_PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Six-digit code from your authenticator app").fill(f"{TOTP(key).token():06d}")
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(f"{base}/caseload/")


def test_typing_an_ro_fragment_shows_ranked_suggestions_with_the_why(e2e_server, browser, settings):
    settings.PATTERNWORK_SUGGESTION_MODEL = "minilm"
    base = e2e_server.url
    seed.seed()
    course = Client.objects.get(full_name="Kieran Walsh").courses.get()
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, base)
    page.goto(base + reverse("clinic:episode-new", args=[course.public_id]))

    page.locator("textarea[name=ro_text]").press_sequentially(RO_TEXT)
    items = page.locator("#suggest-ro li.suggestion__item")
    items.nth(2).wait_for()

    assert items.count() == 3
    assert page.locator("#suggest-ro meter").count() == 3
    whys = page.locator("#suggest-ro .suggestion__why").all_inner_texts()
    assert all(why.strip() for why in whys)
    assert "language model" not in page.locator("#suggest-ro").inner_text()
    boxes = page.locator("input[name=ro_categories]")
    assert [boxes.nth(i).is_checked() for i in range(boxes.count())] == [False] * boxes.count()

    first = page.locator("#suggest-ro button.suggestion").first
    chosen = first.get_attribute("data-category")
    first.click()

    assert page.locator(f"input[name=ro_categories][value='{chosen}']").is_checked()
    assert [boxes.nth(i).is_checked() for i in range(boxes.count())].count(True) == 1
    page.locator("select[name=other]").select_option(index=1)
    page.locator("textarea[name=account]").fill("At the kitchen table.")
    page.get_by_role("button", name="Save episode").click()
    page.wait_for_url(f"{base}/episodes/**")
    code = Episode.objects.latest("created_at").codes.get()
    assert (str(code.category.public_id), code.suggested, code.suggested_rank) == (chosen, True, 1)
    assert Category.objects.get(public_id=chosen).part == "ro"
