"""The reflection journal's prompts (pure; no Django).

The five prompts follow DIT's focus on relationships: a specific moment with someone,
then the three parts of a relationship episode (what the client wanted, how the other
responded, how the client felt and acted), then a link to the past. Once an IPAF is agreed, one more prompt asks whether the named pattern showed,
with a short reminder of its other representation and linking feelings.

Keys are stored with the answers, so they never change once released. Texts are marked
for translation with a local no-op (this module imports nothing from Django); callers
pass a `translate` function (`gettext`) to get them in the reader's language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass


def gettext_noop(message: str) -> str:
    """Mark a string for translation without translating it (picked up by makemessages)."""
    return message


def _same(message: str) -> str:
    return message


Translate = Callable[[str], str]


@dataclass(frozen=True)
class Prompt:
    key: str
    label: str
    help: str = ""


MOMENT = "moment"
WANTED = "wanted"
THEIR_RESPONSE = "their_response"
YOUR_RESPONSE = "your_response"
REMINDED = "reminded"
PATTERN = "pattern"

PROMPTS = (
    Prompt(MOMENT, gettext_noop("A moment this week with someone that stayed with you")),
    Prompt(WANTED, gettext_noop("What did you want from them?")),
    Prompt(THEIR_RESPONSE, gettext_noop("How did they respond?")),
    Prompt(YOUR_RESPONSE, gettext_noop("How did you feel, and what did you do?")),
    Prompt(REMINDED, gettext_noop("Did it remind you of anything?")),
)
IPAF_QUESTION = gettext_noop("Did the pattern we named show up this week?")
IPAF_REMINDER = gettext_noop(
    "The pattern you agreed with your therapist: seeing the other person as “{other}”, "
    "and feeling “{feelings}”."
)
BODY_LABEL = gettext_noop("In your own words")
KEYS = (*(p.key for p in PROMPTS), PATTERN)
LABELS = {**{p.key: p.label for p in PROMPTS}, PATTERN: IPAF_QUESTION}

# The answers that fill the three parts of a relationship episode made from an entry.
EPISODE_PARTS = {WANTED: "wish_text", THEIR_RESPONSE: "ro_text", YOUR_RESPONSE: "rs_text"}

REMINDER_WORDS = 12


@dataclass(frozen=True)
class AgreedPattern:
    """The parts of an agreed IPAF the client is reminded of."""

    other_representation: str
    linking_affects: str


def shorten(text: str, words: int = REMINDER_WORDS) -> str:
    """Return the first `words` words of a text on one line, with an ellipsis if cut."""
    parts = text.split()
    if len(parts) <= words:
        return " ".join(parts)
    return " ".join(parts[:words]).rstrip(".,;:") + "…"


def ipaf_prompt(agreed: AgreedPattern, translate: Translate = _same) -> Prompt:
    """Build the prompt about the agreed pattern, with a short plain reminder of it."""
    # The quotes close the sentence; a full stop inside them would be doubled.
    reminder = translate(IPAF_REMINDER).format(
        other=shorten(agreed.other_representation).rstrip(".;:,"),
        feelings=shorten(agreed.linking_affects).rstrip(".;:,"),
    )
    return Prompt(PATTERN, translate(IPAF_QUESTION), reminder)


def prompts_for(agreed: AgreedPattern | None, translate: Translate = _same) -> tuple[Prompt, ...]:
    """Return the prompts a client is offered: the five, plus the IPAF one once agreed."""
    prompts = tuple(Prompt(p.key, translate(p.label), p.help) for p in PROMPTS)
    if agreed is None:
        return prompts
    return (*prompts, ipaf_prompt(agreed, translate))


def clean_answers(answers: Mapping[str, str], offered: tuple[Prompt, ...]) -> dict[str, str]:
    """Return the non-empty answers to offered prompts, stripped, in the prompts' order."""
    cleaned = {}
    for prompt in offered:
        value = (answers.get(prompt.key) or "").strip()
        if value:
            cleaned[prompt.key] = value
    return cleaned


def answered(answers: Mapping[str, str], translate: Translate = _same) -> list[tuple[str, str]]:
    """Return (question, answer) pairs of an entry's answers, in the prompts' order."""
    return [(translate(LABELS[key]), answers[key]) for key in KEYS if answers.get(key)]


def entry_text(answers: Mapping[str, str], body: str, translate: Translate = _same) -> str:
    """Return an entry as one labelled text: each answered prompt, then the free text."""
    blocks = [f"{question}\n{answer}" for question, answer in answered(answers, translate)]
    if body.strip():
        blocks.append(f"{translate(BODY_LABEL)}\n{body.strip()}")
    return "\n\n".join(blocks)
