import datetime
import uuid

from patternwork.formulation import patterns, services
from patternwork.formulation.models import Category, Episode
from patternwork.formulation.selectors import (
    PART_LABELS,
    affect_words,
    category_values,
    episodes_of,
    pattern_episodes,
    session_trend,
    to_pattern_episode,
    uuid_text,
)
from tests.factories import ClientFactory, CourseFactory, PersonFactory


def test_plain_value_episodes_match_the_model_episodes(therapist, practice):
    course = CourseFactory(client=ClientFactory(practice=practice, therapist=therapist))
    services.ensure_default_categories(practice)
    by_key = {c.default_key: c for c in Category.objects.filter(practice=practice)}
    mum = PersonFactory(client=course.client, label="Mum", era="childhood")
    codings = [
        (
            mum,
            {"wish": [by_key["w_close"], by_key["w_understood"]], "ro": [by_key["ro_rejecting"]]},
        ),
        (None, {"rs": [by_key["rs_low"]]}),
        (mum, {}),
    ]
    for person, categories in codings:
        services.log_episode(
            course=course,
            data={"when": "childhood", "account": "A fictional account.", "ro_valence": "negative"},
            person=person,
            with_therapist=person is None,
            categories=categories,
            by=therapist,
        )

    expected = [to_pattern_episode(e) for e in episodes_of(course.client)]

    assert pattern_episodes(course.client) == expected
    assert [len(e.wish) for e in expected] == [2, 0, 0]


def test_session_trend_counts_what_the_pattern_report_shows(therapist, practice):
    # The session page's trend is counted in SQL; it must be the report's core theme and
    # the shares by phase of its categories, ties and episodes without a phase included.
    course = CourseFactory(client=ClientFactory(practice=practice, therapist=therapist))
    services.ensure_default_categories(practice)
    by_key = {c.default_key: c for c in Category.objects.filter(practice=practice)}
    mum = PersonFactory(client=course.client, label="Mum", era="childhood")
    codings = [
        ("initial", {"wish": ["w_close"], "ro": ["ro_rejecting"], "rs": ["rs_low"]}),
        ("initial", {"wish": ["w_understood"], "ro": ["ro_rejecting"]}),
        ("middle", {"wish": ["w_close", "w_understood"]}),
        ("middle", {"ro": ["ro_rejecting"], "rs": ["rs_low"]}),
        ("", {"wish": ["w_close", "w_understood"]}),
        ("middle", {}),
    ]
    for phase, keys in codings:
        episode = services.log_episode(
            course=course,
            data={"when": "childhood", "account": "A fictional account.", "ro_valence": "negative"},
            person=mum,
            with_therapist=False,
            categories={part: [by_key[key] for key in found] for part, found in keys.items()},
            by=therapist,
        )
        Episode.objects.filter(pk=episode.pk).update(phase=phase)

    report = patterns.compute_patterns(pattern_episodes(course.client))
    labels = {str(c.public_id): c.label for c in by_key.values()}
    expected = [
        (
            PART_LABELS[part],
            labels[category],
            [
                (phase, (share.count, share.total) if share else None)
                for phase in ("initial", "middle", "ending")
                for share in [getattr(report.profile(part, category).by_phase, phase)]
            ],
        )
        for part in ("wish", "ro", "rs")
        for category in getattr(report.core_theme, part).categories
    ]
    trend, total, too_few = session_trend(course.client.pk)

    got = [
        (row.part, row.label, [(p, (s.count, s.total) if s else None) for p, s in row.shares])
        for row in trend
    ]
    assert got == expected
    assert (total, too_few) == (6, False)
    # w_close and w_understood tie on three episodes each: both are shown.
    assert [row.part for row in trend].count("Wanted") == 2
    assert session_trend(ClientFactory(practice=practice, therapist=therapist).pk) == ([], 0, True)


def test_uuid_text_writes_a_stored_uuid_as_str_does():
    # SQLite gives the 32 hex digits Django stores; PostgreSQL's driver gives a UUID.
    for _ in range(50):
        value = uuid.uuid4()
        assert uuid_text(value.hex) == str(value)
        assert uuid_text(value.hex.upper()) == str(value)
        assert uuid_text(value) == str(value)
        assert uuid_text(str(value)) == str(value)


def test_category_values_are_the_practices_categories_as_values(practice):
    services.ensure_default_categories(practice)
    reworded = Category.objects.filter(practice=practice, default_key="rs_low").get()
    reworded.label = "Felt small"
    reworded.save(update_fields=["label"])
    # A retired category is still named (an episode may still hold its code).
    Category.objects.filter(practice=practice, default_key="rs_anxious").update(
        retired_at=datetime.datetime(2026, 11, 2, 9, tzinfo=datetime.UTC)
    )
    categories = list(Category.objects.filter(practice=practice))

    names = category_values(practice.pk)

    assert [tuple(name) for name in names] == [
        (c.pk, str(c.public_id), c.part, c.label, c.retired_at, c.default_key) for c in categories
    ]
    assert affect_words(names) == affect_words(categories)
    assert str(reworded.public_id) not in affect_words(names)
