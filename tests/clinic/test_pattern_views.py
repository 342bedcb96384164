from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils import timezone

from patternwork.audit.models import AuditEvent
from patternwork.clinic.templatetags.pattern_links import _quoted
from patternwork.formulation.models import Episode, EpisodeCategory
from tests.course_fixtures import log
from tests.factories import (
    CategoryFactory,
    ClientFactory,
    CourseFactory,
    PersonFactory,
)


@pytest.fixture
def course(therapist):
    client = ClientFactory(practice=therapist.practice, therapist=therapist, full_name="Jo Bloggs")
    return CourseFactory(client=client, state="active")


@pytest.fixture
def cats(practice):
    def make(part, label):
        return CategoryFactory(practice=practice, part=part, label=label)

    return {
        "close": make("wish", "To be close"),
        "heard": make("wish", "To be understood"),
        "reject": make("ro", "Rejecting"),
        "kind": make("ro", "Kind"),
        "withdraw": make("rs", "Withdraws"),
    }


def anchors(figure):
    return [ref.anchor for ref in figure.refs]


def ids(*episodes):
    return [f"episode-{e.public_id}" for e in episodes]


def get(client, course):
    return client.get(reverse("clinic:pattern", args=[course.client.public_id]))


def evidence(course, key):
    url = reverse("clinic:pattern-evidence", args=[course.client.public_id])
    return f"{url}?key={quote(key)}"


def open_evidence(client, course, key):
    response = client.get(evidence(course, key), headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.content.decode()


def row(section, label):
    return next(r for r in section.rows if r.label.text == label)


def part(page, name):
    return next(s for s in page.parts if s.part == name)


@pytest.mark.parametrize(("count", "too_few"), [(4, True), (5, False)])
def test_pattern_speaks_of_a_pattern_only_from_five_episodes(
    client, login, therapist, course, cats, count, too_few
):
    episodes = [log(course, cats["close"]) for _ in range(count - 2)]
    episodes += [log(course, cats["heard"]) for _ in range(2)]
    login(therapist)

    response = get(client, course)

    page = response.context["page"]
    content = response.content.decode()
    assert (response.status_code, page.total, page.too_few) == (200, count, too_few)
    assert ("Too few episodes to speak of a pattern" in content) == too_few
    assert ("Candidate core theme" in content) == (not too_few)
    assert ('">60%</a>' in content) == (not too_few)
    close = row(part(page, "wish"), "To be close")
    if too_few:
        assert (page.theme, page.sequences) == (None, None)
        assert close.overall.text == "2 of 4 episodes"
        assert "Only 4 episodes have been logged; at least 5 are needed" in content
    else:
        assert close.overall.text == "3 of 5 episodes (60%)"
        wish = page.theme[0]
        assert (wish.title, [label.text for label in wish.labels], wish.is_tie) == (
            "Wish",
            ["To be close"],
            False,
        )
        assert wish.overall.text == "3 of 5 episodes (60%)"
        assert anchors(wish.overall) == ids(*episodes[:3])
    assert anchors(close.overall) == ids(*episodes[: count - 2])


def test_pattern_shows_ties_as_ties_with_each_categorys_episodes(
    client, login, therapist, course, cats
):
    a = [log(course, cats["close"], cats["reject"]) for _ in range(3)]
    b = [log(course, cats["heard"], cats["reject"]) for _ in range(3)]
    login(therapist)

    response = get(client, course)

    wish, ro, rs = response.context["page"].theme
    assert (wish.is_tie, [label.text for label in wish.labels]) == (
        True,
        ["To be close", "To be understood"],
    )
    assert [anchors(r.overall) for r in wish.tied] == [ids(*a), ids(*b)]
    assert anchors(wish.overall) == ids(*a, *b)
    assert wish.overall.text == "3 of 6 episodes (50%)"
    assert (ro.is_tie, ro.overall.text) == (False, "6 of 6 episodes (100%)")
    assert (rs.overall, rs.labels) == (None, ())
    content = response.content.decode()
    assert "3 of 6 episodes (50%)</a> each" in content
    assert content.count('<span class="tag tag--warn">Tie</span>') == 1


def test_every_figure_opens_exactly_its_episodes_in_place(client, login, therapist, course, cats):
    with_close = [log(course, cats["close"], cats["reject"], cats["withdraw"]) for _ in range(3)]
    others = [log(course, cats["heard"], cats["kind"]) for _ in range(2)]
    login(therapist)

    response = get(client, course)

    page = response.context["page"]
    content = response.content.decode()
    close = row(part(page, "wish"), "To be close")
    link = f'hx-get="{evidence(course, close.overall.key)}"'
    assert link in content
    assert anchors(close.overall) == ids(*with_close)
    assert anchors(row(part(page, "ro"), "Kind").overall) == ids(*others)
    opened = open_evidence(client, course, close.overall.key)
    for episode in with_close:
        assert f'id="episode-{episode.public_id}"' in opened
        assert f'href="{reverse("clinic:episode-detail", args=[episode.public_id])}"' in opened
    for episode in others:
        assert str(episode.public_id) not in opened
    assert "<html" not in opened
    [sequence] = page.sequences
    assert (sequence.rank, sequence.wish.text, sequence.ro.text, sequence.rs.text) == (
        1,
        "To be close",
        "Rejecting",
        "Withdraws",
    )
    assert (sequence.figure.text, anchors(sequence.figure)) == (
        "3 of 5 episodes (60%)",
        ids(*with_close),
    )
    assert [(n, f.text, anchors(f)) for n, f in page.phase_counts] == [
        ("initial", "5 episodes", ids(*with_close, *others)),
        ("middle", "0 episodes", []),
        ("ending", "0 episodes", []),
    ]


def test_page_lists_no_episode_in_full(client, login, therapist, course, cats):
    episodes = [log(course, cats["close"], cats["reject"]) for _ in range(5)]
    login(therapist)

    content = get(client, course).content.decode()

    for episode in episodes:
        assert f'id="episode-{episode.public_id}"' not in content


def test_heat_strip_shows_every_category_of_the_set_by_phase(
    client, login, therapist, course, cats
):
    for phase in ("initial", "initial", "middle", "ending", "ending"):
        log(course, cats["close"] if phase != "ending" else cats["heard"], phase=phase)
    login(therapist)

    page = get(client, course).context["page"]

    wish, ro, _rs = page.heat
    assert [r.label.text for r in wish.rows] == ["To be close", "To be understood"]
    assert [r.label.text for r in ro.rows] == ["Kind", "Rejecting"]
    close, heard = wish.rows
    assert [(c.percent, c.shade) for c in close.cells] == [(100, 5), (100, 5), (0, 0)]
    assert [(c.percent, c.shade) for c in heard.cells] == [(0, 0), (0, 0), (100, 5)]
    assert [(c.percent, c.figure.count) for c in ro.rows[1].cells] == [(0, 0), (0, 0), (0, 0)]


def test_evidence_of_a_figure_the_page_never_shows_is_not_found(
    client, login, therapist, course, cats
):
    [log(course, cats["close"]) for _ in range(5)]
    login(therapist)
    url = reverse("clinic:pattern-evidence", args=[course.client.public_id])

    assert client.get(url, {"key": "cat:wish:nonsense"}).status_code == 404
    # Without a key: every episode.
    assert len(client.get(url).context["items"]) == 5


def test_evidence_without_htmx_is_a_page_of_its_own(client, login, therapist, course, cats):
    [log(course, cats["close"]) for _ in range(5)]
    login(therapist)

    response = client.get(
        reverse("clinic:pattern-evidence", args=[course.client.public_id]), {"key": "all"}
    )

    assert response.status_code == 200
    assert "Episodes behind a figure" in response.content.decode()


def test_evidence_of_another_therapists_client_is_not_found(
    client, login, other_therapist, course, cats
):
    [log(course, cats["close"]) for _ in range(5)]
    login(other_therapist)

    response = client.get(
        reverse("clinic:pattern-evidence", args=[course.client.public_id]), {"key": "all"}
    )

    assert response.status_code == 404


def test_pattern_splits_pervasiveness_by_phase_with_the_change(
    client, login, therapist, course, cats
):
    initial = [
        log(course, cats["close"], phase="initial"),
        log(course, cats["close"], phase="initial"),
        log(course, cats["heard"], phase="initial"),
    ]
    ending = [
        log(course, cats["heard"], phase="ending"),
        log(course, cats["heard"], phase="ending"),
    ]
    login(therapist)

    response = get(client, course)

    wish = part(response.context["page"], "wish")
    close, heard = row(wish, "To be close"), row(wish, "To be understood")
    initial_close, middle_close, ending_close = close.phases
    assert (initial_close.text, anchors(initial_close)) == (
        "2 of 3 episodes (67%)",
        ids(*initial[:2]),
    )
    assert middle_close is None
    assert (ending_close.text, ending_close.refs) == ("0 of 2 episodes (0%)", ())
    assert close.change == "\N{MINUS SIGN}67 points"
    assert [f and f.text for f in heard.phases] == [
        "1 of 3 episodes (33%)",
        None,
        "2 of 2 episodes (100%)",
    ]
    assert anchors(heard.phases[2]) == ids(*ending)
    assert heard.change == "+67 points"


def test_pattern_shows_people_eras_and_recurrence_from_childhood(
    client, login, therapist, course, cats
):
    mother = PersonFactory(client=course.client, label="Mum", era="childhood")
    partner = PersonFactory(client=course.client, label="Sam", era="current")
    childhood = [log(course, cats["reject"], person=mother, when="childhood") for _ in range(2)]
    current = [log(course, cats["reject"], person=partner, when="current") for _ in range(2)]
    session = log(course, cats["reject"], with_therapist=True, when="in_session")
    only_now = log(course, cats["kind"], person=partner, when="current")
    login(therapist)

    response = get(client, course)

    ro = part(response.context["page"], "ro")
    rejecting, kind = ro.spreads
    assert [(f.text, anchors(f)) for f in rejecting.people] == [
        ("Mum: 2", ids(*childhood)),
        ("Sam: 2", ids(*current)),
        ("the therapist: 1", ids(session)),
    ]
    assert [f.text for f in rejecting.whens] == [
        "In childhood: 2",
        "Currently: 2",
        "In the session: 1",
    ]
    assert [f.text for f in rejecting.eras] == [
        "Childhood: 2",
        "Current: 2",
        "the therapist (no era): 1",
    ]
    assert (rejecting.recurs, anchors(rejecting.earlier), anchors(rejecting.later)) == (
        True,
        ids(*childhood),
        ids(*current, session),
    )
    assert (kind.recurs, anchors(kind.later), kind.earlier.count) == (False, ids(only_now), 0)
    content = response.content.decode()
    assert content.count('<span class="tag tag--warn">Recurs</span>') == 1


def test_pattern_shows_positive_and_negative_shares(client, login, therapist, course, cats):
    negative = [log(course, cats["reject"], ro_valence="negative") for _ in range(3)]
    positive = log(course, cats["kind"], ro_valence="positive")
    log(course, cats["kind"])
    login(therapist)

    response = get(client, course)

    ro = part(response.context["page"], "ro")
    assert [(v.label.text, v.overall.text, anchors(v.overall)) for v in ro.valences] == [
        ("Positive", "1 of 5 episodes (20%)", ids(positive)),
        ("Negative", "3 of 5 episodes (60%)", ids(*negative)),
    ]
    assert part(response.context["page"], "wish").valences == ()


def test_pattern_labels_a_retired_category_on_old_episodes(client, login, therapist, course, cats):
    cats["heard"].retired_at = timezone.now()
    cats["heard"].save(update_fields=["retired_at"])
    episodes = [log(course, cats["heard"]) for _ in range(5)]
    login(therapist)

    response = get(client, course)

    page = response.context["page"]
    heard = row(part(page, "wish"), "To be understood")
    assert (heard.label.retired, anchors(heard.overall)) == (True, ids(*episodes))
    assert page.theme[0].labels[0].retired is True
    listed = open_evidence(client, course, "all")
    assert listed.count('To be understood <span class="tag">retired</span>') == 5


def test_pattern_without_episodes_says_none_are_logged(client, login, therapist, course):
    login(therapist)

    response = get(client, course)

    assert response.context["page"].total == 0
    assert "No relationship episodes have been logged for this client yet." in (
        response.content.decode()
    )


def test_pattern_reading_records_one_access_event(client, login, therapist, course, cats):
    log(course, cats["close"])
    login(therapist)
    before = AuditEvent.objects.count()

    response = get(client, course)

    [event] = AuditEvent.objects.order_by("id")[before:]
    assert response.status_code == 200
    assert (event.action, event.actor, event.actor_role, event.object_id, event.changes) == (
        "record.read",
        therapist.user,
        "therapist",
        str(course.client.public_id),
        {"kind": "relationship pattern"},
    )


def test_pattern_is_open_to_the_supervisor(client, login, therapist, supervisor, course, cats):
    episode = log(course, cats["close"])
    login(supervisor)

    response = get(client, course)

    assert anchors(row(part(response.context["page"], "wish"), "To be close").overall) == ids(
        episode
    )


@pytest.mark.parametrize(("allowed", "status"), [(False, 404), (True, 200)])
def test_pattern_is_open_to_an_admin_only_where_the_practice_allows_it(
    client, login, admin, course, allowed, status
):
    admin.practice.admins_read_clinical = allowed
    admin.practice.save(update_fields=["admins_read_clinical"])
    login(admin)

    assert get(client, course).status_code == status


def test_pattern_of_another_therapists_client_is_not_found(
    client, login, other_therapist, course, cats
):
    log(course, cats["close"])
    login(other_therapist)

    response = get(client, course)

    assert response.status_code == 404
    assert (
        AuditEvent.objects.filter(
            action="access.denied", object_id=str(course.client.public_id)
        ).count()
        == 1
    )


def test_pattern_of_another_practices_client_is_not_found(
    client, login, therapist, foreign_therapist
):
    foreign = CourseFactory(
        client=ClientFactory(practice=foreign_therapist.practice, therapist=foreign_therapist)
    )
    login(therapist)

    assert get(client, foreign).status_code == 404


def test_pattern_refuses_a_post(client, login, therapist, course):
    login(therapist)

    response = client.post(reverse("clinic:pattern", args=[course.client.public_id]))

    assert response.status_code == 405


def bulk_episodes(course, cats, count):
    people = [PersonFactory(client=course.client, era=era) for era in ("childhood", "current")]
    episodes = Episode.objects.bulk_create(
        Episode(
            practice=course.practice,
            client=course.client,
            course=course,
            person=people[n % 2],
            when=("childhood", "current")[n % 2],
            phase=("initial", "middle", "ending")[n % 3],
            account=f"Fictional episode {n}.",
            logged_by=course.therapist,
            ro_valence="negative",
        )
        for n in range(count)
    )
    codes = [cats["close"], cats["reject"], cats["withdraw"]]
    EpisodeCategory.objects.bulk_create(
        EpisodeCategory(episode=e, category=c, part=c.part)
        for n, e in enumerate(episodes)
        for c in codes[: 1 + n % 3]
    )


@pytest.mark.parametrize("count", [5, 200])
def test_pattern_query_count_does_not_grow_with_the_episodes(
    client, login, therapist, course, cats, count, django_assert_num_queries
):
    bulk_episodes(course, cats, count)
    login(therapist)
    get(client, course)  # warm the session

    # Session, user, device and membership; the client; the episodes with their people,
    # appointments and courses; their categories; the practice's categories; the
    # referral count in the navigation; the session saved (three with its savepoint).
    with django_assert_num_queries(12):
        response = get(client, course)

    page = response.context["page"]
    assert (page.total, page.everything.count, page.too_few) == (count, count, False)


@pytest.mark.parametrize("count", [5, 200])
def test_evidence_query_count_does_not_grow_with_the_episodes(
    client, login, therapist, course, cats, count, django_assert_num_queries
):
    bulk_episodes(course, cats, count)
    login(therapist)
    url = reverse("clinic:pattern-evidence", args=[course.client.public_id])
    client.get(url, {"key": "all"})

    # As the page, less the referral count of the navigation the fragment does not show.
    with django_assert_num_queries(11):
        response = client.get(url, {"key": "all"}, headers={"HX-Request": "true"})

    assert len(response.context["items"]) == count


def test_pattern_page_for_200_episodes_stays_under_150_kb(
    client, login, therapist, course, default_categories
):
    by_part = {
        part: [c for c in default_categories if c.part == part] for part in ("wish", "ro", "rs")
    }
    cats = {"close": by_part["wish"][4], "reject": by_part["ro"][4], "withdraw": by_part["rs"][1]}
    bulk_episodes(course, cats, 200)
    login(therapist)

    response = get(client, course)

    assert response.context["page"].total == 200
    assert len(response.content) < 150_000


@pytest.mark.parametrize(
    "key",
    [
        "all",
        "phase:initial",
        "cat:wish:8f55f00d-03e6-4f92-bdee-6dc83ab6ce93:who:therapist",
        "cat:rs:x:era:none",
        "a~b.c_d/e",
        "seq:a b:c&d:é",
        "100%?#",
        "",
    ],
)
def test_a_figure_key_is_quoted_as_urllib_quotes_it(key):
    assert _quoted(key) == quote(key, safe="/")
