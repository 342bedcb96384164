"""The IPAF suggestion on the demo's patterns: each field from its own part, never repeated."""

import pytest

from patternwork.demo.formulation_data import THEMES
from patternwork.formulation.categories import default_set
from patternwork.formulation.patterns import Episode, compute_patterns, suggest_ipaf

DEFAULTS = default_set().by_key()
LABELS = {key: category.label for key, category in DEFAULTS.items()}
AFFECTS = {key: category.affect for key, category in DEFAULTS.items() if category.affect}


@pytest.mark.parametrize("name", sorted(THEMES))
def test_suggestion_for_each_demo_pattern_fills_each_field_from_its_own_part(name):
    theme = THEMES[name]
    defaults, labels, affects = DEFAULTS, LABELS, AFFECTS
    episodes = [
        Episode(
            id=f"e{n}",
            person_key="p",
            person_label="Mum",
            when="current",
            wish=frozenset({theme.wish}),
            ro=frozenset({theme.ro}),
            rs=frozenset({theme.rs}),
        )
        for n in range(6)
    ]

    suggestions = suggest_ipaf(compute_patterns(episodes).core_theme, labels, affects)

    assert suggestions.self_representation.text == defaults[theme.rs].label
    assert suggestions.other_representation.text == defaults[theme.ro].label
    assert suggestions.linking_affects.text == ", ".join(defaults[theme.rs].affect)
    texts = {
        suggestions.self_representation.text,
        suggestions.other_representation.text,
        suggestions.linking_affects.text,
        suggestions.wish.text,
    }
    assert len(texts) == 4


def test_suggestion_for_the_first_demo_client_reads_as_a_formulation():
    labels, affects = LABELS, AFFECTS
    theme = THEMES["Amelia Hart"]
    episodes = [
        Episode(
            id=n,
            person_key="p",
            person_label="Partner",
            when="current",
            wish={theme.wish},
            ro={theme.ro},
            rs={theme.rs},
        )
        for n in range(5)
    ]

    suggestions = suggest_ipaf(compute_patterns(episodes).core_theme, labels, affects)

    assert (
        suggestions.self_representation.text,
        suggestions.other_representation.text,
        suggestions.linking_affects.text,
    ) == ("Disappointed, low", "Rejecting, critical, opposing", "sadness, disappointment")
