"""A test client that takes the middleware chain already built, where one is kept.

Used by the `client` fixture (tests/conftest.py) and the route matrices' fresh clients
(tests/matrix.py), so that both keep the one chain.
"""

from django.core.signals import setting_changed
from django.test import Client
from django.test.client import ClientHandler

# The middleware chain a test client builds on its first request, from the settings of that
# moment. Django builds it for every new client, so nearly once a test: the middleware
# imported, instantiated (WhiteNoise scans the static files) and wrapped anew each time.
# The chain is the same until a setting changes (override_settings and pytest-django's
# `settings` fixture both announce every change), so it is kept until then and a client
# built after a change builds its own, as before.
_kept_chain: list = []


def _forget_kept_chain(**kwargs) -> None:
    _kept_chain.clear()


setting_changed.connect(_forget_kept_chain)


class KeptChainHandler(ClientHandler):
    def load_middleware(self, is_async=False):
        if not is_async and _kept_chain:
            (
                self._view_middleware,
                self._template_response_middleware,
                self._exception_middleware,
                self._middleware_chain,
            ) = _kept_chain
            return
        super().load_middleware(is_async)
        if not is_async:
            _kept_chain[:] = [
                self._view_middleware,
                self._template_response_middleware,
                self._exception_middleware,
                self._middleware_chain,
            ]


class KeptChainClient(Client):
    """Django's test client, taking the kept middleware chain where there is one."""

    def __init__(self, enforce_csrf_checks=False, **defaults):
        super().__init__(enforce_csrf_checks, **defaults)
        self.handler = KeptChainHandler(enforce_csrf_checks)
