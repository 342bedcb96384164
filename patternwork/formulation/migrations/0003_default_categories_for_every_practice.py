"""Give every practice that has no categories yet the default set, audited once each.

New practices get the set when they are created; before that, the category and episode
pages created it on a first visit, so a practice nobody had visited them for has none.
"""

from django.db import migrations

# The pure data module (it imports nothing of Django). The set this migration gave is the
# first version; later versions reach practices through their own migrations.
from patternwork.formulation.categories import default_set

DEFAULT_CATEGORIES = default_set(1).categories


def create_default_categories(apps, schema_editor):
    Practice = apps.get_model("accounts", "Practice")
    Category = apps.get_model("formulation", "Category")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    for practice in Practice.objects.exclude(pattern_categories__isnull=False):
        created = Category.objects.bulk_create(
            Category(
                practice=practice,
                part=default.part,
                label=default.label,
                keywords="\n".join(default.keywords),
                default_key=default.key,
                position=position,
            )
            for position, default in enumerate(DEFAULT_CATEGORIES)
        )
        AuditEvent.objects.create(
            action="category.defaults",
            practice=practice,
            object_type="formulation.category",
            changes={"created": len(created)},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_practice_closures_and_client_numbers"),
        ("audit", "0002_append_only_triggers"),
        ("formulation", "0002_journal"),
    ]

    operations = [
        # Reversing keeps the categories: episodes may already be coded with them.
        migrations.RunPython(create_default_categories, migrations.RunPython.noop),
    ]
