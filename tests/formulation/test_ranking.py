import pytest

from patternwork.formulation.ranking import (
    MAX_TEXT,
    RANKER_VERSION,
    CategoryText,
    Evidence,
    Example,
    Mode,
    chance,
    rank,
)
from patternwork.formulation.ranking.shown import Shown, provenance
from tests.standin_embedding import TinyEmbedder

CATEGORIES = (
    CategoryText("strong", "Strong", "Sure of themselves", ("in charge",)),
    CategoryText("control", "Controlling", "Insisted and decided for me", ("ordered",)),
    CategoryText("reject", "Rejecting", "Ignored or dismissed me", ("ignored",)),
    CategoryText("help", "Helpful", "Helped and sorted things out", ("helped",)),
)


def ids(ranking):
    return [item.category.id for item in ranking.items]


def test_rank_orders_every_category_best_first_with_ranks():
    ranking = rank("She walked off and left me there", CATEGORIES, embedder=TinyEmbedder())

    assert ids(ranking)[0] == "reject"
    assert sorted(ids(ranking)) == sorted(c.id for c in CATEGORIES)
    assert [item.rank for item in ranking.items] == [1, 2, 3, 4]
    scores = [item.score for item in ranking.items]
    assert scores == sorted(scores, reverse=True)
    assert (ranking.mode, ranking.version) == (Mode.SEMANTIC, f"{RANKER_VERSION}+tiny-1")


def test_rank_breaks_ties_in_the_order_the_categories_were_given():
    same = [CategoryText(name, "Same", "Same words") for name in ("b", "a", "c")]

    ranking = rank("Same words", same, embedder=TinyEmbedder())

    assert ids(ranking) == ["b", "a", "c"]
    assert len({item.score for item in ranking.items}) == 1


def test_rank_is_deterministic():
    examples = [Example("help", "He lent me money"), Example("reject", "They ignored me")]

    first = rank("he fixed it and helped", CATEGORIES, examples=examples, embedder=TinyEmbedder())
    again = rank("he fixed it and helped", CATEGORIES, examples=examples, embedder=TinyEmbedder())

    assert first == again


def test_rank_explains_with_cue_words_and_shared_description_words():
    ranking = rank(
        "He ordered me about and decided everything", CATEGORIES, embedder=TinyEmbedder()
    )

    top = ranking.items[0]
    assert top.category.id == "control"
    assert top.why.cues == ("ordered",)
    assert top.why.description_words == ("ordered", "decided")
    assert top.why.leading == Evidence.DESCRIPTION
    assert 0 <= top.percent <= 100


def test_practice_examples_pull_their_category_up_and_name_the_nearest():
    text = "she snubbed me at the party"
    examples = [Example("help", "she snubbed me again", key="c1")]

    without = rank(text, CATEGORIES, embedder=TinyEmbedder())
    with_examples = rank(text, CATEGORIES, examples=examples, embedder=TinyEmbedder())

    assert (without.rank_of("reject"), without.rank_of("help")) == (1, 4)
    assert with_examples.rank_of("help") < 4
    helped = next(i for i in with_examples.items if i.category.id == "help")
    assert (helped.why.leading, helped.why.examples) == (Evidence.EXAMPLES, 1)
    assert (helped.why.nearest_example, helped.why.nearest_key) == ("she snubbed me again", "c1")


def test_examples_the_reader_may_not_see_count_but_are_never_quoted():
    examples = [Example("reject", "They ignored my calls", shown=False, key="other")]

    ranking = rank("ignored again", CATEGORIES, examples=examples, embedder=TinyEmbedder())

    top = ranking.items[0]
    assert (top.category.id, top.why.examples) == ("reject", 1)
    assert (top.why.nearest_example, top.why.nearest_key) == ("", "")


def test_examples_of_categories_not_offered_are_ignored():
    examples = [Example("retired", "ignored"), Example("reject", "   ")]

    ranking = rank("ignored", CATEGORIES, examples=examples, embedder=TinyEmbedder())

    assert all(item.why.examples == 0 for item in ranking.items)


def test_without_a_model_the_ranker_falls_back_to_examples_and_cue_words():
    examples = [Example("help", "my neighbour carried the shopping upstairs")]

    ranking = rank("he carried the shopping", CATEGORIES, examples=examples)

    assert (ranking.mode, ranking.version) == (Mode.FALLBACK, f"{RANKER_VERSION}+words")
    assert ids(ranking)[0] == "help"
    assert ranking.items[0].why.nearest_example == "my neighbour carried the shopping upstairs"
    cued = rank("They ignored me", CATEGORIES)
    assert ids(cued)[0] == "reject"
    assert cued.items[0].why.cues == ("ignored",)


def test_fallback_without_any_evidence_keeps_the_given_order():
    ranking = rank("zzz qqq", CATEGORIES)

    assert ids(ranking) == [c.id for c in CATEGORIES]
    assert {item.score for item in ranking.items} == {0.0}
    assert {item.why.leading for item in ranking.items} == {Evidence.NONE}


@pytest.mark.parametrize("text", ["", "   "])
def test_empty_text_ranks_every_category_at_zero_without_embedding(text):
    embedder = TinyEmbedder()

    ranking = rank(text, CATEGORIES, examples=[Example("help", "x")], embedder=embedder)

    assert ids(ranking) == [c.id for c in CATEGORIES]
    assert {item.score for item in ranking.items} == {0.0}
    assert embedder.calls == 0


def test_rank_refuses_duplicate_ids_and_overlong_text():
    with pytest.raises(ValueError, match="unique"):
        rank("x", [CATEGORIES[0], CATEGORIES[0]])
    with pytest.raises(ValueError, match=str(MAX_TEXT)):
        rank("x" * (MAX_TEXT + 1), CATEGORIES)


def test_no_categories_rank_to_nothing():
    assert rank("anything", [], embedder=TinyEmbedder()).items == ()


@pytest.mark.parametrize(
    ("category", "expected"),
    [("b", (True, 2, "r1+x")), ("d", (False, 4, "r1+x")), ("zz", (False, None, "r1+x"))],
)
def test_provenance_of_a_code_from_what_was_shown(category, expected):
    shown = Shown("r1+x", ("a", "b", "c", "d"), 3)

    assert provenance(shown, category) == expected


def test_provenance_without_a_ranking_shown_is_blank():
    assert provenance(None, "a") == (False, None, "")


def test_shown_of_a_ranking_keeps_its_order_and_version():
    ranking = rank("ignored", CATEGORIES, embedder=TinyEmbedder())

    assert Shown.of(ranking) == Shown(f"{RANKER_VERSION}+tiny-1", tuple(ids(ranking)), 3)


@pytest.mark.parametrize(("n", "k", "expected"), [(8, 1, 0.125), (8, 3, 0.375), (2, 3, 1.0)])
def test_chance_of_a_random_order(n, k, expected):
    assert chance(n, k) == expected


@pytest.mark.parametrize(
    ("part", "expected"),
    [
        ("ro", "The other person was strong. Sure of themselves"),
        ("wish", "The client wanted strong. Sure of themselves"),
        (None, "Strong. Sure of themselves"),
    ],
)
def test_categories_are_embedded_as_a_sentence_about_the_part(part, expected):
    assert CATEGORIES[0].framed(part) == expected


def test_the_why_names_the_cue_word_closest_in_meaning():
    category = CategoryText("reject", "Rejecting", "", ("in charge", "snubbed", "ignored"))

    ranking = rank("They walked off", [category], embedder=TinyEmbedder())

    assert ranking.items[0].why.nearest_cue == "snubbed"
    assert rank("They walked off", [category]).items[0].why.nearest_cue == ""
