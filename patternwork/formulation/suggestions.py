"""Category suggestions for the episode form: the practice's set, its confirmed fragments,
and the embedding model, handed to the pure ranker (`formulation.ranking`).

Reads only. The practice's confirmed fragments all count as evidence, but the words of one
are shown only to a reader who may see its client, and showing them is a recorded read.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from patternwork.accounts.access import Reader, record_read, visible
from patternwork.formulation.categories import DEFAULT_CATEGORIES
from patternwork.formulation.models import Category, CodedFragment
from patternwork.formulation.ranking import (
    CategoryText,
    Embedder,
    Example,
    Ranking,
    onnx_model,
    rank,
)
from patternwork.formulation.ranking.shown import SHOWN, Shown

# The newest confirmed fragments of one part that the ranker reads: enough to learn a
# practice's wording, few enough to rank in a few milliseconds once they are embedded.
MAX_EXAMPLES_PER_PART = 400
SIGNING_SALT = "patternwork.formulation.suggestions.shown"
# A form left open for a day still records its suggestions; an older token is ignored.
SHOWN_MAX_AGE = 24 * 3600

MODEL_OFF = _("The language model is switched off on this server")
MODEL_FAILED = _("The language model could not be loaded on this server")


@dataclass(frozen=True)
class Suggestions:
    ranking: Ranking
    notice: str
    token: str

    def top(self):
        return self.ranking.top(SHOWN)


def _default_descriptions() -> dict[str, tuple[str, str]]:
    return {d.key: (d.label, getattr(d, "description", "")) for d in DEFAULT_CATEGORIES}


def category_texts(categories: Iterable[Category]) -> list[CategoryText]:
    """What the ranker reads of each category: label, description and cue words.

    A category without a description of its own borrows the default set's, as long as its
    label is still the default one (a renamed category may mean something else).
    """
    from patternwork.formulation.keywords import parse_keywords

    defaults = _default_descriptions()
    texts = []
    for category in categories:
        description = getattr(category, "description", "") or ""
        if not description and category.default_key in defaults:
            label, default_description = defaults[category.default_key]
            if label == category.label:
                description = default_description
        texts.append(
            CategoryText(
                id=str(category.public_id),
                label=category.label,
                description=description,
                cues=parse_keywords(category.keywords),
            )
        )
    return texts


@functools.cache
def _stand_in(path: str) -> Embedder:
    return import_string(path)()


def embedder() -> tuple[Embedder | None, str]:
    """The embedder in use and, when there is none, why (for the page to say)."""
    choice = settings.PATTERNWORK_SUGGESTION_MODEL
    if choice == "off":
        return None, MODEL_OFF
    if choice == "minilm":
        try:
            return onnx_model.load(), ""
        except onnx_model.ModelUnavailable:
            return None, MODEL_FAILED
    # A dotted path: the suite's tiny stand-in embedding.
    return _stand_in(choice), ""


def examples_for(reader: Reader, part: str) -> list[Example]:
    """The practice's newest confirmed fragments of one part, on active categories.

    Every fragment is evidence; `shown` is set only where the reader may see the client.
    """
    practice = reader.practice
    rows = (
        CodedFragment.objects.filter(
            practice=practice, part=part, category__retired_at__isnull=True
        )
        .select_related("category", "episode__client")
        .only("text", "category__public_id", "episode__client__public_id")
        .order_by("-created_at", "-id")[:MAX_EXAMPLES_PER_PART]
    )
    rows = list(rows)
    allowed = set(
        visible(reader, CodedFragment)
        .filter(pk__in=[r.pk for r in rows])
        .values_list("pk", flat=True)
    )
    return [
        Example(
            category_id=str(row.category.public_id),
            text=row.text,
            shown=row.pk in allowed,
            key=str(row.episode.client.public_id),
        )
        for row in rows
    ]


def suggest(reader: Reader, part: str, text: str, *, categories: Iterable[Category]) -> Suggestions:
    """Rank the part's active categories for `text`, and sign what is shown for the form."""
    chosen = [c for c in categories if c.part == part and c.retired_at is None]
    model, notice = embedder()
    ranking = rank(
        text,
        category_texts(chosen),
        examples=examples_for(reader, part) if text.strip() else (),
        embedder=model,
        part=part,
    )
    shown_clients = [item.why.nearest_key for item in ranking.top(SHOWN) if item.why.quote]
    if shown_clients:
        record_read(reader, shown_clients, "coded fragment")
    token = ""
    if text.strip():
        shown = Shown.of(ranking)
        token = signing.dumps(
            {"v": shown.version, "ids": list(shown.ids), "n": shown.count},
            salt=SIGNING_SALT,
            compress=True,
        )
    return Suggestions(ranking=ranking, notice=notice, token=token)


def read_shown(token: str | None) -> Shown | None:
    """The ranking a form showed, from its signed token; None when absent or not genuine."""
    if not token:
        return None
    try:
        data = signing.loads(token, salt=SIGNING_SALT, max_age=SHOWN_MAX_AGE)
        ids = tuple(str(i) for i in data["ids"])
        return Shown(version=str(data["v"])[:80], ids=ids, count=int(data["n"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
