"""The one-action form that turns a client's shared journal entry into an episode."""

from django import forms
from django.utils.translation import gettext_lazy as _

from patternwork.clinic.forms.formulation import THERAPIST
from patternwork.formulation.models import Episode

NO_OTHER = _("Choose who it was with: someone on the client's map, or the therapist.")


class EpisodeFromEntryForm(forms.Form):
    """Who the episode was with and when; the rest comes from the entry."""

    other = forms.ChoiceField(label=_("With whom"), error_messages={"required": NO_OTHER})
    when = forms.ChoiceField(
        label=_("When it happened"), choices=Episode.When.choices, initial=Episode.When.CURRENT
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {str(p.public_id): p for p in people}
        self.fields["other"].choices = [
            ("", _("Choose…")),
            (THERAPIST, _("The therapist")),
            *[(key, f"{p.label} ({p.relationship})") for key, p in self.people.items()],
        ]

    def person(self):
        key = self.cleaned_data["other"]
        return None if key == THERAPIST else self.people.get(key)

    def with_therapist(self) -> bool:
        return self.cleaned_data["other"] == THERAPIST
