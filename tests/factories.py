"""One factory per model. Boring, deterministic and fictional."""

import datetime

import factory
from django.contrib.auth import password_validation
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import router, transaction
from django.db.models import Model
from django.db.models.expressions import DatabaseDefault
from django.db.models.signals import post_save, pre_save
from django.utils import timezone

from patternwork.accounts.models import Membership, Practice, TOTPDevice, User
from patternwork.core.prepared import PreparedInsert

TEST_PASSWORD = "correct-horse-battery-staple-42"

# Saves the factories may take the lean way: the model's own, or the user model's (which
# adds only the password-changed hook, run below as it runs it).
_PLAIN_SAVES = (Model.save, AbstractBaseUser.save)
_inserts: dict[type, tuple[PreparedInsert, tuple[str, ...]] | None] = {}


def _insert_for(model) -> tuple[PreparedInsert, tuple[str, ...]] | None:
    """The model's compiled INSERT and the attributes of its columns with a database
    default; None where its save() does more than one INSERT of its own row (a parent
    table, an ordered relation, a save of its own)."""
    if model not in _inserts:
        meta = model._meta
        plain = (
            model.save in _PLAIN_SAVES
            and model.save_base is Model.save_base
            and not meta.parents
            and not meta.order_with_respect_to
            and not any(field.generated for field in meta.concrete_fields)
        )
        defaulted = tuple(f.attname for f in meta.concrete_fields if f.has_db_default())
        _inserts[model] = (PreparedInsert(model), defaulted) if plain else None
    return _inserts[model]


def insert(model, using: str, values: dict) -> Model:
    """`model.objects.create(**values)`, as `save()` does it for a new row: the instance
    built by the model, pre_save and post_save sent, each column prepared by its own field
    (encryption, `auto_now_add`, defaults and public ids as `save()` has them), one INSERT
    that returns the key, a failure marking the transaction for rollback. The SQL is
    written once per model rather than compiled for every row: building data is most of
    what a test's set-up costs."""
    obj = model(**values)
    found = _insert_for(model)
    if found is None or any(
        isinstance(getattr(obj, attname), DatabaseDefault) for attname in found[1]
    ):
        # A column left to the database's default is read back by save(); this does not.
        obj.save(force_insert=True, using=using)
        return obj
    pre_save.send(sender=model, instance=obj, raw=False, using=using, update_fields=None)
    with transaction.mark_for_rollback_on_error(using):
        found[0]([obj], using=using)
    post_save.send(
        sender=model, instance=obj, created=True, update_fields=None, raw=False, using=using
    )
    if getattr(obj, "_password", None) is not None:
        password_validation.password_changed(obj._password, obj)
        obj._password = None
    return obj


class LeanFactory(factory.django.DjangoModelFactory):
    """A model factory whose creates go through `insert`."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        if args or cls._meta.django_get_or_create:
            return super()._create(model_class, *args, **kwargs)
        using = cls._get_manager(model_class)._db or router.db_for_write(model_class)
        return insert(model_class, using, kwargs)


class UserFactory(LeanFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    full_name = factory.Sequence(lambda n: f"Test Person {n}")
    password = factory.django.Password(TEST_PASSWORD)


class PracticeFactory(LeanFactory):
    class Meta:
        model = Practice

    name = factory.Sequence(lambda n: f"Practice {n}")
    slug = factory.Sequence(lambda n: f"practice-{n}")
    address = "1 Example Street\nTesttown\nTT1 1TT"


class MembershipFactory(LeanFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    practice = factory.SubFactory(PracticeFactory)
    role = Membership.Role.THERAPIST


class TOTPDeviceFactory(LeanFactory):
    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(UserFactory)
    name = "Test authenticator"
    confirmed = True
    key = factory.Sequence(lambda n: f"{n:040x}")


class ClientFactory(LeanFactory):
    class Meta:
        model = "clients.Client"

    practice = factory.SubFactory(PracticeFactory)
    therapist = factory.SubFactory(MembershipFactory, practice=factory.SelfAttribute("..practice"))
    client_number = factory.Sequence(lambda n: f"C{n:05d}")
    full_name = factory.Sequence(lambda n: f"Client Person {n}")
    date_of_birth = datetime.date(1990, 5, 17)
    consent_treatment = True


class ReferralFactory(LeanFactory):
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


class CourseFactory(LeanFactory):
    class Meta:
        model = "treatment.Course"

    client = factory.SubFactory(ClientFactory)
    practice = factory.SelfAttribute("client.practice")
    therapist = factory.SelfAttribute("client.therapist")


class AppointmentFactory(LeanFactory):
    class Meta:
        model = "treatment.Appointment"

    course = factory.SubFactory(CourseFactory)
    practice = factory.SelfAttribute("course.practice")
    therapist = factory.SelfAttribute("course.therapist")
    starts_at = factory.LazyFunction(
        lambda: timezone.now().replace(microsecond=0) - datetime.timedelta(days=1)
    )
    ends_at = factory.LazyAttribute(lambda a: a.starts_at + datetime.timedelta(minutes=50))


class SessionNoteFactory(LeanFactory):
    class Meta:
        model = "treatment.SessionNote"

    appointment = factory.SubFactory(AppointmentFactory, status="attended", session_number=1)
    practice = factory.SelfAttribute("appointment.practice")
    course = factory.SelfAttribute("appointment.course")
    author = factory.SelfAttribute("appointment.therapist")
    phase = "initial"
    body = "Talked about the relationship with an older sister."


class ResponseFactory(LeanFactory):
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


class RiskFlagFactory(LeanFactory):
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


class TrackFlagFactory(LeanFactory):
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


class PersonFactory(LeanFactory):
    class Meta:
        model = "formulation.Person"

    client = factory.SubFactory(ClientFactory)
    practice = factory.SelfAttribute("client.practice")
    label = factory.Sequence(lambda n: f"Person {n}")
    relationship = "friend"
    era = "current"


class CategoryFactory(LeanFactory):
    class Meta:
        model = "formulation.Category"

    practice = factory.SubFactory(PracticeFactory)
    part = "wish"
    label = factory.Sequence(lambda n: f"Category {n}")


class EpisodeFactory(LeanFactory):
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


class IpafVersionFactory(LeanFactory):
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


class JournalEntryFactory(LeanFactory):
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


class LetterFactory(LeanFactory):
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


class LetterVersionFactory(LeanFactory):
    class Meta:
        model = "letters.LetterVersion"

    letter = factory.SubFactory(LetterFactory, first_version=None)
    number = 1
    body = "Dear reader, this is a fictional goodbye letter.\n\nWith best wishes."
    author = factory.SelfAttribute("letter.author")


class CaseloadUploadFactory(LeanFactory):
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


class WaitingEntryFactory(LeanFactory):
    class Meta:
        model = "treatment.WaitingEntry"

    course = factory.SubFactory(CourseFactory, state="assessment")
    practice = factory.SelfAttribute("course.practice")
    referred_on = datetime.date(2026, 2, 2)


class OfferFactory(LeanFactory):
    class Meta:
        model = "treatment.Offer"

    entry = factory.SubFactory(WaitingEntryFactory)
    practice = factory.SelfAttribute("entry.practice")
    therapist = factory.SelfAttribute("entry.course.therapist")
    made_by = factory.SelfAttribute("entry.course.therapist")
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(weeks=3))
    respond_by = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))


class DecisionLetterFactory(LeanFactory):
    class Meta:
        model = "letters.DecisionLetter"

    course = factory.SubFactory(CourseFactory, state="assessment")
    practice = factory.SelfAttribute("course.practice")
    client = factory.SelfAttribute("course.client")
    author = factory.SelfAttribute("course.therapist")
    state = "shared"
    shared_at = factory.LazyFunction(timezone.now)
    body = "Thank you for meeting me.\n\nA fictional service may help."
