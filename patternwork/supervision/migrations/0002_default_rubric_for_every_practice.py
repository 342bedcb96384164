"""Give every existing practice the default rating form, audited once each.

New practices get it when they are created (SupervisionConfig.ready).
"""

from django.db import migrations

# The pure data module: the same form a new practice gets (it imports nothing of Django).
from patternwork.supervision import rubric


def create_default_rubrics(apps, schema_editor):
    Practice = apps.get_model("accounts", "Practice")
    Rubric = apps.get_model("supervision", "Rubric")
    RubricItem = apps.get_model("supervision", "RubricItem")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    have = set(Rubric.objects.values_list("practice_id", flat=True))
    for practice in Practice.objects.exclude(pk__in=have):
        created = Rubric.objects.create(
            practice=practice,
            version=1,
            title=rubric.DEFAULT_TITLE,
            source=rubric.SOURCE,
            is_current=True,
        )
        RubricItem.objects.bulk_create(
            RubricItem(
                rubric=created,
                position=position,
                domain=spec.domain.value,
                text=spec.text,
                phases=rubric.encode_phases(spec.phases),
            )
            for position, spec in enumerate(rubric.DEFAULT_ITEMS, start=1)
        )
        AuditEvent.objects.create(
            action="rubric.defaults",
            practice=practice,
            object_type="supervision.rubric",
            object_id=str(created.public_id),
            changes={"items": len(rubric.DEFAULT_ITEMS)},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_append_only_triggers"),
        ("supervision", "0001_supervision_sessions_cosigning_ratings"),
    ]

    operations = [
        # Reversing keeps the forms: sessions may already be rated on them.
        migrations.RunPython(create_default_rubrics, migrations.RunPython.noop),
    ]
