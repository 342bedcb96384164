"""Chain the audit rows written before the chain existed, oldest first, per practice."""

from datetime import UTC

from django.db import migrations

from patternwork.audit import chain, triggers


def chain_existing(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditChainHead = apps.get_model("audit", "AuditChainHead")
    Practice = apps.get_model("accounts", "Practice")
    # Every practice's chain, and the instance's, starts with a head.
    for key in [chain.INSTANCE, *map(chain.chain_key, Practice.objects.values_list("pk", flat=True))]:
        AuditChainHead.objects.get_or_create(chain=key, defaults={"hash": chain.GENESIS})
    unchained = AuditEvent.objects.filter(chain_seq__isnull=True)
    if not unchained.exists():
        return
    # The only UPDATE audit rows ever get: filling in their own links, once.
    triggers.drop(schema_editor.connection)
    heads = {head.chain: head for head in AuditChainHead.objects.all()}
    for event in unchained.order_by("id").iterator(chunk_size=2000):
        key = chain.chain_key(event.practice_id)
        head = heads[key]
        values = {name: getattr(event, name) for name in chain.FIELDS}
        values["occurred_at"] = event.occurred_at.astimezone(UTC).isoformat(
            timespec="microseconds"
        )
        head.seq += 1
        head.hash = chain.link(head.hash, head.seq, values)
        AuditEvent.objects.filter(pk=event.pk).update(chain_seq=head.seq, chain_hash=head.hash)
    for head in heads.values():
        head.save()
    triggers.create(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_hash_chain"), ("accounts", "0005_public_page_and_profiles")]

    operations = [migrations.RunPython(chain_existing, migrations.RunPython.noop)]
