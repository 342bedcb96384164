"""The staff login's defences: who may reach its steps, throttling, idle sessions."""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from patternwork.audit.models import AuditEvent
from tests.factories import PortalClientFactory

SETUP = reverse("clinic:otp-setup")
VERIFY = reverse("clinic:otp-verify")


@pytest.mark.parametrize("url", [SETUP, VERIFY])
def test_staff_second_factor_pages_are_not_found_for_a_client_login(client, therapist, url):
    person = PortalClientFactory(practice=therapist.practice, therapist=therapist)
    client.force_login(person.user)

    page = client.get(url)
    posted = client.post(url, {"token": "123456"})

    assert (page.status_code, posted.status_code) == (404, 404)
    assert not TOTPDevice.objects.filter(user=person.user).exists()
    assert AuditEvent.objects.filter(actor=person.user, action="access.denied").count() == 2
