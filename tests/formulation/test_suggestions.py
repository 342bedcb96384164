import io

import pytest
from django.core.management import call_command
from django.db import connection

from patternwork.accounts.access import Reader
from patternwork.audit.models import AuditEvent
from patternwork.formulation import services, suggestions
from patternwork.formulation.models import CodedFragment, EpisodeCategory
from patternwork.formulation.ranking import onnx_model
from patternwork.formulation.ranking.shown import Shown
from tests.factories import CategoryFactory, ClientFactory, CourseFactory, PersonFactory


@pytest.fixture
def ro_set(practice):
    return [
        CategoryFactory(practice=practice, part="ro", label=label, keywords=words)
        for label, words in [
            ("Strong", "in charge"),
            ("Rejecting", "ignored"),
            ("Helpful", "helped"),
            ("Warm", "hugged"),
        ]
    ]


def new_course(therapist):
    client = ClientFactory(practice=therapist.practice, therapist=therapist)
    return CourseFactory(client=client, therapist=therapist)


def log_ro(course, by, codes, text="He walked off when I spoke.", shown=None):
    return services.log_episode(
        course=course,
        data={"when": "current", "account": "At the station.", "ro_text": text},
        person=PersonFactory(client=course.client),
        with_therapist=False,
        categories={"ro": codes},
        shown=shown,
        by=by,
    )


def shown_for(categories, version="r1+test"):
    return {"ro": Shown(version, tuple(str(c.public_id) for c in categories), 3)}


def provenance(episode):
    return sorted(
        EpisodeCategory.objects.filter(episode=episode).values_list(
            "category__label", "suggested", "suggested_rank", "ranker_version"
        )
    )


def test_each_code_records_whether_it_was_suggested_its_rank_and_the_ranker(therapist, ro_set):
    _strong, rejecting, _helpful, warm = ro_set

    episode = log_ro(new_course(therapist), therapist, [rejecting, warm], shown=shown_for(ro_set))

    assert provenance(episode) == [
        ("Rejecting", True, 2, "r1+test"),
        ("Warm", False, 4, "r1+test"),
    ]
    event = AuditEvent.objects.get(action="episode.log")
    assert (event.changes["suggested"], event.changes["fragments"]) == (
        [str(rejecting.public_id)],
        2,
    )


def test_a_code_saved_without_a_ranking_shown_records_no_suggestion(therapist, ro_set):
    episode = log_ro(new_course(therapist), therapist, [ro_set[0]])

    assert provenance(episode) == [("Strong", False, None, "")]


def test_an_update_keeps_the_provenance_of_codes_already_there(therapist, ro_set):
    strong, _rejecting, helpful, _warm = ro_set
    episode = log_ro(new_course(therapist), therapist, [strong], shown=shown_for(ro_set, "r1+a"))

    services.update_episode(
        episode=episode,
        data={"ro_text": "He helped, then left."},
        person=episode.person,
        with_therapist=False,
        categories={"ro": [strong, helpful]},
        shown=shown_for([helpful, strong], "r1+b"),
        by=therapist,
    )

    assert provenance(episode) == [
        ("Helpful", True, 1, "r1+b"),
        ("Strong", True, 1, "r1+a"),
    ]


def test_confirmed_fragments_follow_the_codes_and_are_stored_encrypted(therapist, ro_set):
    strong, rejecting, *_ = ro_set
    episode = log_ro(new_course(therapist), therapist, [rejecting], text="FRAGMENT-CANARY went")

    fragment = CodedFragment.objects.get()
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM formulation_codedfragment WHERE id = %s", [fragment.pk])
        stored = cursor.fetchone()[0]
    assert (fragment.category, fragment.part, fragment.text) == (
        rejecting,
        "ro",
        "FRAGMENT-CANARY went",
    )
    assert "CANARY" not in stored

    services.update_episode(
        episode=episode,
        data={"ro_text": "Took charge"},
        person=episode.person,
        with_therapist=False,
        categories={"ro": [strong]},
        by=therapist,
    )

    assert list(CodedFragment.objects.values_list("category", "text")) == [
        (strong.pk, "Took charge")
    ]


def test_rebuilding_the_store_covers_episodes_coded_before_it_and_is_audited(
    therapist, ro_set, practice
):
    log_ro(new_course(therapist), therapist, [ro_set[1]])
    CodedFragment.objects.all().delete()

    count = services.rebuild_coded_fragments(practice=practice, by=therapist)

    assert (count, CodedFragment.objects.count()) == (1, 1)
    event = AuditEvent.objects.get(action="fragments.rebuild")
    assert (event.actor, event.changes) == (therapist.user, {"fragments": 1})


def test_every_fragment_counts_but_only_the_readers_own_clients_are_quotable(
    therapist, other_therapist, ro_set
):
    log_ro(new_course(therapist), therapist, [ro_set[1]], text="Mine: ignored")
    log_ro(new_course(other_therapist), other_therapist, [ro_set[1]], text="Theirs: ignored")

    examples = suggestions.examples_for(Reader(therapist.user, therapist), "ro")

    assert sorted((e.text, e.shown) for e in examples) == [
        ("Mine: ignored", True),
        ("Theirs: ignored", False),
    ]


def test_the_shown_token_round_trips_and_a_forged_one_is_ignored(therapist, ro_set):
    result = suggestions.suggest(
        Reader(therapist.user, therapist), "ro", "They ignored me", categories=ro_set
    )

    shown = suggestions.read_shown(result.token)

    assert shown == Shown.of(result.ranking)
    assert shown.ids[0] == str(ro_set[1].public_id)
    assert suggestions.read_shown(result.token[:-2] + "xx") is None
    assert suggestions.read_shown("not a token") is None
    assert suggestions.read_shown("") is None


def test_without_the_model_the_suggestions_say_why(therapist, ro_set):
    result = suggestions.suggest(
        Reader(therapist.user, therapist), "ro", "They ignored me", categories=ro_set
    )

    assert (result.ranking.mode, str(result.notice)) == (
        "fallback",
        "The language model is switched off on this server",
    )


def test_a_category_keeps_the_default_description_only_under_its_default_label(practice):
    services.ensure_default_categories(practice)
    categories = list(practice.pattern_categories.filter(part="ro").order_by("position"))
    categories[1].label = "Bossy"

    texts = suggestions.category_texts(categories)

    assert texts[1].label == "Bossy"
    assert texts[1].description == ""
    assert texts[1].cues == tuple(categories[1].keywords.split("\n"))


def test_the_command_builds_the_store_for_every_practice(therapist, ro_set):
    log_ro(new_course(therapist), therapist, [ro_set[2]], text="He lent a hand")
    CodedFragment.objects.all().delete()
    out = io.StringIO()

    call_command("build_coded_fragments", stdout=out)

    assert list(CodedFragment.objects.values_list("text", flat=True)) == ["He lent a hand"]
    assert "1 confirmed fragments built." in out.getvalue()


def test_a_model_that_failed_to_load_is_not_retried_and_the_panel_says_so(settings, monkeypatch):
    settings.PATTERNWORK_SUGGESTION_MODEL = "minilm"
    monkeypatch.setattr(onnx_model, "_loaded", None)
    monkeypatch.setattr(onnx_model, "_failure", "FileNotFoundError: model.onnx")

    model, notice = suggestions.embedder()

    assert (model, str(notice)) == (None, "The language model could not be loaded on this server")
