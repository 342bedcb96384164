"""The one-action form that turns a client's shared journal entry into an episode."""

from django import forms
from django.utils.translation import gettext_lazy as _

from patternwork.clinic.forms.formulation import THERAPIST
from patternwork.formulation.models import Episode, Person

NO_OTHER = _("Choose who it was with: someone on the client's map, or the therapist.")
NEW_PERSON = "new"
NEW_PERSON_NEEDS_NAME = _("Give the new person a name or label and their relationship.")


class EpisodeFromEntryForm(forms.Form):
    """Who the episode was with and when; the rest comes from the entry."""

    other = forms.ChoiceField(label=_("With whom"), error_messages={"required": NO_OTHER})
    when = forms.ChoiceField(
        label=_("When it happened"), choices=Episode.When.choices, initial=Episode.When.CURRENT
    )

    # Someone the entry is about who is not on the map yet: added in the same step.
    new_label = forms.CharField(
        label=_("New person: name or label"), max_length=100, required=False
    )
    new_relationship = forms.CharField(
        label=_("New person: relationship"), max_length=60, required=False
    )
    new_era = forms.ChoiceField(
        label=_("New person: from which time of life"),
        choices=Person.Era.choices,
        initial=Person.Era.CURRENT,
        required=False,
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {str(p.public_id): p for p in people}
        self.fields["other"].choices = [
            ("", _("Choose…")),
            (THERAPIST, _("The therapist")),
            *[(key, f"{p.label} ({p.relationship})") for key, p in self.people.items()],
            (NEW_PERSON, _("Someone not on the map yet (add them below)")),
        ]

    def clean(self):
        data = super().clean()
        if data.get("other") == NEW_PERSON:
            data["new_label"] = (data.get("new_label") or "").strip()
            data["new_relationship"] = (data.get("new_relationship") or "").strip()
            if not (data["new_label"] and data["new_relationship"]):
                self.add_error("new_label", NEW_PERSON_NEEDS_NAME)
        return data

    def new_person(self) -> dict | None:
        """The person to add to the map with the episode, if the clinician named one."""
        if self.cleaned_data["other"] != NEW_PERSON:
            return None
        return {
            "label": self.cleaned_data["new_label"],
            "relationship": self.cleaned_data["new_relationship"],
            "era": self.cleaned_data.get("new_era") or Person.Era.CURRENT,
        }

    def person(self):
        key = self.cleaned_data["other"]
        return None if key == THERAPIST else self.people.get(key)

    def with_therapist(self) -> bool:
        return self.cleaned_data["other"] == THERAPIST
