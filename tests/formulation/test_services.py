import datetime as dt
from importlib import import_module

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from patternwork.accounts.services import create_practice
from patternwork.audit.models import AuditEvent
from patternwork.formulation import services
from patternwork.formulation.categories import DEFAULT_CATEGORIES
from patternwork.formulation.models import Category, Episode, IpafVersion
from patternwork.formulation.selectors import pattern_view
from tests.factories import CategoryFactory, ClientFactory, CourseFactory, PersonFactory

MIGRATION = import_module(
    "patternwork.formulation.migrations.0003_default_categories_for_every_practice"
)

IPAF = {
    "self_representation": "Someone who has to earn a place",
    "other_representation": "People who lose interest once they have what they need",
    "linking_affects": "Anxiety, then shame",
    "defensive_function": "Not being the one who is let down",
    "transference": "May expect the therapist to tire of them",
}


@pytest.fixture
def course(therapist):
    return CourseFactory(client=ClientFactory(practice=therapist.practice, therapist=therapist))


@pytest.fixture
def mother(course):
    return PersonFactory(client=course.client, label="Mum", relationship="mother", era="childhood")


def log(course, therapist, person, categories=None, **data):
    return services.log_episode(
        course=course,
        data={"when": "current", "account": "She did not call back.", **data},
        person=person,
        with_therapist=person is None,
        categories=categories or {},
        by=therapist,
    )


def raw(table, column, pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def test_default_categories_are_created_once_with_eight_per_part(practice):
    services.ensure_default_categories(practice)
    services.ensure_default_categories(practice)

    counts = {
        part: Category.objects.filter(practice=practice, part=part).count()
        for part in ("wish", "ro", "rs")
    }
    assert counts == {"wish": 8, "ro": 8, "rs": 8}
    assert len(DEFAULT_CATEGORIES) == 24


def test_log_episode_with_categories_and_encrypted_texts(course, therapist, mother, practice):
    services.ensure_default_categories(practice)
    close = Category.objects.get(practice=practice, default_key="w_close")
    rejecting = Category.objects.get(practice=practice, default_key="ro_rejecting")

    episode = log(
        course,
        therapist,
        mother,
        {"wish": [close], "ro": [rejecting]},
        wish_text="EPISODE-CANARY-wish",
        ro_valence="negative",
    )

    assert sorted(episode.codes.values_list("part", "category__default_key")) == [
        ("ro", "ro_rejecting"),
        ("wish", "w_close"),
    ]
    assert episode.phase == "initial"
    assert "EPISODE-CANARY" not in raw("formulation_episode", "wish_text", episode.pk)
    assert "did not call" not in raw("formulation_episode", "account", episode.pk)
    event = AuditEvent.objects.get(action="episode.log")
    assert "EPISODE-CANARY" not in str(event.changes)
    assert AuditEvent.objects.exclude(action="category.defaults").count() == 1


def test_default_set_creation_is_audited_once(practice, therapist):
    services.ensure_default_categories(practice, by=therapist)
    services.ensure_default_categories(practice, by=therapist)

    event = AuditEvent.objects.get(action="category.defaults")
    assert (event.actor, event.changes) == (therapist.user, {"created": 24})


def test_a_practice_is_created_with_the_default_set_in_the_same_transaction(db):
    practice, _admin = create_practice(
        name="Eastfield Therapies", admin_email="lead@eastfield.test", admin_name="Lee Lead"
    )

    stored = Category.objects.filter(practice=practice)
    assert sorted(stored.values_list("default_key", flat=True)) == sorted(
        d.key for d in DEFAULT_CATEGORIES
    )
    assert list(AuditEvent.objects.order_by("id").values_list("action", "changes")) == [
        ("practice.create", {}),
        ("category.defaults", {"created": 24}),
        ("rubric.defaults", {"items": 18}),
        ("staff.invite", {"role": [None, "admin"]}),
    ]


def test_a_practice_that_cannot_be_created_leaves_no_categories(db):
    create_practice(name="Eastfield", admin_email="lead@eastfield.test", admin_name="Lee Lead")
    before = Category.objects.count()

    with pytest.raises(ValidationError):
        create_practice(name="Eastfield", admin_email="x@eastfield.test", admin_name="X")

    assert Category.objects.count() == before


def test_the_migration_gives_each_practice_without_categories_the_default_set(
    practice, other_practice
):
    CategoryFactory(practice=other_practice, label="Their own")
    loader = MigrationExecutor(connection).loader
    historical = loader.project_state(MIGRATION.Migration.dependencies).apps

    MIGRATION.create_default_categories(historical, None)

    assert Category.objects.filter(practice=practice).count() == 24
    assert list(
        Category.objects.filter(practice=other_practice).values_list("label", flat=True)
    ) == ["Their own"]
    event = AuditEvent.objects.get()
    assert (event.action, event.practice, event.changes) == (
        "category.defaults",
        practice,
        {"created": 24},
    )


def test_episode_needs_someone_and_refuses_another_clients_person(course, therapist, practice):
    stranger = PersonFactory(client=ClientFactory(practice=practice))

    with pytest.raises(ValidationError):
        services.log_episode(
            course=course,
            data={"when": "current", "account": "x"},
            person=None,
            with_therapist=False,
            categories={},
            by=therapist,
        )
    with pytest.raises(ValidationError, match="not on this client's map"):
        log(course, therapist, stranger)
    assert not Episode.objects.exists()


def test_episode_with_the_therapist(course, therapist):
    episode = log(course, therapist, None, when="in_session")

    assert (episode.with_therapist, episode.person) == (True, None)


def test_episode_refuses_a_category_of_another_practice_or_part(
    course, therapist, mother, other_practice
):
    foreign = CategoryFactory(practice=other_practice, part="wish")
    wrong_part = CategoryFactory(practice=course.practice, part="ro")

    with pytest.raises(ValidationError):
        log(course, therapist, mother, {"wish": [foreign]})
    with pytest.raises(ValidationError):
        log(course, therapist, mother, {"wish": [wrong_part]})
    assert not Episode.objects.exists()


def test_update_episode_changes_codes_and_audits_masked(course, therapist, mother, practice):
    services.ensure_default_categories(practice)
    close, understood = Category.objects.filter(
        practice=practice, default_key__in=["w_close", "w_understood"]
    ).order_by("position")
    episode = log(course, therapist, mother, {"wish": [close]})

    services.update_episode(
        episode=episode,
        data={"when": "childhood", "account": "New account"},
        person=mother,
        with_therapist=False,
        categories={"wish": [understood]},
        by=therapist,
    )

    episode.refresh_from_db()
    assert list(episode.codes.values_list("category__default_key", flat=True)) == ["w_understood"]
    event = AuditEvent.objects.get(action="episode.update")
    assert event.changes == {
        "account": "[changed]",
        "categories": "[changed]",
        "fragments": 0,
        "when": ["current", "childhood"],
    }


def test_retired_category_stays_on_old_episodes(course, therapist, mother, practice):
    services.ensure_default_categories(practice)
    close = Category.objects.get(practice=practice, default_key="w_close")
    episode = log(course, therapist, mother, {"wish": [close]})

    services.set_category_retired(category=close, retired=True, by=therapist)

    assert list(episode.codes.values_list("category__label", flat=True)) == [close.label]
    view = pattern_view(course.client)
    assert view.labels[str(close.public_id)] == close.label


def test_rename_and_duplicate_category(practice, therapist):
    category = services.add_category(
        practice=practice, part="rs", label="Numb", keywords="numb", by=therapist
    )

    with pytest.raises(ValidationError):
        services.add_category(practice=practice, part="rs", label="numb", keywords="", by=therapist)
    services.update_category(
        category=category, label="Numb, flat", keywords="numb\nflat", by=therapist
    )

    category.refresh_from_db()
    assert category.label == "Numb, flat"
    assert AuditEvent.objects.get(action="category.update").changes["label"] == [
        "Numb",
        "Numb, flat",
    ]


def test_ipaf_versions_never_change_and_can_be_agreed(course, therapist, mother):
    episode = log(course, therapist, mother)
    first = services.save_ipaf(course=course, data=IPAF, episodes=[episode], by=therapist)

    with pytest.raises(ValidationError, match="Nothing changed"):
        services.save_ipaf(course=course, data=IPAF, episodes=[episode], by=therapist)
    second = services.save_ipaf(
        course=course,
        data=IPAF | {"linking_affects": "Anxiety, shame, anger"},
        episodes=[episode],
        by=therapist,
    )
    services.mark_ipaf_agreed(version=second, agreed_on=dt.date(2026, 3, 1), by=therapist)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.number, first.linking_affects, first.agreed_on) == (
        1,
        "Anxiety, then shame",
        None,
    )
    assert (second.number, second.agreed_on) == (2, dt.date(2026, 3, 1))
    assert list(first.supporting_episodes.all()) == [episode]
    assert "Anxiety" not in raw("formulation_ipafversion", "linking_affects", second.pk)
    assert [e.action for e in AuditEvent.objects.order_by("id")] == [
        "episode.log",
        "ipaf.save",
        "ipaf.save",
        "ipaf.agree",
    ]


def test_ipaf_needs_its_core_and_no_future_agreement(course, therapist):
    with pytest.raises(ValidationError):
        services.save_ipaf(
            course=course, data={"self_representation": "x"}, episodes=[], by=therapist
        )
    version = services.save_ipaf(course=course, data=IPAF, episodes=[], by=therapist)

    with pytest.raises(ValidationError):
        services.mark_ipaf_agreed(version=version, agreed_on=dt.date(2999, 1, 1), by=therapist)
    assert IpafVersion.objects.get().agreed_on is None


def test_save_ipaf_needs_its_evidence_named(course, therapist, mother):
    # Leaving the episodes out must not quietly save a version with none of them.
    services.save_ipaf(
        course=course, data=IPAF, episodes=[log(course, therapist, mother)], by=therapist
    )

    with pytest.raises(TypeError):
        services.save_ipaf(
            course=course, data=IPAF | {"linking_affects": "Anxiety, shame, anger"}, by=therapist
        )
    assert IpafVersion.objects.count() == 1


def test_save_ipaf_keeps_the_episodes_it_is_given_and_audits_the_change(course, therapist, mother):
    kept, dropped, new = (log(course, therapist, mother) for _ in range(3))
    services.save_ipaf(course=course, data=IPAF, episodes=[kept, dropped], by=therapist)

    second = services.save_ipaf(course=course, data=IPAF, episodes=[kept, new], by=therapist)
    third = services.save_ipaf(course=course, data=IPAF, episodes=[], by=therapist)

    assert list(second.supporting_episodes.all()) == [kept, new]
    assert list(third.supporting_episodes.all()) == []
    saves = AuditEvent.objects.filter(action="ipaf.save").order_by("id")
    assert [
        (e.changes["episodes"], e.changes["episodes_added"], e.changes["episodes_removed"])
        for e in saves
    ] == [
        (2, [str(kept.public_id), str(dropped.public_id)], []),
        (2, [str(new.public_id)], [str(dropped.public_id)]),
        (0, [], [str(kept.public_id), str(new.public_id)]),
    ]
