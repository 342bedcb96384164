from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patternwork.accounts.access import Scope
from patternwork.core.crypto import EncryptedTextField
from patternwork.core.models import BaseModel
from patternwork.formulation.patterns import Era, Part, Valence, When


class Person(BaseModel):
    """Someone who matters to the client: a place on their relationship map."""

    class Era(models.TextChoices):
        CHILDHOOD = Era.CHILDHOOD.value, _("Childhood")
        ADOLESCENCE = Era.ADOLESCENCE.value, _("Adolescence")
        ADULT_PAST = Era.ADULT_PAST.value, _("Adult life, past")
        CURRENT = Era.CURRENT.value, _("Current")

    class Contact(models.TextChoices):
        IN_CONTACT = "in_contact", _("Alive, in contact")
        NO_CONTACT = "no_contact", _("Alive, no contact")
        DIED = "died", _("Died")
        UNKNOWN = "unknown", _("Not known")

    practice = models.ForeignKey("accounts.Practice", on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="relationship_people"
    )
    label = models.CharField(_("name or label"), max_length=100)
    relationship = models.CharField(_("relationship"), max_length=60)
    era = models.CharField(_("era"), max_length=20, choices=Era.choices)
    contact = models.CharField(
        _("alive / contact"), max_length=20, choices=Contact.choices, default=Contact.IN_CONTACT
    )
    closeness = models.PositiveSmallIntegerField(_("closeness (1-5)"), default=3)
    conflict = models.PositiveSmallIntegerField(_("conflict (1-5)"), default=1)
    notes = EncryptedTextField(_("notes"), blank=True)
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)

    access_scope = Scope(
        therapist="client__therapist_id", client="client", clinical=True, kind="relationship map"
    )

    class Meta:
        ordering = ["label", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closeness__gte=1, closeness__lte=5), name="person_closeness_1_5"
            ),
            models.CheckConstraint(
                condition=models.Q(conflict__gte=1, conflict__lte=5), name="person_conflict_1_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.relationship})"


class Category(BaseModel):
    """A category of a practice's set for one part of an episode (wish, RO or RS)."""

    class Part(models.TextChoices):
        WISH = Part.WISH.value, _("What the client wanted")
        RO = Part.RO.value, _("How the other responded")
        RS = Part.RS.value, _("How the client responded")

    practice = models.ForeignKey(
        "accounts.Practice", on_delete=models.PROTECT, related_name="pattern_categories"
    )
    part = models.CharField(max_length=10, choices=Part.choices)
    label = models.CharField(_("label"), max_length=100)
    keywords = models.TextField(
        _("keywords"),
        blank=True,
        help_text=_("Words that suggest this category as the therapist types, one per line."),
    )
    default_key = models.CharField(max_length=40, blank=True, editable=False)
    position = models.PositiveSmallIntegerField(default=0)
    retired_at = models.DateTimeField(null=True, blank=True)

    access_scope = Scope(therapist="", client=None, clinical=False, kind="category")

    class Meta:
        ordering = ["part", "position", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "part", "label"], name="category_label_unique_per_part"
            )
        ]

    def __str__(self) -> str:
        return self.label


class CategorySetChange(models.Model):
    """A practice's default category set reaching a version, and what that did to codes.

    Written when a practice gets the default set and by the data migration that upgrades
    it; `report` lists the codes that moved, the ones left for a clinician to review and
    the wording that changed, for the admin to read. Never edited.
    """

    practice = models.ForeignKey(
        "accounts.Practice", on_delete=models.PROTECT, related_name="category_set_changes"
    )
    version = models.PositiveSmallIntegerField()
    report = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["practice", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "version"], name="category_set_version_once"
            )
        ]

    def __str__(self) -> str:
        return f"Category set version {self.version}"


class Episode(BaseModel):
    """A relationship episode: a specific interaction, in three parts (CCRT-style)."""

    class When(models.TextChoices):
        CHILDHOOD = When.CHILDHOOD.value, _("In childhood")
        PAST = When.PAST.value, _("In the past")
        CURRENT = When.CURRENT.value, _("Currently")
        IN_SESSION = When.IN_SESSION.value, _("In the session")

    class Valence(models.TextChoices):
        POSITIVE = Valence.POSITIVE.value, _("Positive")
        NEGATIVE = Valence.NEGATIVE.value, _("Negative")

    practice = models.ForeignKey("accounts.Practice", on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="episodes")
    course = models.ForeignKey(
        "treatment.Course", on_delete=models.PROTECT, related_name="episodes"
    )
    appointment = models.ForeignKey(
        "treatment.Appointment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="episodes",
    )
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="episodes"
    )
    with_therapist = models.BooleanField(_("with the therapist"), default=False)
    when = models.CharField(_("when it happened"), max_length=20, choices=When.choices)
    phase = models.CharField(max_length=20, blank=True, editable=False)
    account = EncryptedTextField(_("what happened"))
    wish_text = EncryptedTextField(_("what the client wanted"), blank=True)
    ro_text = EncryptedTextField(_("how the other responded"), blank=True)
    rs_text = EncryptedTextField(_("how the client responded (feelings and actions)"), blank=True)
    wish_valence = models.CharField(max_length=10, choices=Valence.choices, blank=True)
    ro_valence = models.CharField(max_length=10, choices=Valence.choices, blank=True)
    rs_valence = models.CharField(max_length=10, choices=Valence.choices, blank=True)
    categories = models.ManyToManyField(Category, through="EpisodeCategory", related_name="+")
    showed_in_session = models.BooleanField(
        _("the pattern also showed in the session"), null=True, blank=True
    )
    logged_by = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+")
    journal_entry = models.OneToOneField(
        "formulation.JournalEntry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="episode",
        editable=False,
    )
    occurred_on = models.DateField(_("date (if known)"), null=True, blank=True)

    access_scope = Scope(
        therapist="course__therapist_id",
        client="client",
        clinical=True,
        kind="relationship episode",
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~(models.Q(with_therapist=True) & models.Q(person__isnull=False)),
                name="episode_other_is_person_or_therapist",
            ),
            models.CheckConstraint(
                condition=models.Q(with_therapist=True) | models.Q(person__isnull=False),
                name="episode_has_an_other",
            ),
        ]
        indexes = [models.Index(fields=["client", "created_at"], name="episode_client_time")]

    def __str__(self) -> str:
        return f"Episode {self.public_id}"


class EpisodeCategory(models.Model):
    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="codes")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="codes")
    part = models.CharField(max_length=10, choices=Category.Part.choices)
    # Where the ranker had placed this category when the therapist saved the code: shown
    # among the top suggestions or not, its rank in the whole ordering, and the ranker
    # version. Blank when no ranking was shown (typed without suggestions, or older codes).
    suggested = models.BooleanField(default=False, editable=False)
    suggested_rank = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    ranker_version = models.CharField(max_length=80, blank=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["episode", "category"], name="one_code_per_category")
        ]

    def __str__(self) -> str:
        return f"{self.part}: {self.category_id}"


class CodedFragment(models.Model):
    """One part of an episode as its therapist coded it: the practice's confirmed example.

    The ranker learns the practice's wording from these. The text is encrypted like the
    episode it comes from, never leaves the instance, and goes with the episode. Written
    only by `services.refresh_coded_fragments`.
    """

    practice = models.ForeignKey("accounts.Practice", on_delete=models.PROTECT, related_name="+")
    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="fragments")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="fragments")
    part = models.CharField(max_length=10, choices=Category.Part.choices)
    text = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    access_scope = Scope(
        therapist="episode__course__therapist_id",
        client="episode__client",
        clinical=True,
        kind="coded fragment",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["episode", "category"], name="one_fragment_per_code")
        ]
        indexes = [
            models.Index(fields=["practice", "part", "-created_at"], name="fragment_part_recent")
        ]

    def __str__(self) -> str:
        return f"{self.part} fragment: {self.category_id}"


class AgreedVia(models.TextChoices):
    SESSION = "session", _("recorded by the therapist in a session")
    PORTAL = "portal", _("by the client on the portal")


class IpafVersion(BaseModel):
    """One saved version of a course's Interpersonal Affective Focus.

    Its text is never edited; sharing it with the client and their agreement are
    recorded on it.
    """

    practice = models.ForeignKey("accounts.Practice", on_delete=models.PROTECT, related_name="+")
    course = models.ForeignKey(
        "treatment.Course", on_delete=models.PROTECT, related_name="ipaf_versions"
    )
    number = models.PositiveSmallIntegerField(editable=False)
    self_representation = EncryptedTextField(_("how the client sees themselves"))
    other_representation = EncryptedTextField(_("how they see the other"))
    linking_affects = EncryptedTextField(_("the feeling(s) linking them"))
    defensive_function = EncryptedTextField(_("what the pattern protects against"))
    transference = EncryptedTextField(_("how it may show with the therapist"), blank=True)
    author = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+")
    agreed_on = models.DateField(_("agreed with the client on"), null=True, blank=True)
    agreed_recorded_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Who agreed and how: the therapist recording it in a session, or the client on the
    # portal. `agreed_by` is the user who pressed the button (the client on the portal).
    agreed_via = models.CharField(max_length=10, choices=AgreedVia.choices, blank=True)
    agreed_at = models.DateTimeField(null=True, blank=True, editable=False)
    agreed_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    shared_at = models.DateTimeField(null=True, blank=True, editable=False)
    shared_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    supporting_episodes = models.ManyToManyField(Episode, blank=True, related_name="ipaf_versions")

    access_scope = Scope(
        therapist="course__therapist_id", client="course__client", clinical=True, kind="IPAF"
    )

    class Meta:
        ordering = ["course", "number"]
        constraints = [
            models.UniqueConstraint(fields=["course", "number"], name="ipaf_version_number_unique")
        ]

    def __str__(self) -> str:
        return f"IPAF version {self.number}"


class IpafReply(BaseModel):
    """The client's answer, in their own words, to an IPAF version shared with them."""

    class Fit(models.TextChoices):
        FITS = "fits", _("This fits")
        PARTLY = "partly", _("Part of this doesn't fit")
        NOT = "not", _("This doesn't fit")

    practice = models.ForeignKey("accounts.Practice", on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey(IpafVersion, on_delete=models.PROTECT, related_name="replies")
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="+")
    fit = models.CharField(_("how it fits"), max_length=10, choices=Fit.choices)
    body = EncryptedTextField(_("in your own words"), blank=True)

    access_scope = Scope(
        therapist="version__course__therapist_id",
        client="client",
        clinical=True,
        kind="IPAF reply",
    )

    class Meta:
        ordering = ["version", "created_at", "id"]

    def __str__(self) -> str:
        return f"Reply to {self.version}"


class JournalEntry(BaseModel):
    """A client's between-session reflection. Private unless the client shares it."""

    practice = models.ForeignKey("accounts.Practice", on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="journal_entries"
    )
    course = models.ForeignKey(
        "treatment.Course", on_delete=models.PROTECT, related_name="journal_entries"
    )
    written_on = models.DateField(_("date"))
    prompts = EncryptedTextField(default="{}", editable=False)
    body = EncryptedTextField(_("entry"), blank=True)
    shared_at = models.DateTimeField(null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    access_scope = Scope(
        therapist="course__therapist_id", client="client", clinical=True, kind="journal entry"
    )

    class Meta:
        ordering = ["-written_on", "-id"]
        indexes = [
            models.Index(fields=["client", "written_on"], name="journal_client_date"),
            models.Index(fields=["course", "shared_at"], name="journal_course_shared"),
        ]

    def __str__(self) -> str:
        return f"Journal entry of {self.written_on}"

    @property
    def is_shared(self) -> bool:
        return self.shared_at is not None
