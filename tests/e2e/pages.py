"""Steps on the real pages that several browser tests take."""

from binascii import unhexlify

from django_otp.oath import TOTP

from patternwork.demo import seed


def staff_login(page, base: str, email: str) -> None:
    """Log a demo staff member in with their password and their demo authenticator code."""
    sign_in(page, base, email, seed.DEMO_PASSWORD, unhexlify(seed.demo_totp_key(email)))


def sign_in(page, base: str, email: str, password: str, key: bytes) -> None:
    """Log a staff member in on the real two-step login: password, then the code their
    authenticator app would show for `key` (a TOTP device's binary key)."""
    page.goto(f"{base}/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Six-digit code from your authenticator app").fill(f"{TOTP(key).token():06d}")
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(f"{base}/caseload/")


def client_login(page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/portal/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/portal/")


def form_with(page, button: str):
    """The form holding a submit button: several forms on a page share labels ("When")."""
    return page.locator("form", has=page.get_by_role("button", name=button))


def page_showing(page, *texts: str) -> None:
    """Wait until the page's body shows every one of `texts`, failing if it never does.

    A click that submits a form or follows a link returns once the next page has begun to
    load, when its document can still be empty: reading `page.content()` straight after it
    once read "" in CI. Waiting on the text itself retries until the new page holds it (or
    fails with what the body did hold)."""
    from playwright.sync_api import expect

    body = page.locator("body")
    for text in texts:
        expect(body).to_contain_text(text)
