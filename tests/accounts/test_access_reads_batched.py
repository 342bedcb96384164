from django.db import connection
from django.test.utils import CaptureQueriesContext

from patternwork.accounts.access import READ_ACTION, Reader, record_reads, record_scope
from patternwork.audit.models import AuditEvent
from tests.factories import ClientFactory, MembershipFactory


def test_a_pages_reads_are_recorded_in_one_audit_write(therapist):
    one, two = (
        ClientFactory(practice=therapist.practice),
        ClientFactory(practice=therapist.practice),
    )
    reader = Reader(user=therapist.user, membership=therapist)

    with CaptureQueriesContext(connection) as queries:
        record_reads(reader, [([one, two], "risk answer"), ([two, one], "not-on-track flag")])
        record_reads(reader, [([one], "risk answer")])

    # Each client once per request, under the first kind that showed it.
    events = AuditEvent.objects.filter(action=READ_ACTION).order_by("chain_seq")
    assert [(e.object_id, e.changes["kind"]) for e in events] == [
        (str(one.public_id), "risk answer"),
        (str(two.public_id), "risk answer"),
    ]
    heads = [q for q in queries.captured_queries if "audit_auditchainhead" in q["sql"]]
    assert len(heads) == 2  # one locked read and one update; nothing for the repeat


def test_the_supervisors_scope_is_kept_for_the_request_only(supervisor, therapist):
    assert record_scope(supervisor) == [supervisor.pk, therapist.pk]
    later = MembershipFactory(practice=supervisor.practice)
    supervisor.supervisees.add(later)
    # A membership that is not a request's own reads its scope afresh every time.
    assert record_scope(supervisor) == [supervisor.pk, therapist.pk, later.pk]
    supervisor.per_request = True
    assert record_scope(supervisor) == [supervisor.pk, therapist.pk, later.pk]
    supervisor.supervisees.remove(later)
    assert record_scope(supervisor) == [supervisor.pk, therapist.pk, later.pk]
