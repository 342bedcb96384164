"""Session-note prompts for each DIT phase (pure data; no Django).

The prompts follow the manual's account of each phase (Lemma, Target & Fonagy 2011, ch. 4,
6 and 9): initial, review of relationships and the emerging pattern; middle, the agreed
focus in current relationships and with the therapist; ending, review and the feelings the
ending brings.
"""

from __future__ import annotations

from dataclasses import dataclass

from patternwork.treatment.plan import Phase


@dataclass(frozen=True)
class Prompt:
    key: str
    label: str
    help: str


INITIAL = (
    Prompt(
        "relationships",
        "Relationships explored",
        "Which relationships, past and present, were talked about, and how.",
    ),
    Prompt(
        "pattern",
        "What emerged about the pattern",
        "Recurring ways of seeing self and others, and the feelings that link them.",
    ),
)
MIDDLE = (
    Prompt(
        "focus_week",
        "How the focus showed itself this week",
        "Where the agreed pattern appeared in current relationships.",
    ),
    Prompt(
        "focus_session",
        "How it showed in the session",
        "How the pattern appeared between client and therapist, and what was made of it.",
    ),
)
ENDING = (
    Prompt("review", "Review of the work", "What has changed, what remains, what to watch for."),
    Prompt(
        "ending_feelings",
        "Feelings about ending",
        "How the client (and therapist) experience the approaching end.",
    ),
)

BY_PHASE = {
    Phase.INITIAL: INITIAL,
    Phase.MIDDLE: MIDDLE,
    Phase.ENDING: ENDING,
    Phase.OVER_PLAN: ENDING,
}


def prompts_for(phase: Phase | str) -> tuple[Prompt, ...]:
    """Return the note prompts for a phase."""
    return BY_PHASE[Phase(phase)]
