"""The DIT adherence and competence rubric: its default items, scales and anchors (pure Python).

The default rubric follows the domains of the published competence frameworks that DIT was
distilled from: the psychoanalytic/psychodynamic competence framework (Lemma, Roth &
Pilling, UCL CORE, 2008), the IAPT "Brief Dynamic Interpersonal Therapy for Depression (DIT)
Competency Framework" (2010), and the phase tasks of Lemma, Target & Fonagy (2011), *Brief
Dynamic Interpersonal Therapy: A Clinician's Guide*, OUP. The items and anchors are written
in Patternwork's own words. It is NOT the official DIT adherence/competence scale, whose
item list is not public; a practice that holds the official materials under licence
replaces these items with its own (the rubric is versioned data).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

SOURCE = (
    "Domains follow Lemma, Roth & Pilling (2008), The competences required to deliver "
    "effective psychoanalytic/psychodynamic therapy (UCL CORE); the IAPT Brief Dynamic "
    "Interpersonal Therapy for Depression (DIT) Competency Framework (2010); and Lemma, "
    "Target & Fonagy (2011), Brief Dynamic Interpersonal Therapy: A Clinician's Guide (OUP). "
    "Items and anchors are written in Patternwork's own words. This is not the official DIT "
    "adherence and competence scale."
)
DEFAULT_TITLE = "DIT session rating (Patternwork default, not the official DIT scale)"

PHASES = ("initial", "middle", "ending")

PHASE_INVALID = "Each item applies to one or more of the phases initial, middle and ending."
FREQUENCY_INVALID = "Adherence is rated 0 (not present) to 3 (throughout the session)."
COMPETENCE_INVALID = "Competence is rated 0 to 6."
COMPETENCE_WITHOUT_PRESENCE = "Rate competence only for an item that was present."


class Domain(StrEnum):
    GENERIC = "generic"
    PSYCHODYNAMIC_BASIC = "psychodynamic_basic"
    PSYCHODYNAMIC_SPECIFIC = "psychodynamic_specific"
    DIT_PHASE = "dit_phase"
    META = "meta"


DOMAIN_LABELS = {
    Domain.GENERIC: "Generic therapeutic competences",
    Domain.PSYCHODYNAMIC_BASIC: "Basic psychodynamic competences",
    Domain.PSYCHODYNAMIC_SPECIFIC: "Specific psychodynamic techniques",
    Domain.DIT_PHASE: "DIT tasks of the phase",
    Domain.META: "Metacompetences",
}

# Adherence: was the item present, and how much of the session it shaped.
FREQUENCY_ANCHORS = (
    (0, "Not present"),
    (1, "Present once, briefly"),
    (2, "Present several times"),
    (3, "Present throughout, shaping the session"),
)

# Competence: how well it was done when it was present. Patternwork's own wording.
COMPETENCE_ANCHORS = (
    (0, "Not done well at all, or in a way that set the work back"),
    (1, "Attempted, with serious problems"),
    (2, "Some skill shown, with clear problems"),
    (3, "Adequate: done competently, with some problems"),
    (4, "Good: done competently, with minor problems"),
    (5, "Very good: done skilfully, with hardly any problems"),
    (6, "Excellent: done skilfully even when the session was difficult"),
)
COMPETENT_FROM = 3


@dataclass(frozen=True)
class ItemSpec:
    domain: Domain
    text: str
    phases: tuple[str, ...] = PHASES


def _all(domain: Domain, *texts: str) -> list[ItemSpec]:
    return [ItemSpec(domain, text) for text in texts]


DEFAULT_ITEMS: tuple[ItemSpec, ...] = (
    *_all(
        Domain.GENERIC,
        "Builds and keeps a working alliance; notices and repairs strains in it.",
        "Keeps the frame: time, boundaries and the purpose of the session are clear.",
        "Attends to risk and follows it up when it comes up.",
    ),
    *_all(
        Domain.PSYCHODYNAMIC_BASIC,
        "Listens for unconscious meaning as well as the manifest content.",
        "Notices and names the client's feelings as they arise in the session.",
        "Works with the client's defences with tact rather than confronting them head on.",
    ),
    *_all(
        Domain.PSYCHODYNAMIC_SPECIFIC,
        "Uses clarification and interpretation pitched to what the client can take in.",
        "Links what happens with the therapist to the client's other relationships.",
        "Encourages the client to think about their own and other people's states of mind.",
    ),
    ItemSpec(
        Domain.DIT_PHASE,
        "Maps the client's current and past relationships and how they link to the low mood.",
        ("initial",),
    ),
    ItemSpec(
        Domain.DIT_PHASE,
        "Formulates the recurring pattern of self, other and feeling, and agrees it with "
        "the client as the focus (the IPAF).",
        ("initial",),
    ),
    ItemSpec(
        Domain.DIT_PHASE,
        "Keeps the work on the agreed focus, tracing the pattern in current relationships.",
        ("middle",),
    ),
    ItemSpec(
        Domain.DIT_PHASE,
        "Notices when the client enacts the other's side of the pattern and works with it.",
        ("middle",),
    ),
    ItemSpec(
        Domain.DIT_PHASE,
        "Works with the feelings the ending brings and links them to the focus.",
        ("ending",),
    ),
    ItemSpec(
        Domain.DIT_PHASE,
        "Prepares, shares and discusses the goodbye letter.",
        ("ending",),
    ),
    *_all(
        Domain.META,
        "Applies the model flexibly but coherently, without drifting into other therapies.",
        "Adapts to what the client says and shows, openly and implicitly.",
        "Keeps the emotional temperature of the session workable.",
    ),
)


def check_phases(phases: Iterable[str]) -> tuple[str, ...]:
    """Return the phases in course order; raise ValueError for none or an unknown one."""
    chosen = set(phases)
    if not chosen or not chosen <= set(PHASES):
        raise ValueError(PHASE_INVALID)
    return tuple(p for p in PHASES if p in chosen)


def encode_phases(phases: Iterable[str]) -> str:
    return ",".join(check_phases(phases))


def decode_phases(stored: str) -> tuple[str, ...]:
    return tuple(p for p in stored.split(",") if p)


def applies_in(stored_phases: str, phase: str) -> bool:
    """Whether an item applies in this phase; a session over the plan is rated as ending."""
    phase = "ending" if phase == "over_plan" else phase
    return phase in decode_phases(stored_phases)


def check_item_rating(frequency: object, competence: object) -> None:
    """Raise ValueError when an item's adherence and competence do not make a rating.

    Competence describes how well something present was done, so an absent item has none.
    """
    if not isinstance(frequency, int) or isinstance(frequency, bool) or not 0 <= frequency <= 3:
        raise ValueError(FREQUENCY_INVALID)
    if competence is None:
        return
    if not isinstance(competence, int) or isinstance(competence, bool) or not 0 <= competence <= 6:
        raise ValueError(COMPETENCE_INVALID)
    if frequency == 0:
        raise ValueError(COMPETENCE_WITHOUT_PRESENCE)


def domain_means(ratings: Iterable[tuple[str, int | None]]) -> dict[str, float]:
    """Return the mean competence per domain from (domain, competence) pairs.

    Items not rated for competence (absent ones) are left out rather than counted as 0,
    so a session is judged on what happened in it.
    """
    sums: dict[str, list[int]] = {}
    for domain, competence in ratings:
        if competence is not None:
            sums.setdefault(domain, []).append(competence)
    return {domain: round(sum(v) / len(v), 2) for domain, v in sums.items()}


@dataclass(frozen=True)
class Coverage:
    phase: str
    courses: int
    rated: int

    @property
    def share(self) -> float | None:
        return None if self.courses == 0 else self.rated / self.courses


def coverage(reached: dict[str, int], rated: dict[str, int]) -> tuple[Coverage, ...]:
    """Return, per phase, the courses that reached it and those with a rated session in it.

    `reached` counts courses with at least one attended session in each phase; `rated`
    counts those with at least one rated session in it.
    """
    return tuple(Coverage(p, reached.get(p, 0), rated.get(p, 0)) for p in PHASES)
