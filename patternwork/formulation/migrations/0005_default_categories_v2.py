"""Bring every practice's default categories to version 2 of the default set.

Version 2 fixes two drifts from the CCRT's third-edition clusters (categories.py and
category_sets/default-v2.json say which). Codes move only where their meaning clearly
belongs elsewhere; the rest are listed for a clinician. The report is kept per practice
and shown to its admins on the category page.
"""

from django.db import migrations

from patternwork.formulation.category_upgrade import upgrade_practices


def to_version_2(apps, schema_editor):
    upgrade_practices(apps, to_version=2)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_append_only_triggers"),
        ("formulation", "0004_category_set_versions"),
    ]

    operations = [
        # Reversing leaves the codes where they are: moving them back would undo
        # recoding that clinicians may have done since.
        migrations.RunPython(to_version_2, migrations.RunPython.noop),
    ]
