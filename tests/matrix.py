"""Many access cases in one test: each case isolated, every failing case named.

The access matrices check the same rule over every route (a few hundred cases). As one
test each, pytest's own set-up, the database savepoint and a fresh login cost more than
most requests; here a test checks one rule over a family of routes. Each case runs in
its own savepoint, rolled back after it, so what one request writes (an access event, a
session) is gone before the next case, as it would be between tests. A case that fails
does not stop the others: the test fails at the end with the list of every failing case,
each named by its route, principal and object.

Logins are made once per module (`session_for` under `module_db`) and each case gets a
fresh test client holding that session's cookie, so a response that changes the client's
cookies cannot leak into the next case. The fresh clients share one request handler, as
every request to a server does: building the middleware chain afresh for each case cost
more than many of the requests it served.
"""

from contextlib import contextmanager
from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import update_last_login
from django.db import transaction
from django_otp import DEVICE_ID_SESSION_KEY

from tests.factories import TOTPDeviceFactory
from tests.kept_chain import KeptChainClient


def session_for(user, *, second_factor: bool = True) -> str:
    """A logged-in session's key, as the real login leaves it (`verified_login`).

    With `second_factor=False` the session is the one a password alone leaves (as
    `force_login`): the user is logged in, no device verified.
    """
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if second_factor:
        session[DEVICE_ID_SESSION_KEY] = TOTPDeviceFactory(user=user).persistent_id
    update_last_login(None, user)
    session.create()
    return session.session_key


def client_with(session_key: str | None = None) -> KeptChainClient:
    """A fresh test client; with a key, it holds that session's cookie.

    It takes the kept middleware chain (tests/kept_chain.py); the cookies and session
    are the client's.
    """
    client = KeptChainClient()
    if session_key:
        client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    return client


class Cases:
    """Run cases each in a rolled-back savepoint; collect the ones that fail."""

    def __init__(self):
        self.count = 0
        self.failures: list[str] = []

    @contextmanager
    def case(self, **named):
        """One case, named by keyword (route=..., principal=..., object=...)."""
        self.count += 1
        label = ", ".join(f"{key}={value}" for key, value in named.items())
        try:
            with transaction.atomic():
                yield
                transaction.set_rollback(True)  # undo what the case wrote, as between tests
        except Exception as error:  # a 500 in one case is reported, not fatal
            self.failures.append(f"{label}: {type(error).__name__}: {error}")

    def check(self, expected_count: int | None = None) -> None:
        """Fail, naming every failing case; optionally also check how many ran."""
        assert self.count, "no case ran"
        if expected_count is not None:
            assert self.count == expected_count, (self.count, expected_count)
        assert not self.failures, f"{len(self.failures)} of {self.count} cases failed:\n" + (
            "\n".join(self.failures)
        )
