"""Ranked category suggestions in the episode form, and the page to try them."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from patternwork.audit.models import AuditEvent
from patternwork.clinic.forms.patterns import MAX_SUGGEST_TEXT
from patternwork.formulation import services
from patternwork.formulation.models import Episode, EpisodeCategory
from patternwork.formulation.ranking import RANKER_VERSION
from tests.factories import CategoryFactory, ClientFactory, CourseFactory, PersonFactory

SUGGEST = reverse("clinic:category-suggestions")
HTMX = {"HTTP_HX_REQUEST": "true"}
STAND_IN = "tests.standin_embedding.TinyEmbedder"


@pytest.fixture
def standin(settings):
    settings.PATTERNWORK_SUGGESTION_MODEL = STAND_IN


@pytest.fixture
def others(practice):
    made = {
        label: CategoryFactory(practice=practice, part="ro", label=label, keywords=words)
        for label, words in [
            ("Strong", "in charge"),
            ("Controlling", "ordered"),
            ("Rejecting", "ignored\nwalked off"),
            ("Helpful", "helped"),
            ("Warm", "hugged"),
        ]
    }
    made["Old"] = CategoryFactory(
        practice=practice, part="ro", label="Old", keywords="ignored", retired_at=timezone.now()
    )
    return made


def own_course(membership):
    client = ClientFactory(practice=membership.practice, therapist=membership)
    return CourseFactory(client=client, therapist=membership)


def code(course, by, category, text):
    return services.log_episode(
        course=course,
        data={"when": "current", "account": "At home.", "ro_text": text},
        person=PersonFactory(client=course.client),
        with_therapist=False,
        categories={"ro": [category]},
        by=by,
    )


def test_typing_shows_the_top_three_with_a_bar_and_the_why(
    client, login, therapist, others, standin, foreign_admin
):
    CategoryFactory(practice=foreign_admin.practice, part="ro", label="Foreign", keywords="ignored")
    login(therapist)

    response = client.get(
        SUGGEST, {"part": "ro", "ro_text": "She ignored me and walked off"}, **HTMX
    )

    content = response.content.decode()
    top = response.context["suggestions"].top()
    assert top[0].category.label == "Rejecting"
    assert len(top) == 3
    assert content.count('class="button--secondary suggestion"') == 3
    assert f'data-category="{others["Rejecting"].public_id}" data-part="ro"' in content
    assert content.count("<meter") == 3
    assert "cue words: <mark>ignored</mark>, <mark>walked off</mark>" in content
    assert "Click one to tick it; nothing is ticked for you." in content
    assert 'name="ro_shown"' in content
    assert "checked" not in content
    assert "language model" not in content
    # As whole words: a signed token in the page may hold these letters by chance.
    assert not re.search(r"\bOld\b", content)
    assert not re.search(r"\bForeign\b", content)
    assert "<html" not in content


def test_the_why_quotes_a_confirmed_fragment_only_of_the_readers_own_clients(
    client, login, therapist, other_therapist, others, standin
):
    code(own_course(therapist), therapist, others["Warm"], "She hugged me at the door")
    code(own_course(other_therapist), other_therapist, others["Helpful"], "He helped me carry it")
    login(therapist)
    reads = AuditEvent.objects.filter(action="record.read").count()

    response = client.get(
        SUGGEST, {"part": "ro", "text": "hugged me then helped me carry it"}, **HTMX
    )

    content = response.content.decode()
    helpful = next(
        item for item in response.context["suggestions"].top() if item.category.label == "Helpful"
    )
    assert "<q>She hugged me at the door</q>" in content
    assert "He helped me carry it" not in content
    assert (helpful.why.examples, helpful.why.quote) == (1, "")
    assert AuditEvent.objects.filter(action="record.read").count() == reads + 1


def test_without_the_model_the_panel_says_so_and_still_ranks(client, login, therapist, others):
    login(therapist)

    response = client.get(SUGGEST, {"part": "ro", "text": "He ordered me about"}, **HTMX)

    content = response.content.decode()
    assert response.context["suggestions"].top()[0].category.label == "Controlling"
    assert "The language model is switched off on this server" in content


def test_empty_text_shows_nothing(client, login, therapist, others, standin):
    login(therapist)

    response = client.get(SUGGEST, {"part": "ro", "text": "  "}, **HTMX)

    content = response.content.decode()
    assert response.status_code == 200
    assert ("<li" in content, "_shown" in content, "<meter" in content) == (False, False, False)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"text": "close"}, "This field is required."),
        ({"part": "self", "text": "close"}, "Select a valid choice."),
        (
            {"part": "wish", "text": "close " * (MAX_SUGGEST_TEXT // 6 + 1)},
            f"Ensure this value has at most {MAX_SUGGEST_TEXT} characters",
        ),
    ],
)
def test_suggestions_refuse_bad_input(client, login, therapist, query, message):
    login(therapist)

    response = client.get(SUGGEST, query, **HTMX)

    assert (response.status_code, response.context["suggestions"]) == (400, None)
    assert message in response.content.decode()


def test_without_htmx_it_is_a_page_to_try_the_suggestions(client, login, admin, others, standin):
    login(admin)

    empty = client.get(SUGGEST)
    response = client.get(SUGGEST, {"part": "ro", "text": "they ignored me"})

    content = response.content.decode()
    assert (empty.status_code, empty.context["suggestions"]) == (200, None)
    assert "<h1>Try the category suggestions</h1>" in content
    assert "<strong>Rejecting</strong>" in content
    assert "data-category" not in content
    assert "_shown" not in content


def test_suggestion_queries_do_not_grow_with_categories_or_fragments(
    client, login, therapist, other_therapist, others, standin, django_assert_num_queries
):
    # Another therapist's fragments: evidence, never quoted, so no read is recorded.
    course = own_course(other_therapist)
    code(course, other_therapist, others["Warm"], "they hugged me")
    login(therapist)
    client.get(SUGGEST)
    query = {"part": "ro", "text": "they ignored me"}
    # Session, user, device, membership; categories; fragments and which of them the
    # reader may see (the session is not saved on every request).
    with django_assert_num_queries(7) as few:
        client.get(SUGGEST, query, **HTMX)
    for n in range(5):
        extra = CategoryFactory(practice=therapist.practice, part="ro", label=f"Extra {n}")
        code(course, other_therapist, extra, f"they ignored me {n}")

    with django_assert_num_queries(len(few)):
        response = client.get(SUGGEST, query, **HTMX)

    assert len(response.context["suggestions"].ranking.items) == 10


def post_episode(client, course, person, **extra):
    return client.post(
        reverse("clinic:episode-new", args=[course.public_id]),
        {"other": str(person.public_id), "when": "current", "account": "At work."} | extra,
    )


def test_a_suggestion_is_never_applied_without_a_click(client, login, therapist, others, standin):
    course = own_course(therapist)
    person = PersonFactory(client=course.client)
    login(therapist)
    text = "She ignored me and walked off"
    panel = client.get(SUGGEST, {"part": "ro", "text": text}, **HTMX)
    token = re.search(r'name="ro_shown" value="([^"]+)"', panel.content.decode()).group(1)

    untouched = post_episode(client, course, person, ro_text=text, ro_shown=token)
    rejecting = str(others["Rejecting"].public_id)
    clicked = post_episode(
        client, course, person, ro_text=text, ro_shown=token, ro_categories=[rejecting]
    )

    first, second = Episode.objects.order_by("created_at", "id")
    assert (untouched.status_code, clicked.status_code) == (302, 302)
    assert list(EpisodeCategory.objects.filter(episode=first)) == []
    assert list(
        EpisodeCategory.objects.filter(episode=second).values_list(
            "category__label", "suggested", "suggested_rank", "ranker_version"
        )
    ) == [("Rejecting", True, 1, f"{RANKER_VERSION}+tiny-1")]


def test_a_forged_shown_field_records_no_suggestion(client, login, therapist, others):
    course = own_course(therapist)
    login(therapist)

    response = post_episode(
        client,
        course,
        PersonFactory(client=course.client),
        ro_text="x",
        ro_shown="forged",
        ro_categories=[str(others["Warm"].public_id)],
    )

    assert response.status_code == 302
    assert list(EpisodeCategory.objects.values_list("suggested", "suggested_rank")) == [
        (False, None)
    ]


def test_another_therapists_client_is_not_found_when_saving_suggestions(
    client, login, therapist, other_therapist, others
):
    course = own_course(other_therapist)
    login(therapist)

    response = post_episode(
        client,
        course,
        PersonFactory(client=course.client),
        ro_text="x",
        ro_categories=[str(others["Warm"].public_id)],
    )

    assert response.status_code == 404
    assert not Episode.objects.exists()
