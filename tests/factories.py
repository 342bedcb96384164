"""One factory per model. Boring, deterministic and fictional."""

import factory
from django_otp.plugins.otp_totp.models import TOTPDevice

from patternwork.accounts.models import Membership, Practice, User

TEST_PASSWORD = "correct-horse-battery-staple-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    full_name = factory.Sequence(lambda n: f"Test Person {n}")
    password = factory.django.Password(TEST_PASSWORD)


class PracticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Practice

    name = factory.Sequence(lambda n: f"Practice {n}")
    slug = factory.Sequence(lambda n: f"practice-{n}")
    address = "1 Example Street\nTesttown\nTT1 1TT"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    practice = factory.SubFactory(PracticeFactory)
    role = Membership.Role.THERAPIST


class TOTPDeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(UserFactory)
    name = "Test authenticator"
    confirmed = True
    key = factory.Sequence(lambda n: f"{n:040x}")
