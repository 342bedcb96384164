from django import forms
from django.utils.translation import gettext_lazy as _

from patternwork.core import fast_widgets
from patternwork.core.forms import ModelMultipleChoiceField
from patternwork.formulation.models import Category, Episode, IpafVersion
from patternwork.formulation.selectors import IPAF_EPISODE_CHOICES
from patternwork.formulation.suggestions import read_shown

THERAPIST = "therapist"
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PARTS = (
    ("wish", _("What the client wanted")),
    ("ro", _("How the other responded")),
    ("rs", _("How the client responded (feelings and actions)")),
)


class CategoryChoice(ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.label} ({_('retired')})" if obj.retired_at else obj.label


class EpisodeForm(forms.ModelForm):
    """A relationship episode in three parts; categories are optional and never automatic."""

    other = forms.ChoiceField(label=_("With whom"))

    class Meta:
        model = Episode
        fields = (
            "when",
            "occurred_on",
            "account",
            "wish_text",
            "wish_valence",
            "ro_text",
            "ro_valence",
            "rs_text",
            "rs_valence",
            "showed_in_session",
        )
        widgets = {
            "account": forms.Textarea(attrs={"rows": 3}),
            "wish_text": forms.Textarea(attrs={"rows": 2}),
            "ro_text": forms.Textarea(attrs={"rows": 2}),
            "rs_text": forms.Textarea(attrs={"rows": 2}),
            "occurred_on": DATE_INPUT,
            "showed_in_session": forms.NullBooleanSelect,
        }

    def __init__(self, *args, people, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {str(p.public_id): p for p in people}
        self.fields["other"].choices = [
            ("", _("Choose…")),
            (THERAPIST, _("The therapist (in the session)")),
            *[(key, f"{p.label} ({p.relationship})") for key, p in self.people.items()],
        ]
        episode = self.instance if self.instance.pk else None
        if episode is not None:
            self.initial.setdefault(
                "other", THERAPIST if episode.with_therapist else str(episode.person.public_id)
            )
        for value in ("wish_valence", "ro_valence", "rs_valence"):
            self.fields[value].label = _("Positive or negative")
        self.fields["showed_in_session"].label = _("Did the pattern also show in the session?")
        chosen = {}
        if episode is not None:
            for code in episode.codes.all():
                chosen.setdefault(code.part, []).append(code.category)
        for part, label in PARTS:
            available = [c for c in categories if c.part == part]
            extra = [c for c in chosen.get(part, []) if c not in available]
            field = CategoryChoice(
                label=_("Categories: %(part)s") % {"part": label},
                queryset=None,
                required=False,
                to_field_name="public_id",
                widget=forms.CheckboxSelectMultiple,
            )
            ids = [c.pk for c in [*available, *extra]]
            field.queryset = Category.objects.filter(pk__in=ids).order_by("position", "label")
            self.fields[f"{part}_categories"] = field
            if episode is not None:
                self.initial.setdefault(
                    f"{part}_categories", [c.public_id for c in chosen.get(part, [])]
                )
        self.order_fields(
            [
                "other",
                "when",
                "occurred_on",
                "account",
                "wish_text",
                "wish_categories",
                "wish_valence",
                "ro_text",
                "ro_categories",
                "ro_valence",
                "rs_text",
                "rs_categories",
                "rs_valence",
                "showed_in_session",
            ]
        )

    def person(self):
        key = self.cleaned_data["other"]
        return None if key == THERAPIST else self.people.get(key)

    def with_therapist(self) -> bool:
        return self.cleaned_data["other"] == THERAPIST

    def categories(self) -> dict:
        return {part: list(self.cleaned_data.get(f"{part}_categories") or []) for part, _ in PARTS}

    def data_for_service(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}

    def shown(self) -> dict:
        """The ranking each part's suggestion panel last showed, from its signed field.

        The panel puts `<part>_shown` into the form; a missing or altered value means no
        suggestion is recorded for that part, never an error.
        """
        found = {}
        for part, _label in PARTS:
            shown = read_shown(self.data.get(f"{part}_shown"))
            if shown is not None:
                found[part] = shown
        return found


class IpafForm(forms.ModelForm):
    class Meta:
        model = IpafVersion
        fields = (
            "self_representation",
            "other_representation",
            "linking_affects",
            "defensive_function",
            "transference",
        )
        widgets = {field: forms.Textarea(attrs={"rows": 2}) for field in fields}

    episodes = forms.MultipleChoiceField(
        label=_("Episodes that support it"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, episodes=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Up to IPAF_EPISODE_CHOICES and more checkboxes: written without templates.
        fast_widgets.speed_up(self)
        self.episode_map = {str(e.public_id): e for e in episodes}
        self.fields["episodes"].choices = [
            (key, f"{e.created_at:%d %b}: {e.account[:70]}") for key, e in self.episode_map.items()
        ]
        if len(self.episode_map) >= IPAF_EPISODE_CHOICES:
            self.fields["episodes"].help_text = _(
                "The %(count)s most recent episodes of this course, and any the latest "
                "version cites."
            ) % {"count": IPAF_EPISODE_CHOICES}
        # Only an episode still offered can start ticked: evidence that has since left
        # this course's record is not carried into a new version.
        if "episodes" in self.initial:
            self.initial["episodes"] = [
                key for key in self.initial["episodes"] if key in self.episode_map
            ]

    def supporting(self):
        return [self.episode_map[key] for key in self.cleaned_data.get("episodes", [])]


class AgreeForm(forms.Form):
    agreed_on = forms.DateField(label=_("Agreed with the client on"), widget=DATE_INPUT)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fast_widgets.speed_up(self)
