import datetime as dt

import pytest

from tests.factories import ClientFactory


@pytest.fixture
def robin(therapist):
    """A client of the therapist with an email address and consent to email, no portal login."""
    return ClientFactory(
        practice=therapist.practice,
        therapist=therapist,
        full_name="Robin Example",
        preferred_name="Rob",
        date_of_birth=dt.date(1995, 2, 14),
        email="Robin.Example@Example.test",
        phone="07700 900456",
        address="4 Sample Row\nTesttown\nTT2 2TT",
        contact_by_email=True,
    )
