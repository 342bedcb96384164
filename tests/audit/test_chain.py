import itertools
import logging
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from patternwork.audit import chain, integrity, triggers
from patternwork.audit.models import AuditAnchor, AuditChainHead, AuditEvent
from patternwork.audit.services import append, batched, record, record_many, record_row
from tests.factories import PracticeFactory

ROWS = 10_000
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ACTIONS = ("client.read", "note.update", "course.start", "letter.share", "auth.login")
OUTCOMES = ("success", "denied", "failure")


def events(practice, count, *, actor=None):
    """`count` unsaved events, each column varying from row to row."""
    return [
        AuditEvent(
            occurred_at=START + timedelta(seconds=n, microseconds=n % 997),
            actor=actor,
            actor_label=f"user{n % 13}@example.test",
            actor_role=("therapist", "admin", "")[n % 3],
            practice=practice,
            action=ACTIONS[n % len(ACTIONS)],
            outcome=OUTCOMES[n % len(OUTCOMES)],
            object_type="clients.client",
            object_id=f"obj-{n}",
            changes={"field": [n, n + 1], "masked": "[changed]"} if n % 2 else {},
            request_id=f"req-{n}",
            remote_addr=("127.0.0.1", "2001:db8::1", None)[n % 3],
        )
        for n in range(count)
    ]


def build(practice, count=ROWS):
    for start in range(0, count, 2000):
        append(events(practice, min(2000, count - start)))


def verify_with(*args) -> str:
    """verify_audit's output; a CommandError carrying its report when a chain is broken."""
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_audit", *args, stdout=out, stderr=err)
    except CommandError as exc:
        raise CommandError(err.getvalue() + str(exc)) from exc
    return out.getvalue()


def verify() -> str:
    return verify_with()


def raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def row_id(practice, seq):
    return AuditEvent.objects.get(practice=practice, chain_seq=seq).pk


# The chain `append` wrote for a practice in this process: its rows and its head, as
# stored. Five tests read or tamper with the same chain inside their own transaction, so
# the later ones insert the stored rows again instead of hashing 10,000 events anew.
_WRITTEN: dict[int, tuple] = {}


def _stored(table, column, value):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE {column} = %s ORDER BY id", [value])  # noqa: S608
        return [c[0] for c in cursor.description], cursor.fetchall()


def _insert(table, columns, rows):
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)  # noqa: S608


@pytest.fixture
def long_chain(practice):
    key = chain.chain_key(practice.pk)
    written = _WRITTEN.get(practice.pk)
    if written is None:
        build(practice)
        _WRITTEN[practice.pk] = (
            _stored("audit_auditevent", "practice_id", practice.pk),
            _stored("audit_auditchainhead", "chain", key),
        )
    else:
        (event_columns, event_rows), (head_columns, head_rows) = written
        AuditChainHead.objects.filter(chain=key).delete()
        _insert("audit_auditchainhead", head_columns, head_rows)
        _insert("audit_auditevent", event_columns, event_rows)
    # Tampering needs the append-only triggers gone; the test's transaction puts them back.
    triggers.drop(connection)
    return practice


def test_an_untouched_ten_thousand_row_chain_verifies_in_order(long_chain):
    output = verify()

    assert f"ok practice:{long_chain.pk}: {ROWS} row(s), head seq {ROWS}" in output
    seqs = list(
        AuditEvent.objects.filter(practice=long_chain)
        .order_by("chain_seq")
        .values_list("chain_seq", flat=True)
    )
    assert seqs == list(range(1, ROWS + 1))
    head = AuditChainHead.objects.get(chain=f"practice:{long_chain.pk}")
    last = AuditEvent.objects.get(practice=long_chain, chain_seq=ROWS)
    assert (head.seq, head.hash) == (ROWS, last.chain_hash)


def broken_after(tamper) -> str:
    """verify_audit's report on the chain with one tampering, which is then undone."""
    try:
        with transaction.atomic():
            tamper()
            try:
                verify()
            except CommandError as exc:
                report = str(exc)
            else:
                report = ""
            raise Undo
    except Undo:
        return report


class Undo(Exception):
    pass


POSITIONS = (1, 5000, ROWS)
ALTERATIONS = (("action", "note.read"), ("object_id", "obj-other"), ("changes", '{"x": 1}'))


def test_verify_audit_names_an_altered_row(long_chain):
    for seq, (column, value) in zip(POSITIONS, ALTERATIONS, strict=True):
        target = row_id(long_chain, seq)
        sql = f"UPDATE audit_auditevent SET {column} = %s WHERE id = %s"  # noqa: S608

        report = broken_after(lambda sql=sql, value=value, target=target: raw(sql, [value, target]))

        assert f"broken at seq {seq} (row id {target})" in report
        assert "1 of " in report


def test_verify_audit_names_the_link_after_a_deleted_row(long_chain):
    for seq in POSITIONS:
        target = row_id(long_chain, seq)

        report = broken_after(
            lambda target=target: raw("DELETE FROM audit_auditevent WHERE id = %s", [target])
        )

        assert f"practice:{long_chain.pk}: broken at seq {seq} " in report


def test_verify_audit_names_a_reordered_row(long_chain):
    for seq in (1, 5000, ROWS - 1):
        first, second = row_id(long_chain, seq), row_id(long_chain, seq + 1)

        def swap(first=first, second=second, seq=seq):
            raw("UPDATE audit_auditevent SET chain_seq = 0 WHERE id = %s", [first])
            raw("UPDATE audit_auditevent SET chain_seq = %s WHERE id = %s", [seq, second])
            raw("UPDATE audit_auditevent SET chain_seq = %s WHERE id = %s", [seq + 1, first])

        report = broken_after(swap)

        assert f"broken at seq {seq} (row id {second})" in report


def test_every_single_alteration_deletion_and_reordering_is_detected(long_chain):
    stored = list(integrity.rows(f"practice:{long_chain.pk}"))
    head = (stored[-1].seq, stored[-1].hash)
    key = f"practice:{long_chain.pk}"
    assert chain.verify(key, stored, head=head).broken is None  # no false alarm
    columns = [name for name in chain.FIELDS if name != "practice_id"]

    def tail(index):
        return (stored[j] for j in range(index, len(stored)))

    def check(index, changed):
        # The rows before `index` are untouched, so the full walk reaches row index-1 with
        # exactly the hash stored there: start from it instead of re-walking the prefix.
        start_seq, start_hash = (
            (0, chain.GENESIS) if index == 0 else (index, stored[index - 1].hash)
        )
        result = chain.verify(key, changed, start_seq=start_seq, start_hash=start_hash, head=head)
        return result.broken is not None and result.broken.seq in (index + 1, index + 2)

    missed = []
    for index, row in enumerate(stored):
        column = columns[index % len(columns)]
        altered = replace(row, values={**row.values, column: f"tampered-{row.values[column]}"})
        if not check(index, itertools.chain([altered], tail(index + 1))):
            missed.append(("alter", index))
        if not check(index, tail(index + 1)):
            missed.append(("delete", index))
        if index + 1 < len(stored):
            follower = stored[index + 1]
            swapped = [replace(follower, seq=row.seq), replace(row, seq=follower.seq)]
            if not check(index, itertools.chain(swapped, tail(index + 2))):
                missed.append(("reorder", index))

    assert missed == []


def test_chains_are_per_practice_and_instance(practice, other_practice, therapist):
    with transaction.atomic():
        record(action="a", practice=practice, actor=therapist.user)
        record(action="b", practice=other_practice)
        record(action="c")
        record(action="d", practice=practice)

    assert set(AuditEvent.objects.values_list("practice_id", "chain_seq").order_by("id")[:4]) >= {
        (practice.pk, 1),
        (other_practice.pk, 1),
        (practice.pk, 2),
    }
    assert all(result.broken is None for result in integrity.verify_chains())


def test_a_rolled_back_write_leaves_the_chain_head_where_it_was(practice):
    record(action="kept", practice=practice)

    def rolled_back():
        with transaction.atomic():
            record(action="rolled.back", practice=practice)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        rolled_back()

    record(action="after", practice=practice)

    assert list(
        AuditEvent.objects.filter(practice=practice)
        .order_by("chain_seq")
        .values_list("action", "chain_seq")
    ) == [("kept", 1), ("after", 2)]
    assert all(result.broken is None for result in integrity.verify_chains())


def test_a_chain_rewritten_to_the_end_is_caught_by_an_anchor(practice, caplog):
    build(practice, 50)
    with caplog.at_level(logging.INFO, logger="patternwork.audit"):
        anchors = integrity.write_anchors()
    key = f"practice:{practice.pk}"
    line = next(r.getMessage() for r in caplog.records if f"audit anchor {key}" in r.getMessage())
    anchor = line.split()[-1]
    assert anchor == f"{key}:50:{AuditChainHead.objects.get(chain=key).hash}"
    assert [a.seq for a in anchors if a.chain == key] == [50]
    build(practice, 10)

    # Someone with write access changes row 20 and recomputes every later link and the head.
    triggers.drop(connection)
    stored = list(integrity.rows(key))
    previous = stored[18].hash
    head = AuditChainHead.objects.get(chain=key)
    for row in stored[19:]:
        values = {**row.values, "action": "forged"} if row.seq == 20 else row.values
        previous = chain.link(previous, row.seq, values)
        raw(
            "UPDATE audit_auditevent SET chain_hash = %s, action = %s WHERE id = %s",
            [previous, values["action"], row.id],
        )
    head.hash = previous
    head.save()

    # The anchor table is inside the database too, so it is removed as well; the logged
    # line is not, and a restored backup is checked against it.
    AuditAnchor.objects.filter(chain=key).delete()
    assert integrity.verify_chain(key).broken is None
    with pytest.raises(CommandError) as broken:
        verify_with("--anchor", anchor)
    assert f"{key}: broken at seq 50 " in str(broken.value)
    assert "hash differs from the anchor recorded for this seq" in str(broken.value)


def test_verify_audit_refuses_a_malformed_anchor(db):
    with pytest.raises(CommandError, match="Not an anchor"):
        call_command("verify_audit", "--anchor", "practice:1:zz")


def test_a_new_practice_starts_its_chain(practice):
    head = AuditChainHead.objects.get(chain=f"practice:{practice.pk}")

    assert (head.seq, head.hash) == (0, chain.GENESIS)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no row locks")
def test_each_write_locks_its_chain_head(practice):
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        record(action="locked", practice=practice)

    locks = [q["sql"] for q in queries if "FOR UPDATE" in q["sql"]]
    assert any('FROM "audit_auditchainhead"' in sql for sql in locks)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite writers queue at BEGIN")
def test_concurrent_writers_keep_one_unbroken_chain(audited_transactional_db):
    practice = PracticeFactory()
    writers, per_writer = 8, 25
    barrier = threading.Barrier(writers)
    failures = []

    def write(n):
        try:
            barrier.wait()
            for i in range(per_writer):
                with transaction.atomic():
                    record(action=f"w{n}.{i}", practice=practice)
                    record(action=f"i{n}.{i}")
        except Exception as exc:  # reported below, with its thread
            failures.append((n, exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert sorted(
        AuditEvent.objects.filter(practice=practice).values_list("chain_seq", flat=True)
    ) == list(range(1, writers * per_writer + 1))
    assert [r.broken for r in integrity.verify_chains()] == [None, None]


def test_a_batch_chains_its_events_once_at_its_end(db):
    practice = PracticeFactory()
    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries, batched():
            for n in range(3):
                record(action="note.update", practice=practice, object_id=f"n{n}")
            assert not AuditEvent.objects.filter(action="note.update").exists()
        heads = [q for q in queries.captured_queries if "audit_auditchainhead" in q["sql"]]
        assert len(heads) == 2  # one locked read and one update for three events
    assert AuditEvent.objects.filter(action="note.update").count() == 3
    verify()


class Refused(Exception):
    pass


def record_then_fail(practice, object_id):
    with transaction.atomic():
        record(action="note.update", practice=practice, object_id=object_id)
        raise Refused


def test_a_batch_that_fails_writes_nothing(db):
    practice = PracticeFactory()

    def batch():
        with transaction.atomic(), batched():
            record_then_fail(practice, "undone")

    with pytest.raises(Refused):
        batch()
    assert not AuditEvent.objects.filter(action="note.update").exists()
    verify()


def test_a_batch_writes_a_savepoints_events_at_once_so_they_roll_back_with_it(db):
    practice = PracticeFactory()
    with transaction.atomic(), batched():
        record(action="note.update", practice=practice, object_id="kept")
        with pytest.raises(Refused):
            record_then_fail(practice, "undone")
        with transaction.atomic():
            record(action="note.update", practice=practice, object_id="inner")
    assert sorted(
        AuditEvent.objects.filter(action="note.update").values_list("object_id", flat=True)
    ) == ["inner", "kept"]
    verify()


def test_plain_rows_are_written_and_chained_as_model_events_are(therapist):
    """record_many writes plain rows (no model instances): the same columns as record()'s
    events, chained in order with them in one batch, and the chain verifies."""
    practice = therapist.practice
    with transaction.atomic(), batched():
        record(action="note.update", practice=practice, actor=therapist.user, object_id="n1")
        record_many(
            action="record.read",
            actor=therapist.user,
            actor_role="therapist",
            practice=practice,
            object_type="clients.client",
            object_ids=["c1", "c2"],
            changes={"kind": "pattern"},
        )
        record(action="note.update", practice=practice, object_id="n2")
    rows = list(
        AuditEvent.objects.filter(practice=practice)
        .order_by("chain_seq")
        .values_list("action", "object_id", "actor_id", "actor_label", "changes", "outcome")
    )
    assert rows[-4:] == [
        ("note.update", "n1", therapist.user.pk, therapist.user.email, {}, "success"),
        (
            "record.read",
            "c1",
            therapist.user.pk,
            therapist.user.email,
            {"kind": "pattern"},
            "success",
        ),
        (
            "record.read",
            "c2",
            therapist.user.pk,
            therapist.user.email,
            {"kind": "pattern"},
            "success",
        ),
        ("note.update", "n2", None, "", {}, "success"),
    ]
    ids = list(
        AuditEvent.objects.filter(practice=practice)
        .order_by("chain_seq")
        .values_list("id", flat=True)
    )
    assert ids == sorted(ids)
    verify()


def test_plain_rows_past_one_statement_take_as_many_inserts_as_bulk_create(practice):
    size = connection.ops.bulk_batch_size(
        [f for f in AuditEvent._meta.concrete_fields if not f.primary_key], [None] * 200
    )
    with CaptureQueriesContext(connection) as queries:
        record_many(
            action="record.read",
            practice=practice,
            object_type="clients.client",
            object_ids=[f"c{n}" for n in range(200)],
        )
    inserts = [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == -(-200 // size)
    assert AuditEvent.objects.filter(action="record.read").count() == 200
    verify()


def test_a_plain_row_records_what_record_would(therapist):
    practice = therapist.practice
    kept = dict(action="note.update", actor=therapist.user, actor_role="therapist")
    with transaction.atomic(), batched():
        record(**kept, practice=practice, obj=practice, changes={"a": [1, 2]})
        record_row(**kept, practice=practice, obj=practice, changes={"a": [1, 2]})
    columns = [f.attname for f in AuditEvent._meta.concrete_fields]
    columns = [c for c in columns if c not in {"id", "occurred_at", "chain_seq", "chain_hash"}]
    first, second = AuditEvent.objects.order_by("-chain_seq").values_list(*columns)[:2]
    assert first == second
    verify()


def test_a_plain_row_refuses_an_unsaved_practice(therapist):
    with transaction.atomic(), pytest.raises(ValueError, match="unsaved related object"):
        record_row(action="note.update", actor=therapist.user, practice=PracticeFactory.build())
