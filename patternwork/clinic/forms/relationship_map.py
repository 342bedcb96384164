from django import forms
from django.utils.translation import gettext_lazy as _

from patternwork.clients.models import Client
from patternwork.core import fast_widgets
from patternwork.formulation.models import Person

MAP_READ_ONLY = _(
    "This client's record is closed, so their relationship map can be read but not changed."
)
CLOSENESS_CHOICES = [
    (5, _("5: very close")),
    (4, _("4: close")),
    (3, _("3: somewhat close")),
    (2, _("2: distant")),
    (1, _("1: very distant")),
]
CONFLICT_CHOICES = [
    (1, _("1: none or hardly any")),
    (2, _("2: a little")),
    (3, _("3: some")),
    (4, _("4: a lot")),
    (5, _("5: severe")),
]
# Offered as the therapist types; any other word is accepted.
RELATIONSHIP_SUGGESTIONS = (
    _("mother"),
    _("father"),
    _("stepmother"),
    _("stepfather"),
    _("sister"),
    _("brother"),
    _("grandmother"),
    _("grandfather"),
    _("aunt"),
    _("uncle"),
    _("partner"),
    _("ex-partner"),
    _("husband"),
    _("wife"),
    _("daughter"),
    _("son"),
    _("friend"),
    _("best friend"),
    _("teacher"),
    _("manager"),
    _("colleague"),
    _("neighbour"),
    _("carer"),
)


def map_is_editable(client: Client) -> bool:
    """The map can be changed in any phase and after the course, while the record is active."""
    return client.status == Client.Status.ACTIVE


class PersonForm(forms.Form):
    """Someone on the relationship map. The service validates against the model again."""

    label = forms.CharField(
        label=_("Name or label"),
        max_length=100,
        help_text=_("As the client speaks of them, e.g. “Mum” or “Sam (partner)”."),
    )
    relationship = forms.CharField(
        label=_("Relationship to the client"),
        max_length=60,
        widget=forms.TextInput(attrs={"list": "relationship-suggestions"}),
    )
    era = forms.ChoiceField(
        label=_("Era"),
        choices=[("", _("Choose…")), *Person.Era.choices],
        help_text=_("The time of the client's life this relationship belongs to."),
    )
    contact = forms.ChoiceField(
        label=_("Alive / contact"), choices=Person.Contact.choices, initial="in_contact"
    )
    closeness = forms.TypedChoiceField(
        label=_("Closeness"), choices=CLOSENESS_CHOICES, coerce=int, initial=3
    )
    conflict = forms.TypedChoiceField(
        label=_("Conflict"), choices=CONFLICT_CHOICES, coerce=int, initial=1
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Stored encrypted; never written to the audit log."),
    )
    # When the person was last saved, as the editor loaded them: a later save by someone
    # else means this form would overwrite it.
    loaded = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, client: Client, **kwargs):
        super().__init__(*args, **kwargs)
        self.client = client
        fast_widgets.speed_up(self)

    def clean(self):
        cleaned = super().clean()
        if not map_is_editable(self.client):
            raise forms.ValidationError(MAP_READ_ONLY, code="read_only")
        return cleaned


def person_initial(person: Person) -> dict:
    return {
        "label": person.label,
        "relationship": person.relationship,
        "era": person.era,
        "contact": person.contact,
        "closeness": person.closeness,
        "conflict": person.conflict,
        "notes": person.notes,
        "loaded": loaded_stamp(person),
    }


def loaded_stamp(person: Person) -> str:
    return person.updated_at.isoformat()
