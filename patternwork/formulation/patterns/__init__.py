"""Relationship-pattern statistics: pervasiveness, candidate core theme, IPAF suggestions.

Pure rules (no Django); see the submodules for the sources of each rule.
"""

from patternwork.formulation.patterns.episodes import (
    CATEGORIES_NOT_A_SET,
    EARLIER,
    LATER,
    Episode,
    EpisodeId,
    Era,
    Part,
    Phase,
    Valence,
    When,
)
from patternwork.formulation.patterns.results import (
    SHARE_INVALID,
    ByPhase,
    Candidate,
    CategoryProfile,
    CoreTheme,
    CourseChange,
    PatternReport,
    PersonTally,
    Recurrence,
    Share,
    Tally,
    Triple,
    ValenceProfile,
)
from patternwork.formulation.patterns.statistics import (
    DEFAULT_TOP_SEQUENCES,
    DUPLICATE_EPISODE_ID,
    MIN_EPISODES_FOR_PATTERN,
    MIN_EPISODES_INVALID,
    TOO_FEW_EPISODES,
    TOP_K_INVALID,
    compute_patterns,
)
from patternwork.formulation.patterns.suggestions import (
    TIE_SEPARATOR,
    Fragment,
    IpafSuggestions,
    suggest_ipaf,
)

__all__ = [
    "CATEGORIES_NOT_A_SET",
    "DEFAULT_TOP_SEQUENCES",
    "DUPLICATE_EPISODE_ID",
    "EARLIER",
    "LATER",
    "MIN_EPISODES_FOR_PATTERN",
    "MIN_EPISODES_INVALID",
    "SHARE_INVALID",
    "TIE_SEPARATOR",
    "TOO_FEW_EPISODES",
    "TOP_K_INVALID",
    "ByPhase",
    "Candidate",
    "CategoryProfile",
    "CoreTheme",
    "CourseChange",
    "Episode",
    "EpisodeId",
    "Era",
    "Fragment",
    "IpafSuggestions",
    "Part",
    "PatternReport",
    "PersonTally",
    "Phase",
    "Recurrence",
    "Share",
    "Tally",
    "Triple",
    "Valence",
    "ValenceProfile",
    "When",
    "compute_patterns",
    "suggest_ipaf",
]
