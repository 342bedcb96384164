from django.db import migrations

from patternwork.audit import triggers


def create(apps, schema_editor):
    triggers.create(schema_editor.connection)


def drop(apps, schema_editor):
    triggers.drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
