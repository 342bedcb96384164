"""One factory per model. Boring, deterministic and fictional."""

import datetime

import factory
from django.utils import timezone

from patternwork.accounts.models import Membership, Practice, TOTPDevice, User

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


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "clients.Client"

    practice = factory.SubFactory(PracticeFactory)
    therapist = factory.SubFactory(MembershipFactory, practice=factory.SelfAttribute("..practice"))
    client_number = factory.Sequence(lambda n: f"C{n:05d}")
    full_name = factory.Sequence(lambda n: f"Client Person {n}")
    date_of_birth = datetime.date(1990, 5, 17)
    consent_treatment = True


class ReferralFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "clients.Referral"

    practice = factory.SubFactory(PracticeFactory)
    source = "self"
    received_at = factory.LazyFunction(timezone.now)
    full_name = factory.Sequence(lambda n: f"Referred Person {n}")
    email = factory.Sequence(lambda n: f"referred{n}@example.test")
    reason = "Low mood since a change at work; arguments at home."
    consent_to_contact = True
    consent_to_store = True


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "treatment.Course"

    client = factory.SubFactory(ClientFactory)
    practice = factory.SelfAttribute("client.practice")
    therapist = factory.SelfAttribute("client.therapist")


class AppointmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "treatment.Appointment"

    course = factory.SubFactory(CourseFactory)
    practice = factory.SelfAttribute("course.practice")
    therapist = factory.SelfAttribute("course.therapist")
    starts_at = factory.LazyFunction(
        lambda: timezone.now().replace(microsecond=0) - datetime.timedelta(days=1)
    )
    ends_at = factory.LazyAttribute(lambda a: a.starts_at + datetime.timedelta(minutes=50))


class SessionNoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "treatment.SessionNote"

    appointment = factory.SubFactory(AppointmentFactory, status="attended", session_number=1)
    practice = factory.SelfAttribute("appointment.practice")
    course = factory.SelfAttribute("appointment.course")
    author = factory.SelfAttribute("appointment.therapist")
    phase = "initial"
    body = "Talked about the relationship with an older sister."


class ResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "measures.Response"

    appointment = factory.SubFactory(AppointmentFactory, status="attended", session_number=1)
    course = factory.SelfAttribute("appointment.course")
    client = factory.SelfAttribute("course.client")
    practice = factory.SelfAttribute("course.practice")
    instrument = "PHQ-9"
    instrument_version = 1
    completed_at = factory.SelfAttribute("appointment.starts_at")
    answers = factory.LazyFunction(lambda: {f"q{n}": 0 for n in range(1, 9)} | {"q9": 1})
    total = 1
    max_total = 27
    band = "None-minimal"
    caseness = False


class RiskFlagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "measures.RiskFlag"

    response = factory.SubFactory(ResponseFactory)
    course = factory.SelfAttribute("response.course")
    client = factory.SelfAttribute("response.client")
    practice = factory.SelfAttribute("response.practice")
    instrument = "PHQ-9"
    item = "q9"
    item_text = "Thoughts that you would be better off dead, or of hurting yourself in some way"
    value = 1
    value_label = "Several days"
    raised_at = factory.LazyFunction(timezone.now)


class TrackFlagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "measures.TrackFlag"

    response = factory.SubFactory(ResponseFactory, total=18)
    course = factory.SelfAttribute("response.course")
    client = factory.SelfAttribute("response.client")
    practice = factory.SelfAttribute("response.practice")
    session = 2
    score = 18
    first_score = 12
    expected_low = 0
    expected_high = 17
    band = "moderate"
    basis = "rule"
    reason = "deterioration"
    raised_at = factory.LazyFunction(timezone.now)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "formulation.Person"

    client = factory.SubFactory(ClientFactory)
    practice = factory.SelfAttribute("client.practice")
    label = factory.Sequence(lambda n: f"Person {n}")
    relationship = "friend"
    era = "current"


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "formulation.Category"

    practice = factory.SubFactory(PracticeFactory)
    part = "wish"
    label = factory.Sequence(lambda n: f"Category {n}")


class EpisodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "formulation.Episode"

    course = factory.SubFactory(CourseFactory)
    client = factory.SelfAttribute("course.client")
    practice = factory.SelfAttribute("course.practice")
    person = factory.SubFactory(PersonFactory, client=factory.SelfAttribute("..client"))
    logged_by = factory.SelfAttribute("course.therapist")
    when = "current"
    phase = "initial"
    account = "Asked a friend to meet; they cancelled at the last minute."


class IpafVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "formulation.IpafVersion"

    course = factory.SubFactory(CourseFactory)
    practice = factory.SelfAttribute("course.practice")
    author = factory.SelfAttribute("course.therapist")
    number = factory.Sequence(lambda n: n + 1)
    self_representation = "Someone who has to earn their place"
    other_representation = "Others who lose interest"
    linking_affects = "Anxious, then ashamed"
    defensive_function = "Not risking being let down"


class JournalEntryFactory(factory.django.DjangoModelFactory):
    """A client's private journal entry; pass shared_at to make it a shared one."""

    class Meta:
        model = "formulation.JournalEntry"

    course = factory.SubFactory(CourseFactory)
    client = factory.SelfAttribute("course.client")
    practice = factory.SelfAttribute("course.practice")
    written_on = datetime.date(2026, 3, 30)
    prompts = '{"moment": "My sister rang and talked only about herself."}'
    body = "I put the phone down and felt invisible."


class PortalClientFactory(ClientFactory):
    """A client who accepted a portal invitation: an active login under their own email."""

    email = factory.Sequence(lambda n: f"client{n}@example.test")
    contact_by_email = True
    user = factory.SubFactory(
        UserFactory,
        email=factory.SelfAttribute("..email"),
        full_name=factory.SelfAttribute("..full_name"),
    )
    portal_invited_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))


class LetterFactory(factory.django.DjangoModelFactory):
    """A goodbye letter in draft with its first version; pass state/shared_at to share it."""

    class Meta:
        model = "letters.Letter"
        skip_postgeneration_save = True

    course = factory.SubFactory(CourseFactory, state="active")
    practice = factory.SelfAttribute("course.practice")
    client = factory.SelfAttribute("course.client")
    author = factory.SelfAttribute("course.therapist")
    first_version = factory.RelatedFactory(
        "tests.factories.LetterVersionFactory", factory_related_name="letter"
    )


class LetterVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "letters.LetterVersion"

    letter = factory.SubFactory(LetterFactory, first_version=None)
    number = 1
    body = "Dear reader, this is a fictional goodbye letter.\n\nWith best wishes."
    author = factory.SelfAttribute("letter.author")


class CaseloadUploadFactory(factory.django.DjangoModelFactory):
    """A checked caseload upload with no rows and no errors, not yet imported."""

    class Meta:
        model = "interop.CaseloadUpload"

    uploaded_by = factory.SubFactory(MembershipFactory, role=Membership.Role.ADMIN)
    practice = factory.SelfAttribute("uploaded_by.practice")
    filename = "caseload.csv"
    digest = "0" * 64
    content = ""
    result = factory.LazyFunction(
        lambda: {"dry_run": True, "rows": 0, "errors": [], "created": [], "kept": []}
    )


class WaitingEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "treatment.WaitingEntry"

    course = factory.SubFactory(CourseFactory, state="assessment")
    practice = factory.SelfAttribute("course.practice")
    referred_on = datetime.date(2026, 2, 2)


class OfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "treatment.Offer"

    entry = factory.SubFactory(WaitingEntryFactory)
    practice = factory.SelfAttribute("entry.practice")
    therapist = factory.SelfAttribute("entry.course.therapist")
    made_by = factory.SelfAttribute("entry.course.therapist")
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(weeks=3))
    respond_by = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))


class DecisionLetterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "letters.DecisionLetter"

    course = factory.SubFactory(CourseFactory, state="assessment")
    practice = factory.SelfAttribute("course.practice")
    client = factory.SelfAttribute("course.client")
    author = factory.SelfAttribute("course.therapist")
    state = "shared"
    shared_at = factory.LazyFunction(timezone.now)
    body = "Thank you for meeting me.\n\nA fictional service may help."
