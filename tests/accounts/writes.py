"""What a service call wrote, for service tests in tests/accounts and tests/clients.

`service_writes()` captures the SQL of one call and sorts the tables it wrote into those
written inside the call's own transaction (its outermost savepoint, which is how an
`atomic()` block shows inside the test's transaction) and those written outside it. A
service whose audit event lands in `inside` next to its change writes both in the same
transaction, so they commit or roll back together.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection
from django.test.utils import CaptureQueriesContext

from patternwork.audit.models import AuditChainHead, AuditEvent

AUDIT_TABLE = AuditEvent._meta.db_table
# Moving the audit chain's head is part of writing the audit event (audit.services.append).
CHAIN_HEAD_TABLE = AuditChainHead._meta.db_table
SAVEPOINT = re.compile(r'^\s*SAVEPOINT\s+"?(\w+)"?', re.IGNORECASE)
RELEASE = re.compile(r'^\s*RELEASE SAVEPOINT\s+"?(\w+)"?', re.IGNORECASE)
WRITE = re.compile(r'^\s*(?:INSERT INTO|UPDATE|DELETE FROM)\s+"?(\w+)"?', re.IGNORECASE)


@dataclass
class Writes:
    inside: set[str] = field(default_factory=set)
    outside: set[str] = field(default_factory=set)


@contextmanager
def service_writes() -> Iterator[Writes]:
    writes = Writes()
    with CaptureQueriesContext(connection) as captured:
        yield writes
    opened = None  # the name of the call's first savepoint while it is open
    closed = False
    for query in captured.captured_queries:
        sql = query["sql"]
        if opened is None and not closed and (found := SAVEPOINT.match(sql)):
            opened = found.group(1)
        elif opened and (found := RELEASE.match(sql)) and found.group(1) == opened:
            opened, closed = None, True
        elif (found := WRITE.match(sql)) and found.group(1) != CHAIN_HEAD_TABLE:
            (writes.inside if opened else writes.outside).add(found.group(1))


def audit_text() -> str:
    """Everything the audit log holds, as one string, to look for what must not be in it."""
    rows = AuditEvent.objects.values(
        "action", "actor_label", "actor_role", "object_type", "object_id", "changes"
    )
    return json.dumps(list(rows), default=str, ensure_ascii=False)


def counts(*models) -> dict[str, int]:
    """Row counts of the models and of the audit log: a refusal leaves them as they were."""
    return {model._meta.label: model.objects.count() for model in (*models, AuditEvent)}
