import dataclasses
import re
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from patternwork.formulation.patterns import (
    CATEGORIES_NOT_A_SET,
    DUPLICATE_EPISODE_ID,
    MIN_EPISODES_FOR_PATTERN,
    MIN_EPISODES_INVALID,
    SHARE_INVALID,
    TOO_FEW_EPISODES,
    TOP_K_INVALID,
    ByPhase,
    Candidate,
    CoreTheme,
    CourseChange,
    Episode,
    Era,
    Fragment,
    IpafSuggestions,
    Part,
    PatternReport,
    PersonCount,
    Phase,
    Share,
    Valence,
    When,
    compute_patterns,
    core_theme_of_codes,
    count_patterns,
    suggest_ipaf,
)
from patternwork.formulation.patterns.statistics import rank_people

W, RO, RS = Part.WISH, Part.RO, Part.RS
POS, NEG = Valence.POSITIVE, Valence.NEGATIVE
MOTHER = ("p-mother", "Mother")
FATHER = ("p-father", "Father")
PARTNER = ("p-partner", "Partner")
BOSS = ("p-boss", "Boss")
FRIEND = ("p-friend", "Friend")
THERAPIST = ("therapist", "Therapist")


def _episode(id_, person, when, era, phase, wish=(), ro=(), rs=(), valences=(None, None, None)):
    return Episode(
        id=id_,
        person_key=person[0],
        person_label=person[1],
        when=when,
        person_era=era,
        phase=phase,
        wish=frozenset(wish),
        ro=frozenset(ro),
        rs=frozenset(rs),
        wish_valence=valences[0],
        ro_valence=valences[1],
        rs_valence=valences[2],
    )


# Eight hand-coded episodes; every expected number below was counted from this table by hand.
# id  person     when        era          phase    wish           ro       rs                 val
# e1  mother     childhood   childhood    initial  close          reject   anxious            -,N,N
# e2  partner    current     current      initial  close, loved   reject   withdraw           -,N,N
# e3  boss       current     current      middle   assert         control  anxious, withdraw  -,N,N
# e4  therapist  in_session  -            middle   close          reject   anxious            -,N,P
# e5  father     past        adolescence  ending   assert         reject   angry              -,N,N
# e6  partner    current     current      ending   close          help     -                  P,P,-
# e7  friend     current     adult_past   -        loved          -        withdraw           -,-,N
# e8  mother     current     childhood    ending   close          reject   anxious, withdraw  -,N,N
EPISODES = (
    _episode(
        "e1", MOTHER, When.CHILDHOOD, Era.CHILDHOOD, Phase.INITIAL,
        {"close"}, {"reject"}, {"anxious"}, (None, NEG, NEG),
    ),
    _episode(
        "e2", PARTNER, When.CURRENT, Era.CURRENT, Phase.INITIAL,
        {"close", "loved"}, {"reject"}, {"withdraw"}, (None, NEG, NEG),
    ),
    _episode(
        "e3", BOSS, When.CURRENT, Era.CURRENT, Phase.MIDDLE,
        {"assert"}, {"control"}, {"anxious", "withdraw"}, (None, NEG, NEG),
    ),
    _episode(
        "e4", THERAPIST, When.IN_SESSION, None, Phase.MIDDLE,
        {"close"}, {"reject"}, {"anxious"}, (None, NEG, POS),
    ),
    _episode(
        "e5", FATHER, When.PAST, Era.ADOLESCENCE, Phase.ENDING,
        {"assert"}, {"reject"}, {"angry"}, (None, NEG, NEG),
    ),
    _episode(
        "e6", PARTNER, When.CURRENT, Era.CURRENT, Phase.ENDING,
        {"close"}, {"help"}, (), (POS, POS, None),
    ),
    _episode(
        "e7", FRIEND, When.CURRENT, Era.ADULT_PAST, None,
        {"loved"}, (), {"withdraw"}, (None, None, NEG),
    ),
    _episode(
        "e8", MOTHER, When.CURRENT, Era.CHILDHOOD, Phase.ENDING,
        {"close"}, {"reject"}, {"anxious", "withdraw"}, (None, NEG, NEG),
    ),
)  # fmt: skip


def _figures(share):
    if share is None:
        return None
    return (share.count, share.total, share.value, share.episode_ids)


def _tallies(tallies):
    return tuple((tally.key, tally.count, tally.episode_ids) for tally in tallies)


def _people(tallies):
    return tuple(
        (tally.person_key, tally.person_label, tally.count, tally.episode_ids) for tally in tallies
    )


@pytest.fixture(scope="module")
def report():
    return compute_patterns(EPISODES)


@pytest.mark.parametrize(
    ("part", "category", "expected"),
    [
        (W, "close", (5, 8, Fraction(5, 8), ("e1", "e2", "e4", "e6", "e8"))),
        (W, "assert", (2, 8, Fraction(1, 4), ("e3", "e5"))),
        (W, "loved", (2, 8, Fraction(1, 4), ("e2", "e7"))),
        (RO, "reject", (5, 8, Fraction(5, 8), ("e1", "e2", "e4", "e5", "e8"))),
        (RO, "control", (1, 8, Fraction(1, 8), ("e3",))),
        (RO, "help", (1, 8, Fraction(1, 8), ("e6",))),
        (RS, "anxious", (4, 8, Fraction(1, 2), ("e1", "e3", "e4", "e8"))),
        (RS, "withdraw", (4, 8, Fraction(1, 2), ("e2", "e3", "e7", "e8"))),
        (RS, "angry", (1, 8, Fraction(1, 8), ("e5",))),
    ],
)
def test_compute_patterns_pervasiveness_overall(report, part, category, expected):
    assert _figures(report.profile(part, category).overall) == expected


@pytest.mark.parametrize(
    ("part", "expected"),
    [
        (W, ("close", "assert", "loved")),
        (RO, ("reject", "control", "help")),
        (RS, ("anxious", "withdraw", "angry")),
    ],
)
def test_compute_patterns_profiles_rank_by_count_then_category_id(report, part, expected):
    assert tuple(profile.category for profile in report.profiles(part)) == expected


def test_compute_patterns_profile_of_uncoded_category_is_none(report):
    assert report.profile(W, "reject") is None


@pytest.mark.parametrize("counted", [False, True], ids=["report", "counts"])
@pytest.mark.parametrize(
    ("part", "count"), [(W, 5), ("wish", 5), ("WISH", None), ("late", None), ([], None)]
)
def test_profile_is_found_by_part_member_or_value(report, counted, part, count):
    if counted:
        rows = [
            (e.id, e.person_key, e.person_label, e.when.value, e.phase, *map(e.valence, Part))
            for e in EPISODES
        ]
        codes = [(e.id, p.value, c) for e in EPISODES for p in Part for c in e.categories(p)]
        report = count_patterns(rows, codes)

    profile = report.profile(part, "close")

    assert (None if profile is None else profile.overall.count) == count


def test_compute_patterns_episode_and_phase_ids(report):
    assert (report.total, report.episode_ids, report.phase_episode_ids) == (
        8,
        ("e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8"),
        ByPhase(initial=("e1", "e2"), middle=("e3", "e4"), ending=("e5", "e6", "e8")),
    )


@pytest.mark.parametrize(
    ("part", "category", "initial", "middle", "ending"),
    [
        (
            W, "close",
            (2, 2, Fraction(1), ("e1", "e2")),
            (1, 2, Fraction(1, 2), ("e4",)),
            (2, 3, Fraction(2, 3), ("e6", "e8")),
        ),
        (
            W, "assert",
            (0, 2, Fraction(0), ()),
            (1, 2, Fraction(1, 2), ("e3",)),
            (1, 3, Fraction(1, 3), ("e5",)),
        ),
        (
            W, "loved",
            (1, 2, Fraction(1, 2), ("e2",)),
            (0, 2, Fraction(0), ()),
            (0, 3, Fraction(0), ()),
        ),
        (
            RO, "reject",
            (2, 2, Fraction(1), ("e1", "e2")),
            (1, 2, Fraction(1, 2), ("e4",)),
            (2, 3, Fraction(2, 3), ("e5", "e8")),
        ),
        (
            RS, "anxious",
            (1, 2, Fraction(1, 2), ("e1",)),
            (2, 2, Fraction(1), ("e3", "e4")),
            (1, 3, Fraction(1, 3), ("e8",)),
        ),
        (
            RS, "withdraw",
            (1, 2, Fraction(1, 2), ("e2",)),
            (1, 2, Fraction(1, 2), ("e3",)),
            (1, 3, Fraction(1, 3), ("e8",)),
        ),
        (
            RS, "angry",
            (0, 2, Fraction(0), ()),
            (0, 2, Fraction(0), ()),
            (1, 3, Fraction(1, 3), ("e5",)),
        ),
    ],
)  # fmt: skip
def test_compute_patterns_pervasiveness_per_phase(report, part, category, initial, middle, ending):
    by_phase = report.profile(part, category).by_phase
    assert (
        _figures(by_phase[Phase.INITIAL]),
        _figures(by_phase[Phase.MIDDLE]),
        _figures(by_phase[Phase.ENDING]),
    ) == (initial, middle, ending)


@pytest.mark.parametrize(
    ("part", "category", "expected"),
    [
        (W, "close", CourseChange(Fraction(-1, 2), Fraction(1, 6), Fraction(-1, 3))),
        (W, "loved", CourseChange(Fraction(-1, 2), Fraction(0), Fraction(-1, 2))),
        (RO, "reject", CourseChange(Fraction(-1, 2), Fraction(1, 6), Fraction(-1, 3))),
        (RS, "anxious", CourseChange(Fraction(1, 2), Fraction(-2, 3), Fraction(-1, 6))),
        (RS, "withdraw", CourseChange(Fraction(0), Fraction(-1, 6), Fraction(-1, 6))),
        (RS, "angry", CourseChange(Fraction(0), Fraction(1, 3), Fraction(1, 3))),
    ],
)
def test_compute_patterns_change_across_course(report, part, category, expected):
    assert report.profile(part, category).change == expected


def test_compute_patterns_change_is_none_where_a_phase_has_no_episodes():
    episodes = [e for e in EPISODES if e.phase is not Phase.MIDDLE]

    close = compute_patterns(episodes).profile(W, "close")

    assert (close.by_phase.middle, close.change) == (
        None,
        CourseChange(
            initial_to_middle=None, middle_to_ending=None, initial_to_ending=Fraction(-1, 3)
        ),
    )


def test_compute_patterns_without_phases_has_no_phase_figures():
    episodes = [_episode(f"x{n}", FRIEND, When.CURRENT, None, None, {"close"}) for n in range(5)]

    close = compute_patterns(episodes).profile(W, "close")

    assert (close.by_phase, close.change) == (
        ByPhase(initial=None, middle=None, ending=None),
        CourseChange(initial_to_middle=None, middle_to_ending=None, initial_to_ending=None),
    )


@pytest.mark.parametrize(
    ("part", "category", "people", "eras", "whens"),
    [
        (
            W, "close",
            (
                ("p-mother", "Mother", 2, ("e1", "e8")),
                ("p-partner", "Partner", 2, ("e2", "e6")),
                ("therapist", "Therapist", 1, ("e4",)),
            ),
            (
                (Era.CHILDHOOD, 2, ("e1", "e8")),
                (Era.CURRENT, 2, ("e2", "e6")),
                (None, 1, ("e4",)),
            ),
            (
                (When.CHILDHOOD, 1, ("e1",)),
                (When.CURRENT, 3, ("e2", "e6", "e8")),
                (When.IN_SESSION, 1, ("e4",)),
            ),
        ),
        (
            RO, "reject",
            (
                ("p-mother", "Mother", 2, ("e1", "e8")),
                ("p-father", "Father", 1, ("e5",)),
                ("p-partner", "Partner", 1, ("e2",)),
                ("therapist", "Therapist", 1, ("e4",)),
            ),
            (
                (Era.CHILDHOOD, 2, ("e1", "e8")),
                (Era.ADOLESCENCE, 1, ("e5",)),
                (Era.CURRENT, 1, ("e2",)),
                (None, 1, ("e4",)),
            ),
            (
                (When.CHILDHOOD, 1, ("e1",)),
                (When.PAST, 1, ("e5",)),
                (When.CURRENT, 2, ("e2", "e8")),
                (When.IN_SESSION, 1, ("e4",)),
            ),
        ),
        (
            RS, "withdraw",
            (
                ("p-boss", "Boss", 1, ("e3",)),
                ("p-friend", "Friend", 1, ("e7",)),
                ("p-mother", "Mother", 1, ("e8",)),
                ("p-partner", "Partner", 1, ("e2",)),
            ),
            (
                (Era.CHILDHOOD, 1, ("e8",)),
                (Era.ADULT_PAST, 1, ("e7",)),
                (Era.CURRENT, 2, ("e2", "e3")),
            ),
            ((When.CURRENT, 4, ("e2", "e3", "e7", "e8")),),
        ),
    ],
)  # fmt: skip
def test_compute_patterns_people_and_eras(report, part, category, people, eras, whens):
    profile = report.profile(part, category)
    assert (_people(profile.people), _tallies(profile.eras), _tallies(profile.whens)) == (
        people,
        eras,
        whens,
    )


def test_compute_patterns_people_with_the_same_label_keep_first_appearance_order():
    episodes = [
        _episode("a", ("friend-2", "Friend"), When.CURRENT, Era.CURRENT, None, {"close"}),
        _episode("b", ("friend-1", "Friend"), When.CURRENT, Era.CURRENT, None, {"close"}),
    ]

    people = compute_patterns(episodes).profile(W, "close").people

    assert _people(people) == (("friend-2", "Friend", 1, ("a",)), ("friend-1", "Friend", 1, ("b",)))


@pytest.mark.parametrize(
    ("part", "category", "expected"),
    [
        (W, "close", (True, ("e1",), ("e2", "e4", "e6", "e8"))),
        (W, "assert", (True, ("e5",), ("e3",))),
        (W, "loved", (False, (), ("e2", "e7"))),
        (RO, "reject", (True, ("e1", "e5"), ("e2", "e4", "e8"))),
        (RO, "control", (False, (), ("e3",))),
        (RO, "help", (False, (), ("e6",))),
        (RS, "anxious", (True, ("e1",), ("e3", "e4", "e8"))),
        (RS, "withdraw", (False, (), ("e2", "e3", "e7", "e8"))),
        (RS, "angry", (False, ("e5",), ())),
    ],
)
def test_compute_patterns_recurs_across_time(report, part, category, expected):
    recurrence = report.profile(part, category).recurrence
    assert (
        recurrence.recurs,
        recurrence.earlier_episode_ids,
        recurrence.later_episode_ids,
    ) == expected


def test_compute_patterns_core_theme_shows_ties(report):
    assert report.core_theme == CoreTheme(
        wish=Candidate(W, ("close",), 5, 8, Fraction(5, 8), ("e1", "e2", "e4", "e6", "e8")),
        ro=Candidate(RO, ("reject",), 5, 8, Fraction(5, 8), ("e1", "e2", "e4", "e5", "e8")),
        rs=Candidate(
            RS, ("anxious", "withdraw"), 4, 8, Fraction(1, 2), ("e1", "e2", "e3", "e4", "e7", "e8")
        ),
    )
    assert (report.core_theme[W].is_tie, report.core_theme[RS].is_tie) == (False, True)


def test_compute_patterns_tie_order_does_not_depend_on_input_order():
    rs = compute_patterns(reversed(EPISODES)).core_theme.rs

    assert (rs.categories, rs.episode_ids) == (
        ("anxious", "withdraw"),
        ("e8", "e7", "e4", "e3", "e2", "e1"),
    )


def test_compute_patterns_part_without_categories_has_no_candidate():
    episodes = [_episode(f"x{n}", FRIEND, When.CURRENT, None, None, {"close"}) for n in range(5)]

    report = compute_patterns(episodes)

    assert (report.core_theme, report.sequences) == (
        CoreTheme(
            wish=Candidate(W, ("close",), 5, 5, Fraction(1), ("x0", "x1", "x2", "x3", "x4")),
            ro=None,
            rs=None,
        ),
        (),
    )


def _triples(triples):
    return tuple((t.rank, t.wish, t.ro, t.rs, *_figures(t.share)) for t in triples)


@pytest.mark.parametrize(
    ("top_k", "expected"),
    [
        (
            5,
            (
                (1, "close", "reject", "anxious", 3, 8, Fraction(3, 8), ("e1", "e4", "e8")),
                (2, "close", "reject", "withdraw", 2, 8, Fraction(1, 4), ("e2", "e8")),
                (3, "assert", "control", "anxious", 1, 8, Fraction(1, 8), ("e3",)),
                (3, "assert", "control", "withdraw", 1, 8, Fraction(1, 8), ("e3",)),
                (3, "assert", "reject", "angry", 1, 8, Fraction(1, 8), ("e5",)),
            ),
        ),
        (
            10,
            (
                (1, "close", "reject", "anxious", 3, 8, Fraction(3, 8), ("e1", "e4", "e8")),
                (2, "close", "reject", "withdraw", 2, 8, Fraction(1, 4), ("e2", "e8")),
                (3, "assert", "control", "anxious", 1, 8, Fraction(1, 8), ("e3",)),
                (3, "assert", "control", "withdraw", 1, 8, Fraction(1, 8), ("e3",)),
                (3, "assert", "reject", "angry", 1, 8, Fraction(1, 8), ("e5",)),
                (3, "loved", "reject", "withdraw", 1, 8, Fraction(1, 8), ("e2",)),
            ),
        ),
        (1, ((1, "close", "reject", "anxious", 3, 8, Fraction(3, 8), ("e1", "e4", "e8")),)),
    ],
)
def test_compute_patterns_sequences_ranked_top_k(top_k, expected):
    assert _triples(compute_patterns(EPISODES, top_k=top_k).sequences) == expected


def test_compute_patterns_sequences_multi_category_parts_give_every_combination_once():
    episodes = [
        _episode("a", FRIEND, When.CURRENT, None, None, {"w1", "w2"}, {"o1", "o2"}, {"s1"}),
        _episode("b", FRIEND, When.CURRENT, None, None, {"w1"}, {"o1"}, {"s1", "s2"}),
    ]

    sequences = compute_patterns(episodes, min_episodes=1, top_k=10).sequences

    assert _triples(sequences) == (
        (1, "w1", "o1", "s1", 2, 2, Fraction(1), ("a", "b")),
        (2, "w1", "o1", "s2", 1, 2, Fraction(1, 2), ("b",)),
        (2, "w1", "o2", "s1", 1, 2, Fraction(1, 2), ("a",)),
        (2, "w2", "o1", "s1", 1, 2, Fraction(1, 2), ("a",)),
        (2, "w2", "o2", "s1", 1, 2, Fraction(1, 2), ("a",)),
    )


@pytest.mark.parametrize(
    ("count", "min_episodes", "too_few"),
    [
        (4, MIN_EPISODES_FOR_PATTERN, True),
        (5, MIN_EPISODES_FOR_PATTERN, False),
        (4, 4, False),
        (8, 9, True),
        (1, 1, False),
    ],
)
def test_compute_patterns_too_few_episodes(count, min_episodes, too_few):
    report = compute_patterns(EPISODES[:count], min_episodes=min_episodes)

    offered = (report.core_theme is not None, report.sequences is not None)
    assert (report.too_few_episodes, report.message, offered) == (
        too_few,
        TOO_FEW_EPISODES if too_few else None,
        (not too_few, not too_few),
    )


def test_compute_patterns_too_few_episodes_still_counts():
    report = compute_patterns(EPISODES[:4])

    assert (
        report.too_few_episodes,
        _figures(report.profile(W, "close").overall),
        _figures(report.profile(RS, "anxious").overall),
    ) == (
        True,
        (3, 4, Fraction(3, 4), ("e1", "e2", "e4")),
        (3, 4, Fraction(3, 4), ("e1", "e3", "e4")),
    )


def test_compute_patterns_empty_input():
    assert compute_patterns([]) == PatternReport(
        total=0,
        episode_ids=(),
        phase_episode_ids=ByPhase(initial=(), middle=(), ending=()),
        min_episodes=5,
        too_few_episodes=True,
        message=TOO_FEW_EPISODES,
        categories=(),
        valences=(),
        core_theme=None,
        sequences=None,
    )


@pytest.mark.parametrize(
    ("part", "valence", "overall", "initial", "middle", "ending"),
    [
        (
            W, POS,
            (1, 8, Fraction(1, 8), ("e6",)),
            (0, 2, Fraction(0), ()), (0, 2, Fraction(0), ()), (1, 3, Fraction(1, 3), ("e6",)),
        ),
        (
            RO, POS,
            (1, 8, Fraction(1, 8), ("e6",)),
            (0, 2, Fraction(0), ()), (0, 2, Fraction(0), ()), (1, 3, Fraction(1, 3), ("e6",)),
        ),
        (
            RO, NEG,
            (6, 8, Fraction(3, 4), ("e1", "e2", "e3", "e4", "e5", "e8")),
            (2, 2, Fraction(1), ("e1", "e2")),
            (2, 2, Fraction(1), ("e3", "e4")),
            (2, 3, Fraction(2, 3), ("e5", "e8")),
        ),
        (
            RS, POS,
            (1, 8, Fraction(1, 8), ("e4",)),
            (0, 2, Fraction(0), ()), (1, 2, Fraction(1, 2), ("e4",)), (0, 3, Fraction(0), ()),
        ),
        (
            RS, NEG,
            (6, 8, Fraction(3, 4), ("e1", "e2", "e3", "e5", "e7", "e8")),
            (2, 2, Fraction(1), ("e1", "e2")),
            (1, 2, Fraction(1, 2), ("e3",)),
            (2, 3, Fraction(2, 3), ("e5", "e8")),
        ),
    ],
)  # fmt: skip
def test_compute_patterns_valence_pervasiveness(
    report, part, valence, overall, initial, middle, ending
):
    profile = next(v for v in report.valences if (v.part, v.valence) == (part, valence))
    assert (
        _figures(profile.overall),
        _figures(profile.by_phase.initial),
        _figures(profile.by_phase.middle),
        _figures(profile.by_phase.ending),
    ) == (overall, initial, middle, ending)


def test_compute_patterns_valences_in_part_then_valence_order(report):
    assert tuple((v.part, v.valence) for v in report.valences) == (
        (W, POS),
        (RO, POS),
        (RO, NEG),
        (RS, POS),
        (RS, NEG),
    )


def test_compute_patterns_negative_response_of_self_falls_across_course(report):
    rs_negative = next(v for v in report.valences if (v.part, v.valence) == (RS, NEG))
    assert rs_negative.change == CourseChange(Fraction(-1, 2), Fraction(1, 6), Fraction(-1, 3))


def test_compute_patterns_200_episodes():
    episodes = [
        _episode(
            n, FRIEND, When.CURRENT, Era.CURRENT, (Phase.INITIAL, Phase.MIDDLE)[n % 2],
            {f"w{n % 4}", "w-all"}, {f"o{n % 5}"}, {f"s{n % 8}", "s-all"},
        )
        for n in range(200)
    ]  # fmt: skip

    report = compute_patterns(episodes)

    assert (
        len(report.categories),
        _figures(report.profile(W, "w-all").overall)[:3],
        _figures(report.profile(RS, "s3").by_phase.middle)[:3],
        _triples(report.sequences[:1]),
    ) == (
        19,
        (200, 200, Fraction(1)),
        (25, 100, Fraction(1, 4)),
        ((1, "w-all", "o0", "s-all", 40, 200, Fraction(1, 5), tuple(range(0, 200, 5))),),
    )


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"when": "someday"}, ValueError, "'someday' is not a valid When"),
        ({"person_era": "teens"}, ValueError, "'teens' is not a valid Era"),
        ({"phase": "over_plan"}, ValueError, "'over_plan' is not a valid Phase"),
        ({"ro_valence": "mixed"}, ValueError, "'mixed' is not a valid Valence"),
        ({"wish": "close"}, TypeError, CATEGORIES_NOT_A_SET),
    ],
)
@pytest.mark.parametrize("make", [Episode, Episode.stored], ids=["checked", "stored"])
def test_episode_rejects_bad_values(make, changes, error, message):
    fields = {"id": "e", "person_key": "p", "person_label": "P", "when": When.CURRENT}
    stored = dict.fromkeys(("person_era", "phase", "wish_valence", "ro_valence", "rs_valence"))
    stored.update(wish=frozenset(), ro=frozenset(), rs=frozenset())
    with pytest.raises(error) as excinfo:
        make(**{**({} if make is Episode else stored), **fields, **changes})
    assert str(excinfo.value) == message


def test_a_stored_episode_is_the_checked_episode():
    values = {
        "id": "e",
        "person_key": "p",
        "person_label": "P",
        "when": "current",
        "person_era": "adult_past",
        "phase": "ending",
        "wish": frozenset({"close"}),
        "ro": frozenset(),
        "rs": frozenset({"low"}),
        "wish_valence": None,
        "ro_valence": "negative",
        "rs_valence": "positive",
    }
    stored, checked = Episode.stored(**values), Episode(**values)
    assert stored == checked
    assert [(type(getattr(stored, f)), getattr(stored, f)) for f in values] == [
        (type(getattr(checked, f)), getattr(checked, f)) for f in values
    ]


def test_episode_coerces_plain_values():
    episode = Episode(
        id="e",
        person_key="p",
        person_label="P",
        when="current",
        person_era="adult_past",
        phase="ending",
        wish=["close", "close"],
        rs_valence="negative",
    )

    assert (
        episode.when,
        episode.person_era,
        episode.phase,
        episode.categories(W),
        episode.categories(RO),
        episode.valence(RS),
        episode.valence(W),
    ) == (When.CURRENT, Era.ADULT_PAST, Phase.ENDING, frozenset({"close"}), frozenset(), NEG, None)


def test_compute_patterns_accepts_plain_string_values():
    episodes = [
        Episode(id=n, person_key="p", person_label="P", when="current", phase="initial", wish={"a"})
        for n in range(5)
    ]

    report = compute_patterns(episodes)

    assert _figures(report.profile(W, "a").by_phase.initial) == (
        5,
        5,
        Fraction(1),
        (0, 1, 2, 3, 4),
    )


def test_compute_patterns_rejects_duplicate_episode_ids():
    with pytest.raises(ValueError, match=re.escape(DUPLICATE_EPISODE_ID)):
        compute_patterns([EPISODES[0], EPISODES[0]])


@pytest.mark.parametrize("min_episodes", [0, -1, 2.5, True])
def test_compute_patterns_rejects_bad_minimum(min_episodes):
    with pytest.raises(ValueError, match=re.escape(MIN_EPISODES_INVALID)):
        compute_patterns(EPISODES, min_episodes=min_episodes)


@pytest.mark.parametrize("top_k", [0, -3, 1.0, None])
def test_compute_patterns_rejects_bad_top_k(top_k):
    with pytest.raises(ValueError, match=re.escape(TOP_K_INVALID)):
        compute_patterns(EPISODES, top_k=top_k)


_ROW = ("e1", "p1", "One", "current", "initial", None, "negative", None)


@pytest.mark.parametrize(
    ("rows", "error"),
    [
        ([_ROW, _ROW], DUPLICATE_EPISODE_ID),
        ([(*_ROW[:3], "someday", *_ROW[4:])], "'someday' is not a valid When"),
        ([(*_ROW[:4], "late", *_ROW[5:])], "'late' is not a valid Phase"),
        ([(*_ROW[:6], "mixed", None)], "'mixed' is not a valid Valence"),
    ],
)
def test_count_patterns_rejects_what_compute_patterns_rejects(rows, error):
    with pytest.raises(ValueError, match=re.escape(error)):
        count_patterns(rows, [])


def test_count_patterns_counts_a_repeated_code_once():
    rows = [(f"e{n}", "p1", "One", "current", "initial", None, None, None) for n in range(5)]

    counts = count_patterns(rows, [("e1", "wish", "a"), ("e1", "wish", "a")])

    assert (counts.profile("wish", "a").overall.count, counts.core_theme.wish.count) == (1, 1)


def test_count_patterns_counts_codes_given_out_of_order_and_repeated():
    rows = [(f"e{n}", "p1", "One", "current", "initial", None, None, None) for n in range(5)]
    codes = [
        ("e3", "rs", "c"),
        ("e1", "wish", "a"),
        ("e3", "ro", "b"),
        ("e3", "wish", "a"),
        ("e1", "wish", "a"),
        ("e3", "wish", "d"),
        ("e1", "ro", "b"),
        ("e1", "rs", "c"),
        ("e3", "wish", "a"),
    ]

    counts = count_patterns(rows, codes)

    assert [(p.part, p.category, p.overall.count) for p in counts.categories] == [
        (W, "a", 2),
        (W, "d", 1),
        (RO, "b", 2),
        (RS, "c", 2),
    ]
    assert [(t.wish, t.ro, t.rs, t.share.count) for t in counts.sequences] == [
        ("a", "b", "c", 2),
        ("d", "b", "c", 1),
    ]


@pytest.mark.parametrize(
    ("counts", "ranked"),
    [
        # Most episodes first, then by label; equal ones in the order they first appeared.
        ([("p1", "Bea", 1), ("p2", "Al", 1), ("p3", "Bea", 1)], ["p2", "p1", "p3"]),
        ([("p1", "Bea", 1), ("p2", "Al", 2), ("p3", "Bea", 3)], ["p3", "p2", "p1"]),
        ([("p3", "Al", 2), ("p1", "Al", 2), ("p2", "Al", 1)], ["p3", "p1", "p2"]),
    ],
)
def test_rank_people_orders_by_count_then_label_keeping_ties_in_order(counts, ranked):
    tallies = [PersonCount(*found) for found in counts]

    assert [t.person_key for t in rank_people(tallies)] == ranked


@pytest.mark.parametrize("phase", [Phase.MIDDLE, "middle"])
def test_by_phase_reads_a_phase_by_member_or_value(phase):
    assert ByPhase(1, 2, 3)[phase] == 2


@pytest.mark.parametrize("phase", ["late", None, 1])
def test_by_phase_rejects_what_is_not_a_phase(phase):
    with pytest.raises(ValueError, match="is not a valid Phase"):
        ByPhase(1, 2, 3)[phase]


@pytest.mark.parametrize(("total", "episode_ids"), [(0, ()), (1, ("a", "b"))])
def test_share_rejects_impossible_figures(total, episode_ids):
    with pytest.raises(ValueError, match=re.escape(SHARE_INVALID)):
        Share(total=total, episode_ids=episode_ids)


LABELS = {
    "close": "to be close",
    "reject": "rejecting",
    "anxious": "anxious",
    "withdraw": "withdrawn",
}


AFFECTS = {"anxious": ("anxiety", "shame"), "withdraw": ("numbness", "shame")}


def test_suggest_ipaf_from_core_theme(report):
    rs_ids = ("e1", "e2", "e3", "e4", "e7", "e8")
    assert suggest_ipaf(report.core_theme, LABELS, AFFECTS) == IpafSuggestions(
        other_representation=Fragment(RO, "rejecting", ("reject",), ("e1", "e2", "e4", "e5", "e8")),
        self_representation=Fragment(RS, "anxious / withdrawn", ("anxious", "withdraw"), rs_ids),
        linking_affects=Fragment(RS, "anxiety, shame, numbness", ("anxious", "withdraw"), rs_ids),
        wish=Fragment(W, "to be close", ("close",), ("e1", "e2", "e4", "e6", "e8")),
    )


def test_suggest_ipaf_offers_no_feeling_without_affect_words(report):
    suggestions = suggest_ipaf(report.core_theme, LABELS)

    assert suggestions.linking_affects is None
    assert suggestions.self_representation.text == "anxious / withdrawn"


def test_suggest_ipaf_never_puts_the_same_text_in_two_fields(report):
    same = {"reject": "on edge", "anxious": "on edge", "withdraw": "on edge"}
    affects = {"anxious": ("on edge / on edge",)}

    suggestions = suggest_ipaf(report.core_theme, same, affects)

    texts = [
        f.text
        for f in (
            suggestions.self_representation,
            suggestions.other_representation,
            suggestions.linking_affects,
            suggestions.wish,
        )
        if f is not None
    ]
    assert len(texts) == len(set(texts))
    assert suggestions.self_representation.text == "on edge / on edge"
    assert suggestions.linking_affects is None


def test_suggest_ipaf_falls_back_to_category_id_without_label(report):
    suggestions = suggest_ipaf(report.core_theme, {"anxious": "anxious"})

    assert (
        suggestions.other_representation.text,
        suggestions.self_representation.text,
        suggestions.wish.text,
    ) == ("reject", "anxious / withdraw", "close")


@pytest.mark.parametrize(
    "theme",
    [None, CoreTheme(wish=None, ro=None, rs=None)],
)
def test_suggest_ipaf_without_theme_suggests_nothing(theme):
    assert suggest_ipaf(theme, LABELS) == IpafSuggestions(
        other_representation=None, self_representation=None, linking_affects=None, wish=None
    )


def test_suggest_ipaf_when_too_few_episodes_suggests_nothing():
    report = compute_patterns(EPISODES[:4])

    assert suggest_ipaf(report.core_theme, LABELS) == IpafSuggestions(None, None, None, None)


_categories = st.frozensets(st.sampled_from(["a", "b", "c", "d"]), max_size=3)
_episodes = st.lists(
    st.builds(
        Episode,
        id=st.just(None),
        person_key=st.sampled_from(["p1", "p2", "p3"]),
        person_label=st.sampled_from(["One", "Two"]),
        when=st.sampled_from(When),
        person_era=st.one_of(st.none(), st.sampled_from(Era)),
        phase=st.one_of(st.none(), st.sampled_from(Phase)),
        wish=_categories,
        ro=_categories,
        rs=_categories,
        wish_valence=st.one_of(st.none(), st.sampled_from(Valence)),
        ro_valence=st.one_of(st.none(), st.sampled_from(Valence)),
        rs_valence=st.one_of(st.none(), st.sampled_from(Valence)),
    ),
    max_size=25,
).map(lambda eps: [_with_id(e, n) for n, e in enumerate(eps)])


def _with_id(episode, n):
    return dataclasses.replace(episode, id=n)


def _phase_shares(by_phase):
    return [by_phase[phase] for phase in Phase]


def property_shares_are_consistent(episodes, min_episodes):
    report = compute_patterns(episodes, min_episodes=min_episodes)

    for profile in (*report.categories, *report.valences):
        shares = [profile.overall, *filter(None, _phase_shares(profile.by_phase))]
        for share in shares:
            assert 0 <= share.value <= 1
            assert share.count == len(share.episode_ids) == len(set(share.episode_ids))
    for profile in report.categories:
        expected = tuple(e.id for e in episodes if profile.category in e.categories(profile.part))
        assert profile.overall.episode_ids == expected
        for tallies in (profile.people, profile.eras, profile.whens):
            assert sum(t.count for t in tallies) == profile.overall.count


def property_phase_totals_sum_to_phased_episodes(episodes):
    report = compute_patterns(episodes)
    phased = [e for e in episodes if e.phase is not None]

    phase_totals = [len(ids) for ids in _phase_shares(report.phase_episode_ids)]
    assert sum(phase_totals) == len(phased)
    for profile in report.categories:
        in_phases = sum(s.count for s in filter(None, _phase_shares(profile.by_phase)))
        unphased = sum(
            1
            for e in episodes
            if e.phase is None and profile.category in e.categories(profile.part)
        )
        assert in_phases + unphased == profile.overall.count


def property_candidate_is_most_pervasive(episodes):
    report = compute_patterns(episodes, min_episodes=1)

    for part in Part:
        counts = {p.category: p.overall.count for p in report.profiles(part)}
        candidate = report.core_theme[part] if report.core_theme else None
        if not counts:
            assert candidate is None
            continue
        top = max(counts.values())
        assert (candidate.categories, candidate.count) == (
            tuple(sorted(c for c, n in counts.items() if n == top)),
            top,
        )


def property_theme_of_codes_is_the_reports(episodes, min_episodes):
    report = compute_patterns(episodes, min_episodes=min_episodes)
    codes = [(e.id, part, c) for e in episodes for part in Part for c in e.categories(part)]

    assert core_theme_of_codes(len(episodes), codes, min_episodes=min_episodes) == (
        report.core_theme
    )


def property_counts_are_the_reports(episodes, min_episodes, figures):
    # The page counts its figures from the episodes' rows and codes (the codes in any
    # order): the same counts, ranks and ties as the report that keeps the episodes.
    report = compute_patterns(episodes, min_episodes=min_episodes, top_k=3)
    rows = [
        (e.id, e.person_key, e.person_label, e.when.value, e.phase, *map(e.valence, Part))
        for e in episodes
    ]
    codes = [(e.id, part.value, c) for e in episodes for part in Part for c in e.categories(part)]

    counts = count_patterns(rows, codes[::-1], min_episodes=min_episodes, top_k=3)

    assert figures(counts) == figures(report)


# The properties are checked on each generated set of episodes, so each example is drawn
# once for all of them (drawing, not checking, is what costs the time).
@settings(max_examples=150, deadline=None)
@given(episodes=_episodes, min_episodes=st.integers(min_value=1, max_value=6))
def test_compute_patterns_properties_hold_for_each_generated_set(
    episodes, min_episodes, pattern_figures
):
    property_shares_are_consistent(episodes, min_episodes)
    property_phase_totals_sum_to_phased_episodes(episodes)
    property_candidate_is_most_pervasive(episodes)
    property_theme_of_codes_is_the_reports(episodes, min_episodes)
    property_counts_are_the_reports(episodes, min_episodes, pattern_figures)
