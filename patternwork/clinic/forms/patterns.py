from django import forms
from django.utils.translation import gettext_lazy as _

from patternwork.formulation.keywords import parse_keywords
from patternwork.formulation.models import Category

MAX_KEYWORDS = 40
MAX_KEYWORD_CHARS = 60
MAX_KEYWORDS_TEXT = 2000
# As long as the episode form's part textareas allow; it bounds one request's regex work.
MAX_SUGGEST_TEXT = 5000

TOO_MANY_KEYWORDS = _("Keep to %(max)s keywords at most (there are %(count)s).")
KEYWORD_TOO_LONG = _("Each keyword can be at most %(max)s characters: “%(word)s…” is longer.")


class CategoryForm(forms.Form):
    """Rename a category or change its keywords."""

    label = forms.CharField(label=_("Label"), max_length=100)
    keywords = forms.CharField(
        label=_("Keywords"),
        required=False,
        max_length=MAX_KEYWORDS_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Words that suggest this category as the therapist types, one per line or "
            "separated by commas. A suggestion is never ticked without a click."
        ),
    )

    def clean_keywords(self) -> str:
        words = parse_keywords(self.cleaned_data["keywords"])
        if len(words) > MAX_KEYWORDS:
            raise forms.ValidationError(
                TOO_MANY_KEYWORDS, params={"max": MAX_KEYWORDS, "count": len(words)}
            )
        for word in words:
            if len(word) > MAX_KEYWORD_CHARS:
                raise forms.ValidationError(
                    KEYWORD_TOO_LONG, params={"max": MAX_KEYWORD_CHARS, "word": word[:20]}
                )
        return "\n".join(words)

    def changes(self, category: Category) -> bool:
        return (self.cleaned_data["label"], self.cleaned_data["keywords"]) != (
            category.label,
            category.keywords,
        )


class CategoryAddForm(CategoryForm):
    part = forms.ChoiceField(label=_("Part of the episode"), choices=Category.Part.choices)

    field_order = ("part", "label", "keywords")


class SuggestForm(forms.Form):
    """Text to match against the keywords of one part's active categories."""

    part = forms.ChoiceField(label=_("Part of the episode"), choices=Category.Part.choices)
    text = forms.CharField(
        label=_("Text"),
        required=False,
        strip=False,
        max_length=MAX_SUGGEST_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    @classmethod
    def from_query(cls, query) -> "SuggestForm":
        """Bind from `part` and `text`, or the part's own field (`wish_text` for wish).

        The episode form's textareas are named after their part, so one of them can ask
        for suggestions directly with hx-get and hx-vals='{"part": "wish"}'.
        """
        part = query.get("part", "")
        text = query.get("text")
        if text is None and part in Category.Part.values:
            text = query.get(f"{part}_text", "")
        return cls({"part": part, "text": text or ""})
