import socket

import pytest
from aiosmtpd.controller import Controller

from tests.factories import ClientFactory, CourseFactory


class Inbox:
    """A real SMTP server's handler: keeps what it accepts, or refuses when told to."""

    def __init__(self):
        self.envelopes = []
        self.refuse = False

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "554 Transaction failed: refused for the test"
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    @property
    def texts(self):
        return [envelope.content.decode() for envelope in self.envelopes]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(settings):
    """A local SMTP server (aiosmtpd) on a free port, with Django's SMTP backend pointed at it."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    inbox.controller = controller
    yield inbox
    controller.stop()


@pytest.fixture
def reminded_course(therapist):
    """A course whose client agreed to email contact, not yet started."""
    client = ClientFactory(
        practice=therapist.practice,
        therapist=therapist,
        full_name="Jo Bloggs",
        preferred_name="Jo",
        email="jo.bloggs@example.test",
        contact_by_email=True,
    )
    return CourseFactory(client=client)
