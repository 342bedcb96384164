import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from patternwork.accounts.access import (
    READ_ACTION,
    PreparedRows,
    Reader,
    fetch,
    record_reads,
    record_scope,
    visible,
)
from patternwork.audit.models import AuditEvent
from patternwork.treatment.models import Course
from tests.factories import ClientFactory, CourseFactory, MembershipFactory


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


def test_prepared_rows_fetch_what_the_querysets_fetch_for_every_reader(
    therapist, other_therapist, supervisor, admin, foreign_admin
):
    ours = CourseFactory(client=ClientFactory(practice=therapist.practice, therapist=therapist))
    theirs = CourseFactory(
        client=ClientFactory(practice=therapist.practice, therapist=other_therapist)
    )
    rows = PreparedRows(lambda: Course.objects.select_related("client"))

    for member in (therapist, other_therapist, supervisor, admin, foreign_admin):
        for course in (ours, theirs):
            for reads in (None, "course"):
                reader = Reader(user=member.user, membership=member)
                expected = (
                    visible(reader, Course, clinical=reads is not None).filter(pk=course.pk).first()
                )
                try:
                    found = fetch(reader, rows, course.public_id, reads=reads)
                except Http404:
                    found = None
                assert found == expected, (member.role, course, reads)
                if found is not None:
                    assert found.client == course.client
                    assert found._reader_client == course.client.public_id
    # Another practice's, or no such course: an audited 404 as from a queryset.
    reader = Reader(user=foreign_admin.user, membership=foreign_admin)
    with pytest.raises(Http404):
        fetch(reader, rows, ours.public_id)
    assert AuditEvent.objects.filter(
        action="access.denied", object_id=str(ours.public_id), object_type="treatment.course"
    ).exists()
    with pytest.raises(Http404):
        fetch(Reader(user=therapist.user, membership=therapist), rows, "not-a-uuid")
