import pytest
from django.urls import reverse
from django.utils import timezone

from patternwork.accounts.services import create_practice
from patternwork.audit.models import AuditEvent
from patternwork.clinic.forms.patterns import MAX_KEYWORDS
from patternwork.formulation.categories import DEFAULT_CATEGORIES
from patternwork.formulation.models import Category
from patternwork.formulation.services import CATEGORY_EXISTS
from tests.factories import CategoryFactory

SET = reverse("clinic:category-set")


def events(exclude_denied=True):
    # The default set and the default rating form are created (and audited once each) with
    # the practice; tested on their own.
    found = AuditEvent.objects.exclude(action__in=["category.defaults", "rubric.defaults"])
    found = found.order_by("id")
    if exclude_denied:
        found = found.exclude(action="access.denied")
    return list(found.values_list("action", "object_id", "changes"))


def edit_url(category):
    return reverse("clinic:category-edit", args=[category.public_id])


def retire_url(category):
    return reverse("clinic:category-retire", args=[category.public_id])


def restore_url(category):
    return reverse("clinic:category-restore", args=[category.public_id])


# The set


def test_a_new_practice_has_the_default_set(client, login, foreign_admin):
    practice, admin = create_practice(
        name="Eastfield Therapies", admin_email="lead@eastfield.test", admin_name="Lee Lead"
    )
    login(admin)

    response = client.get(SET)

    labels = list(
        Category.objects.filter(practice=practice).values_list("part", "label", "retired_at")
    )
    assert sorted(labels) == sorted((d.part, d.label, None) for d in DEFAULT_CATEGORIES)
    assert len(labels) == 24
    assert Category.objects.filter(practice=foreign_admin.practice).count() == 0
    active = {g["part"]: [c.label for c, _ in g["active"]] for g in response.context["parts"]}
    assert active["wish"] == [d.label for d in DEFAULT_CATEGORIES if d.part == "wish"]
    assert (len(active["ro"]), len(active["rs"])) == (8, 8)
    assert response.context["can_edit"] is True
    assert "Add a category" in response.content.decode()


def test_a_visit_keeps_the_practices_own_changes(client, login, admin, default_categories):
    login(admin)
    category = Category.objects.get(practice=admin.practice, label="Helpful")
    category.label = "Kind to me"
    category.save(update_fields=["label"])

    client.get(SET)

    labels = set(Category.objects.filter(practice=admin.practice).values_list("label", flat=True))
    assert ("Kind to me" in labels, "Helpful" in labels, len(labels)) == (True, False, 24)


@pytest.mark.parametrize("role", ["therapist", "supervisor"])
def test_clinicians_read_the_set_without_controls(client, login, therapist, supervisor, role):
    member = therapist if role == "therapist" else supervisor
    CategoryFactory(practice=member.practice, part="wish", label="To be seen", keywords="seen")
    login(member)

    response = client.get(SET)

    content = response.content.decode()
    assert (response.status_code, response.context["can_edit"], response.context["form"]) == (
        200,
        False,
        None,
    )
    assert "To be seen" in content
    assert "a practice admin can rename, add, retire and restore categories" in content
    assert "/edit/" not in content
    assert "/retire/" not in content
    assert "Add category" not in content


def test_a_therapist_cannot_add_a_category(client, login, therapist):
    CategoryFactory(practice=therapist.practice)
    login(therapist)

    response = client.post(SET, {"part": "wish", "label": "Sneaky", "keywords": ""})

    assert response.status_code == 403
    assert not Category.objects.filter(label="Sneaky").exists()
    assert events() == []
    denied = AuditEvent.objects.get(action="access.denied")
    assert (denied.actor, denied.object_id) == (therapist.user, SET)


def test_retired_categories_are_listed_apart_with_restore(client, login, admin):
    active = CategoryFactory(practice=admin.practice, part="rs", label="Withdrew")
    retired = CategoryFactory(
        practice=admin.practice, part="rs", label="Sulked", retired_at=timezone.now()
    )
    login(admin)

    response = client.get(SET)

    rs = next(g for g in response.context["parts"] if g["part"] == "rs")
    assert ([c for c, _ in rs["active"]], [c for c, _ in rs["retired"]]) == ([active], [retired])
    content = response.content.decode()
    assert restore_url(retired) in content
    assert retire_url(active) in content
    assert restore_url(active) not in content


def test_set_query_count_does_not_grow_with_the_categories(
    client, login, admin, default_categories, django_assert_num_queries
):
    login(admin)
    client.get(SET)
    # Session, user, device and membership; the categories; the upgrades of the default
    # set (admins only); the referral count in the navigation.
    with django_assert_num_queries(7) as few:
        client.get(SET)
    for n in range(30):
        CategoryFactory(practice=admin.practice, part=("wish", "ro", "rs")[n % 3])

    with django_assert_num_queries(len(few)):
        response = client.get(SET)

    assert sum(len(g["active"]) for g in response.context["parts"]) == 54


@pytest.mark.parametrize(("role", "shown"), [("admin", True), ("therapist", False)])
def test_navigation_links_the_set_for_admins(client, login, admin, therapist, role, shown):
    login(admin if role == "admin" else therapist)

    response = client.get(reverse("clinic:home"))

    assert (f'<a href="{SET}"' in response.content.decode()) == shown


# Adding


def test_admin_adds_a_category_with_keywords_audited_once(client, login, admin):
    login(admin)
    client.get(SET)

    response = client.post(
        SET,
        {"part": "ro", "label": "  Forgot about me ", "keywords": "Forgot, ignored\n  left out"},
    )

    category = Category.objects.get(practice=admin.practice, label="Forgot about me")
    assert (response.status_code, response["Location"]) == (302, SET)
    assert (category.part, category.keywords, category.retired_at) == (
        "ro",
        "forgot\nignored\nleft out",
        None,
    )
    assert events() == [
        (
            "category.add",
            str(category.public_id),
            {"label": [None, "Forgot about me"], "part": "ro"},
        )
    ]


def test_adding_a_label_already_used_keeps_the_input(client, login, admin):
    CategoryFactory(practice=admin.practice, part="wish", label="To be close")
    login(admin)

    response = client.post(SET, {"part": "wish", "label": "to be CLOSE", "keywords": "near"})

    form = response.context["form"]
    assert response.status_code == 400
    assert form.errors == {"label": [CATEGORY_EXISTS.format(label="to be CLOSE")]}
    assert (form["label"].value(), form["keywords"].value(), form["part"].value()) == (
        "to be CLOSE",
        "near",
        "wish",
    )
    assert Category.objects.filter(practice=admin.practice).count() == 1
    assert events() == []


def test_the_same_label_may_serve_another_part(client, login, admin):
    CategoryFactory(practice=admin.practice, part="wish", label="Angry")
    login(admin)

    response = client.post(SET, {"part": "rs", "label": "Angry", "keywords": ""})

    assert response.status_code == 302
    assert set(Category.objects.values_list("part", "label")) == {
        ("wish", "Angry"),
        ("rs", "Angry"),
    }


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"part": "wish", "label": "   ", "keywords": ""}, "label", "This field is required."),
        (
            {"part": "feelings", "label": "Sad", "keywords": ""},
            "part",
            "Select a valid choice. feelings is not one of the available choices.",
        ),
        (
            {"part": "wish", "label": "x" * 101, "keywords": ""},
            "label",
            "Ensure this value has at most 100 characters (it has 101).",
        ),
        (
            {"part": "wish", "label": "Sad", "keywords": ", ".join(f"w{n}" for n in range(41))},
            "keywords",
            f"Keep to {MAX_KEYWORDS} keywords at most (there are 41).",
        ),
        (
            {"part": "wish", "label": "Sad", "keywords": "a" * 61},
            "keywords",
            "Each keyword can be at most 60 characters: “aaaaaaaaaaaaaaaaaaaa…” is longer.",
        ),
        (
            {"part": "wish", "label": "Sad\x00", "keywords": ""},
            "label",
            "Null characters are not allowed.",
        ),
    ],
)
def test_adding_bad_input_is_a_form_error(
    client, login, admin, default_categories, data, field, message
):
    login(admin)
    client.get(SET)

    response = client.post(SET, data)

    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert Category.objects.filter(practice=admin.practice).count() == 24
    assert events() == []


# Renaming and keywords


def test_rename_is_audited_once_with_old_and_new(client, login, admin):
    category = CategoryFactory(
        practice=admin.practice, part="ro", label="Rejecting", keywords="rejected"
    )
    login(admin)

    response = client.post(
        edit_url(category), {"label": "Rejecting, dismissive", "keywords": "rejected\nDismissed"}
    )

    category.refresh_from_db()
    assert (response.status_code, response["Location"]) == (302, SET)
    assert (category.label, category.keywords) == ("Rejecting, dismissive", "rejected\ndismissed")
    assert events() == [
        (
            "category.update",
            str(category.public_id),
            {
                "label": ["Rejecting", "Rejecting, dismissive"],
                "keywords": ["rejected", "rejected\ndismissed"],
            },
        )
    ]


def test_edit_page_shows_the_category(client, login, admin):
    category = CategoryFactory(practice=admin.practice, part="rs", label="Withdrew", keywords="hid")
    login(admin)

    response = client.get(edit_url(category))

    form = response.context["form"]
    assert (response.status_code, form["label"].value(), form["keywords"].value()) == (
        200,
        "Withdrew",
        "hid",
    )
    assert retire_url(category) in response.content.decode()


def test_saving_without_a_change_writes_nothing(client, login, admin):
    category = CategoryFactory(practice=admin.practice, label="Calm", keywords="calm\nsteady")
    login(admin)

    response = client.post(edit_url(category), {"label": "Calm ", "keywords": "Calm, steady"})

    assert response.status_code == 302
    assert events() == []
    assert [str(m) for m in response.wsgi_request._messages] == ["Nothing changed."]


def test_renaming_to_a_label_in_use_keeps_the_input(client, login, admin):
    CategoryFactory(practice=admin.practice, part="wish", label="To be close")
    category = CategoryFactory(practice=admin.practice, part="wish", label="To belong")
    login(admin)

    response = client.post(edit_url(category), {"label": "To Be Close", "keywords": "team"})

    category.refresh_from_db()
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "label": [CATEGORY_EXISTS.format(label="To Be Close")]
    }
    assert response.context["form"]["keywords"].value() == "team"
    assert (category.label, response.context["title"]) == ("To belong", "To belong")
    assert events() == []


def test_edit_page_is_for_admins_only(client, login, therapist):
    category = CategoryFactory(practice=therapist.practice)
    login(therapist)

    response = client.post(edit_url(category), {"label": "Mine now", "keywords": ""})

    category.refresh_from_db()
    assert (response.status_code, category.label == "Mine now") == (404, False)
    assert events() == []


# Retiring and restoring


def test_retire_then_restore_each_audited_once(client, login, admin):
    category = CategoryFactory(practice=admin.practice, label="Clingy")
    login(admin)

    retired = client.post(retire_url(category))
    category.refresh_from_db()
    was_retired = category.retired_at is not None
    restored = client.post(restore_url(category))
    category.refresh_from_db()

    assert (retired.status_code, restored.status_code) == (302, 302)
    assert (was_retired, category.retired_at) == (True, None)
    assert events() == [
        ("category.retire", str(category.public_id), {"retired": [False, True]}),
        ("category.restore", str(category.public_id), {"retired": [True, False]}),
    ]


def test_retiring_twice_writes_once(client, login, admin):
    category = CategoryFactory(practice=admin.practice, label="Clingy")
    login(admin)
    client.post(retire_url(category))

    response = client.post(retire_url(category))

    assert response.status_code == 302
    assert [str(m) for m in response.wsgi_request._messages] == [
        "“Clingy” is retired: it stays on the episodes already coded with it but is no longer "
        "offered.",
        "“Clingy” was already retired.",
    ]
    assert [action for action, _, _ in events()] == ["category.retire"]


def test_retire_refuses_a_get(client, login, admin):
    category = CategoryFactory(practice=admin.practice)
    login(admin)

    response = client.get(retire_url(category))

    category.refresh_from_db()
    assert (response.status_code, category.retired_at) == (405, None)


@pytest.mark.parametrize("url", [edit_url, retire_url, restore_url])
def test_another_practices_category_is_not_found(client, login, admin, foreign_admin, url):
    foreign = CategoryFactory(practice=foreign_admin.practice, label="Theirs")
    login(admin)

    response = client.post(url(foreign), {"label": "Ours now", "keywords": ""})

    foreign.refresh_from_db()
    assert response.status_code == 404
    assert (foreign.label, foreign.retired_at) == ("Theirs", None)
    assert events() == []
    assert AuditEvent.objects.get(action="access.denied").object_id == str(foreign.public_id)
