"""Flag the existing summaries whose course dates break the plan's date rules.

Uses the pure rule itself (`treatment.plan.date_problems`), so rows written before the
rules existed are judged exactly as `refresh_outcome_summary` judges new ones: the
referral day and end day the summary already holds, the course's start date, and the
local days of its earliest and latest sessions that were not cancelled.
"""

from zoneinfo import ZoneInfo

from django.db import migrations
from django.db.models import Max, Min, Q

from patternwork.treatment import plan

CANCELLED = ["cancelled_client", "cancelled_therapist"]
BATCH = 2000


def fill(apps, schema_editor):
    OutcomeSummary = apps.get_model("measures", "OutcomeSummary")
    Practice = apps.get_model("accounts", "Practice")
    zones = {pk: ZoneInfo(name) for pk, name in Practice.objects.values_list("pk", "time_zone")}
    held = ~Q(course__appointments__status__in=CANCELLED)
    rows = (
        OutcomeSummary.objects.annotate(
            first=Min("course__appointments__starts_at", filter=held),
            last=Max("course__appointments__starts_at", filter=held),
        )
        .values_list(
            "pk",
            "practice_id",
            "referral_received_on",
            "ended_on",
            "course__start_date",
            "first",
            "last",
        )
        .order_by("pk")
    )
    flagged: dict[str, list[int]] = {}
    for pk, practice_id, received, ended, start, first, last in rows.iterator(chunk_size=BATCH):
        zone = zones[practice_id]
        sessions = [moment.astimezone(zone).date() for moment in (first, last) if moment]
        problems = plan.date_problems(
            referral_received=received, start=start, end=ended, sessions=sessions
        )
        if problems:
            flagged.setdefault(plan.encode_problems(problems), []).append(pk)
    for stored, pks in flagged.items():
        for offset in range(0, len(pks), BATCH):
            OutcomeSummary.objects.filter(pk__in=pks[offset : offset + BATCH]).update(
                date_problems=stored
            )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_practice_closures_and_client_numbers"),
        ("measures", "0005_outcomesummary_date_problems"),
        ("treatment", "0001_initial"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
