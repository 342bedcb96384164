"""Bring a practice's default categories from one version of the default set to the next.

Called by the data migration with the historical app registry, and by tests with the
live one: it uses only `apps.get_model`, so it runs the same in both. Per practice, in
the migration's transaction:

- codes whose meaning belongs to another category move there (an episode already coded
  with the target keeps one code), and the old category is retired with its wording
  intact;
- codes whose old wording spanned two clusters stay on the old category, retired, and
  are listed for a clinician to recode: guessing would change what a therapist meant;
- a category whose wording only widened takes the new wording and keywords;
- categories new in the set are added;
- a category the practice has reworded is left alone and named in the report, since
  the practice's wording, not the default, is what its codes mean.

Each practice gets one `CategorySetChange` row holding the report and one audit event.
"""

from __future__ import annotations

from django.utils import timezone

from patternwork.formulation.categories import DefaultSet, default_set

ACTION = "category.set_upgrade"
EDITED = "edited"
LABEL_TAKEN = "label-taken"
MISSING = "missing"


def upgrade_practices(apps, *, to_version: int) -> int:
    """Upgrade every practice that has default categories of the previous version.

    Returns how many practices were upgraded. A practice already at `to_version` (or
    with no default categories at all) is left as it is.
    """
    new = default_set(to_version)
    old = default_set(new.changes.from_version)
    Practice = apps.get_model("accounts", "Practice")
    Category = apps.get_model("formulation", "Category")
    Change = apps.get_model("formulation", "CategorySetChange")
    upgraded = 0
    for practice in Practice.objects.order_by("pk"):
        if Change.objects.filter(practice=practice, version__gte=to_version).exists():
            continue
        categories = list(Category.objects.filter(practice=practice).exclude(default_key=""))
        if not categories:
            continue
        report = _upgrade(apps, practice, categories, old, new)
        Change.objects.create(practice=practice, version=to_version, report=report)
        apps.get_model("audit", "AuditEvent").objects.create(
            action=ACTION,
            practice=practice,
            object_type="formulation.categorysetchange",
            changes={
                "version": [old.version, new.version],
                "moved": sum(len(m["episodes"]) for m in report["moved"]),
                "to_review": sum(len(r["episodes"]) for r in report["to_review"]),
            },
        )
        upgraded += 1
    return upgraded


def _untouched(category, default) -> bool:
    return default is not None and category.label == default.label


def _upgrade(apps, practice, categories, old: DefaultSet, new: DefaultSet) -> dict:
    Category = apps.get_model("formulation", "Category")
    Code = apps.get_model("formulation", "EpisodeCategory")
    now = timezone.now()
    old_keys, new_keys = old.by_key(), new.by_key()
    by_key = {c.default_key: c for c in categories}
    labels = {(c.part, c.label.casefold()) for c in Category.objects.filter(practice=practice)}
    report: dict = {
        "from_version": old.version,
        "to_version": new.version,
        "moved": [],
        "to_review": [],
        "relabelled": [],
        "added": [],
        "kept": [],
    }

    def keep(category, reason):
        report["kept"].append({"category": category.label, "reason": reason})

    def retire(category):
        category.retired_at = category.retired_at or now
        category.save(update_fields=["retired_at", "updated_at"])

    # New categories first, so that moves have their targets.
    for position, default in enumerate(new.categories):
        if default.key in by_key or default.key in old_keys:
            continue
        if (default.part, default.label.casefold()) in labels:
            report["kept"].append({"category": default.label, "reason": LABEL_TAKEN})
            continue
        by_key[default.key] = Category.objects.create(
            practice=practice,
            part=default.part,
            label=default.label,
            keywords="\n".join(default.keywords),
            default_key=default.key,
            position=position,
        )
        labels.add((default.part, default.label.casefold()))
        report["added"].append(default.label)

    for key in new.changes.relabels:
        category = by_key.get(key)
        if category is None:
            continue
        if not _untouched(category, old_keys.get(key)):
            keep(category, EDITED)
            continue
        default = new_keys[key]
        if (category.part, default.label.casefold()) in labels - {
            (category.part, category.label.casefold())
        }:
            keep(category, LABEL_TAKEN)
            continue
        report["relabelled"].append({"from": category.label, "to": default.label})
        category.label, category.keywords = default.label, "\n".join(default.keywords)
        category.save(update_fields=["label", "keywords", "updated_at"])

    for move in new.changes.moves:
        source, target = by_key.get(move.source), by_key.get(move.target)
        if source is None:
            continue
        if not _untouched(source, old_keys[move.source]):
            keep(source, EDITED)
            continue
        if target is None:
            keep(source, MISSING)
            continue
        codes = list(Code.objects.filter(category=source).select_related("episode"))
        already = set(
            Code.objects.filter(
                category=target, episode__in=[c.episode_id for c in codes]
            ).values_list("episode_id", flat=True)
        )
        merged = [c.pk for c in codes if c.episode_id in already]
        Code.objects.filter(pk__in=merged).delete()
        Code.objects.filter(category=source).update(category=target)
        retire(source)
        report["moved"].append(
            {
                "from": source.label,
                "to": target.label,
                "reason": move.reason,
                "episodes": sorted(str(c.episode.public_id) for c in codes),
                "merged": len(merged),
            }
        )

    for review in new.changes.reviews:
        source = by_key.get(review.source)
        if source is None:
            continue
        if not _untouched(source, old_keys[review.source]):
            keep(source, EDITED)
            continue
        episodes = sorted(
            str(public_id)
            for public_id in Code.objects.filter(category=source).values_list(
                "episode__public_id", flat=True
            )
        )
        retire(source)
        report["to_review"].append(
            {
                "category": source.label,
                "candidates": [by_key[key].label for key in review.candidates if key in by_key],
                "reason": review.reason,
                "episodes": episodes,
            }
        )
    return report
