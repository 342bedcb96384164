"""Checking the audit hash chains, and anchoring their heads.

`verify_chains` walks every chain in the database (each practice's and the instance's)
and reports the first broken link of each. `write_anchors` copies every chain head into
the anchor table and the log; the nightly housekeeping calls it, and so may cron.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping

from django.db import transaction
from django.db.models import F

from patternwork.audit import chain
from patternwork.audit.models import AuditAnchor, AuditChainHead, AuditEvent
from patternwork.audit.services import chain_values

logger = logging.getLogger("patternwork.audit")

COLUMNS = ("id", "chain_seq", "chain_hash", *chain.FIELDS)


def chain_keys() -> list[str]:
    """Every chain that has rows or a head: a chain with rows but no head is checked too."""
    keys = set(AuditChainHead.objects.values_list("chain", flat=True))
    practices = AuditEvent.objects.values_list("practice_id", flat=True).distinct()
    keys.update(chain.chain_key(practice_id) for practice_id in practices.order_by())
    return sorted(keys)


def rows(key: str, *, after_seq: int = 0) -> Iterator[chain.Row]:
    """A chain's rows in sequence order (unnumbered rows first, so they are reported)."""
    events = AuditEvent.objects.order_by()
    if key == chain.INSTANCE:
        events = events.filter(practice__isnull=True)
    else:
        events = events.filter(practice_id=int(key.split(":", 1)[1]))
    if after_seq:
        events = events.filter(chain_seq__gt=after_seq)
    events = events.order_by(F("chain_seq").asc(nulls_first=True), "id").values(*COLUMNS)
    for values in events.iterator(chunk_size=5000):
        yield chain.Row(
            id=values["id"],
            seq=values["chain_seq"],
            hash=values["chain_hash"],
            values=chain_values(values),
        )


def verify_chain(key: str, *, extra_anchors: Mapping[int, str] | None = None) -> chain.Result:
    """Check one chain from its first row against its head and every anchor."""
    anchors = dict(AuditAnchor.objects.filter(chain=key).values_list("seq", "hash"))
    for seq, hash_ in (extra_anchors or {}).items():
        if anchors.get(seq, hash_) != hash_:
            at = chain.Break(key, seq, None, "two anchors for this seq disagree")
            return chain.Result(key, 0, 0, chain.GENESIS, at)
        anchors[seq] = hash_
    head = AuditChainHead.objects.filter(chain=key).values_list("seq", "hash").first()
    return chain.verify(key, rows(key), head=head or (0, chain.GENESIS), anchors=anchors)


def verify_chains(
    *, extra_anchors: Mapping[str, Mapping[int, str]] | None = None
) -> list[chain.Result]:
    extra_anchors = extra_anchors or {}
    keys = sorted(set(chain_keys()) | set(extra_anchors))
    return [verify_chain(key, extra_anchors=extra_anchors.get(key)) for key in keys]


def write_anchors() -> list[AuditAnchor]:
    """Copy each chain's head to the anchor table and the log, where a backup can't reach it."""
    written = []
    with transaction.atomic():
        heads = AuditChainHead.objects.select_for_update().filter(seq__gt=0).order_by("chain")
        for head in heads:
            anchor, created = AuditAnchor.objects.get_or_create(
                chain=head.chain, seq=head.seq, defaults={"hash": head.hash}
            )
            if created:
                written.append(anchor)
    for anchor in written:
        # The line `verify_audit --anchor` takes back: chain:seq:hash.
        logger.info("audit anchor %s:%d:%s", anchor.chain, anchor.seq, anchor.hash)
    return written
