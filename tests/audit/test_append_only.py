import pytest
from django.db import DatabaseError, connection, transaction

from patternwork.audit.models import AuditEvent
from patternwork.audit.services import MASKED, diff, record
from patternwork.core import context


@pytest.fixture
def event(practice, therapist):
    return record(action="test.event", actor=therapist.user, practice=practice, object_id="x1")


def refused(operation) -> bool:
    try:
        with transaction.atomic():
            operation()
    except DatabaseError as exc:
        return "append-only" in str(exc)
    return False


def test_audit_orm_update_is_refused(event):
    assert refused(lambda: AuditEvent.objects.filter(pk=event.pk).update(action="tampered"))
    event.action = "tampered"
    assert refused(lambda: event.save())
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


def test_audit_orm_delete_is_refused(event):
    assert refused(lambda: AuditEvent.objects.filter(pk=event.pk).delete())
    assert refused(lambda: event.delete())
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def raw(sql, params=()):
    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    return run


def test_audit_raw_sql_update_and_delete_are_refused(event):
    assert refused(raw("UPDATE audit_auditevent SET action = %s WHERE id = %s", ["x", event.pk]))
    assert refused(raw("DELETE FROM audit_auditevent WHERE id = %s", [event.pk]))
    assert refused(raw("DELETE FROM audit_auditevent"))
    assert AuditEvent.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's")
def test_audit_truncate_is_refused_on_postgresql(event):
    # Deferred foreign-key checks from the insert above would block TRUNCATE on their own.
    raw("SET CONSTRAINTS ALL IMMEDIATE")()

    assert refused(raw("TRUNCATE audit_auditevent"))
    assert AuditEvent.objects.count() == 1


def test_audit_inserts_still_work(event):
    record(action="test.second")

    assert AuditEvent.objects.count() == 2


def test_audit_record_takes_request_context(practice):
    token = context.activate(context.RequestContext(request_id="req-42", remote_addr="192.0.2.1"))
    try:
        event = record(action="test.ctx", practice=practice, obj=practice)
    finally:
        context.deactivate(token)

    assert (event.request_id, event.remote_addr, event.object_type, event.object_id) == (
        "req-42",
        "192.0.2.1",
        "accounts.practice",
        str(practice.public_id),
    )


def test_audit_rolls_back_with_the_write_it_describes(practice):
    def failing_write():
        with transaction.atomic():
            record(action="test.rollback", practice=practice)
            raise RuntimeError("the write failed")

    with pytest.raises(RuntimeError):
        failing_write()

    assert not AuditEvent.objects.filter(action="test.rollback").exists()


def test_audit_request_id_is_returned_and_recorded(client, therapist):
    response = client.post(
        "/login/",
        {"email": therapist.user.email, "password": "wrong-wrong-wrong"},
        HTTP_X_REQUEST_ID="trace-abc-123",
    )

    assert response["X-Request-ID"] == "trace-abc-123"
    assert AuditEvent.objects.get(action="auth.login_failed").request_id == "trace-abc-123"


def test_audit_diff_masks_sensitive_fields_and_skips_unchanged():
    before = {"name": "A", "note": "secret old", "same": 1}
    after = {"name": "B", "note": "secret new", "same": 1}

    assert diff(before, after, sensitive={"note"}) == {"name": ["A", "B"], "note": MASKED}
