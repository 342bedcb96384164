"""Upgrading a database built by the previous release's migrations loses no rows.

The previous release is the state before this release's migrations: the audit log
without its hash chain, practices without a retention period, clients without a date of
death, no nightly-job table. The database is migrated back to it, filled through the
historical models, and migrated forward again.
"""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from patternwork.audit import integrity

PREVIOUS_RELEASE = [
    ("accounts", "0005_public_page_and_profiles"),
    ("audit", "0002_append_only_triggers"),
    ("clients", "0006_client_appointment_reminders"),
    ("core", "0001_initial"),
]
TABLES = ("accounts_practice", "accounts_user", "clients_client", "audit_auditevent")
EVENTS = 1500


def row_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in TABLES:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608  (fixed names)
            counts[table] = cursor.fetchone()[0]
        return counts


def fill(apps) -> None:
    Practice = apps.get_model("accounts", "Practice")
    User = apps.get_model("accounts", "User")
    Client = apps.get_model("clients", "Client")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    practices = [
        Practice.objects.create(name=f"Old Practice {n}", slug=f"old-{n}") for n in range(3)
    ]
    user = User.objects.create(email="old.admin@example.test", full_name="Old Admin")
    for n in range(30):
        Client.objects.create(
            practice=practices[n % 3],
            client_number=f"C{n:05d}",
            full_name=f"Old Client {n}",
            date_of_birth=dt.date(1980, 1, 1 + n % 28),
        )
    start = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)
    AuditEvent.objects.bulk_create(
        AuditEvent(
            occurred_at=start + dt.timedelta(minutes=n),
            actor=user if n % 2 else None,
            actor_label=user.email if n % 2 else "",
            practice=practices[n % 4] if n % 4 < 3 else None,
            action=("client.read", "note.update", "auth.login")[n % 3],
            object_type="clients.client",
            object_id=f"obj-{n}",
            changes={"field": [n, n + 1]} if n % 5 == 0 else {},
            remote_addr="127.0.0.1" if n % 3 else None,
        )
        for n in range(EVENTS)
    )


@pytest.mark.slow
def test_upgrade_from_the_previous_release_keeps_every_row(audited_transactional_db):
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(PREVIOUS_RELEASE)
    fill(MigrationExecutor(connection).loader.project_state(PREVIOUS_RELEASE).apps)
    before = row_counts()

    executor = MigrationExecutor(connection)
    executor.migrate(latest)

    assert row_counts() == before
    assert before["audit_auditevent"] == EVENTS
    results = integrity.verify_chains()
    assert [r.broken for r in results if r.broken] == []
    assert sum(r.checked for r in results) == EVENTS
    assert len(results) == 4  # three practices' chains and the instance's
