"""The default set's versions, and the data migration that brings a practice to version 2."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from patternwork.audit.models import AuditEvent
from patternwork.demo.formulation_data import STORIES
from patternwork.formulation import services
from patternwork.formulation.categories import CLUSTERS, PARTS, default_set
from patternwork.formulation.category_upgrade import upgrade_practices
from patternwork.formulation.models import Category, CategorySetChange, EpisodeCategory
from tests.factories import CategoryFactory, CourseFactory, EpisodeFactory, PersonFactory

V1 = default_set(1)
V2 = default_set(2)


def test_each_version_has_one_category_per_cluster_of_each_part():
    for default in (V1, V2):
        for part in PARTS:
            clusters = [c.cluster for c in default.categories if c.part == part]
            assert sorted(clusters) == list(CLUSTERS)


def test_version_2_fixes_the_two_drifts_from_the_third_edition():
    v2 = V2.by_key()
    ro_d = next(c for c in V2.categories if c.part == "ro" and c.cluster == "D")
    ro_e = next(c for c in V2.categories if c.part == "ro" and c.cluster == "E")
    rs_a = next(c for c in V2.categories if c.part == "rs" and c.cluster == "A")
    rs_f = next(c for c in V2.categories if c.part == "rs" and c.cluster == "F")

    assert ro_d.label == "Bad, unreliable"
    assert "critical" in ro_e.label.casefold()
    assert "criticised" in ro_e.keywords
    assert "went along" not in rs_a.label.casefold()
    assert "went along" not in rs_a.keywords
    assert "went along" in rs_f.label.casefold()
    assert "went along" in rs_f.keywords
    assert "ro_critical" not in v2
    assert "rs_helpful" not in v2


def test_every_response_of_self_has_affect_words_of_its_own():
    affects = [c.affect for c in V2.categories if c.part == "rs"]

    assert all(affects)
    assert len({word for words in affects for word in words}) == sum(map(len, affects))


@pytest.fixture
def v1_practice(practice):
    """A practice given the first default set by the earlier migration, before version 2."""
    for position, default in enumerate(V1.categories):
        CategoryFactory(
            practice=practice,
            part=default.part,
            label=default.label,
            keywords="\n".join(default.keywords),
            default_key=default.key,
            position=position,
        )
    return practice


def _code(episode, *keys):
    for key in keys:
        category = Category.objects.get(practice=episode.practice, default_key=key)
        EpisodeCategory.objects.create(episode=episode, category=category, part=category.part)


@pytest.fixture
def demo_coded(v1_practice, therapist):
    """The demo's stories, coded as the demo coded two clients under version 1: one whose
    others were "critical, unkind" and one who "went along, helped them"."""
    critical = CourseFactory(client__practice=v1_practice, therapist=therapist, state="active")
    helping = CourseFactory(client__practice=v1_practice, therapist=therapist, state="active")
    coded = {"critical": [], "helping": []}
    for name, course, keys in (
        ("critical", critical, ("w_understood", "ro_critical", "rs_oppose")),
        ("helping", helping, ("w_understood", "ro_rejecting", "rs_helpful")),
    ):
        person = PersonFactory(client=course.client, label="Manager")
        for _who, when, account in STORIES[:4]:
            episode = EpisodeFactory(
                course=course, person=person, when=when, account=account.format(other="her")
            )
            _code(episode, *keys)
            coded[name].append(episode)
    # One episode coded both "critical" and "rejecting": it keeps a single code.
    _code(coded["helping"][0], "ro_critical")
    return coded


def _label_of(episode, part):
    return sorted(episode.codes.filter(part=part).values_list("category__label", flat=True))


def test_upgrade_moves_critical_codes_into_the_rejecting_cluster(demo_coded, v1_practice):
    assert upgrade_practices(apps, to_version=2) == 1

    for episode in demo_coded["critical"]:
        assert _label_of(episode, "ro") == ["Rejecting, critical, opposing"]
    assert _label_of(demo_coded["helping"][0], "ro") == ["Rejecting, critical, opposing"]
    old = Category.objects.get(practice=v1_practice, default_key="ro_critical")
    assert (old.label, old.retired_at is not None, old.codes.count()) == (
        "Critical, unkind",
        True,
        0,
    )


def test_upgrade_leaves_went_along_codes_for_a_clinician_to_recode(demo_coded, v1_practice):
    upgrade_practices(apps, to_version=2)

    for episode in demo_coded["helping"]:
        assert _label_of(episode, "rs") == ["Went along, helped them"]
    old = Category.objects.get(practice=v1_practice, default_key="rs_helpful")
    assert old.retired_at is not None
    offered = Category.objects.filter(practice=v1_practice, part="rs", retired_at__isnull=True)
    assert sorted(offered.values_list("default_key", flat=True)) == sorted(
        c.key for c in V2.categories if c.part == "rs"
    )


def test_upgrade_records_what_moved_for_the_admin(demo_coded, v1_practice):
    upgrade_practices(apps, to_version=2)

    report = CategorySetChange.objects.get(practice=v1_practice, version=2).report
    critical_ids = sorted(str(e.public_id) for e in demo_coded["critical"])
    both = str(demo_coded["helping"][0].public_id)
    assert report["moved"][0]["from"] == "Critical, unkind"
    assert report["moved"][0]["to"] == "Rejecting, critical, opposing"
    assert report["moved"][0]["episodes"] == sorted([*critical_ids, both])
    assert report["moved"][0]["merged"] == 1
    assert report["to_review"][0]["episodes"] == sorted(
        str(e.public_id) for e in demo_coded["helping"]
    )
    assert report["to_review"][0]["candidates"] == [
        "Helped them, was there for them",
        "Helpless, went along, gave in",
    ]
    assert report["relabelled"] == [
        {"from": "Rejecting, dismissive", "to": "Rejecting, critical, opposing"},
        {"from": "Helpless, stuck", "to": "Helpless, went along, gave in"},
    ]
    assert report["added"] == ["Bad, unreliable", "Helped them, was there for them"]
    event = AuditEvent.objects.get(action="category.set_upgrade")
    assert event.changes == {"version": [1, 2], "moved": 5, "to_review": 4}


def test_the_migration_itself_upgrades_the_demo_coded_practice(demo_coded, v1_practice):
    migration = importlib.import_module(
        "patternwork.formulation.migrations.0005_default_categories_v2"
    )

    migration.to_version_2(apps, schema_editor=None)

    assert CategorySetChange.objects.get(practice=v1_practice).version == 2
    for episode in demo_coded["critical"]:
        assert _label_of(episode, "ro") == ["Rejecting, critical, opposing"]


def test_upgrade_runs_once_and_skips_practices_given_version_2(demo_coded, other_practice):
    services.ensure_default_categories(other_practice)
    upgrade_practices(apps, to_version=2)

    assert upgrade_practices(apps, to_version=2) == 0
    assert CategorySetChange.objects.filter(practice=other_practice).count() == 1
    assert AuditEvent.objects.filter(action="category.set_upgrade").count() == 1


def test_upgrade_keeps_a_category_the_practice_reworded(demo_coded, v1_practice):
    Category.objects.filter(practice=v1_practice, default_key="ro_critical").update(
        label="Harsh with me"
    )

    upgrade_practices(apps, to_version=2)

    for episode in demo_coded["critical"]:
        assert _label_of(episode, "ro") == ["Harsh with me"]
    report = CategorySetChange.objects.get(practice=v1_practice).report
    assert report["moved"] == []
    assert {"category": "Harsh with me", "reason": "edited"} in report["kept"]


def test_admin_sees_the_report_of_moved_codes(client, login, admin, demo_coded):
    upgrade_practices(apps, to_version=2)
    login(admin)

    content = client.get(reverse("clinic:category-set")).content.decode()

    assert "The default set moved from version 1 to version 2" in content
    assert "“Critical, unkind” → “Rejecting, critical, opposing”: 5 episodes." in content
    assert "“Went along, helped them” is retired and stays on 4 episodes" in content


def test_therapist_does_not_get_the_upgrade_report(client, login, therapist, demo_coded):
    upgrade_practices(apps, to_version=2)
    login(therapist)

    content = client.get(reverse("clinic:category-set")).content.decode()

    assert "The default set moved" not in content
