"""core.prepared: a queryset's SQL made once, run with new values, gives the same rows."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from patternwork.accounts.models import Membership, TOTPDevice
from patternwork.core.prepared import PreparedQuery
from patternwork.core.sessions import SessionStore
from tests.factories import TOTPDeviceFactory

pytestmark = pytest.mark.django_db


def _fields(obj):
    return {k: v for k, v in obj.__dict__.items() if k != "_state"}


def test_rows_match_the_querysets_own_with_related_rows(therapist, other_therapist):
    query = PreparedQuery(
        lambda user_id: (
            Membership.objects.filter(user_id=user_id).select_related("practice").order_by("pk")
        ),
        -1,
    )

    for member in (therapist, other_therapist):
        (found,) = query.rows(member.user_id)
        (expected,) = Membership.objects.filter(user_id=member.user_id).select_related("practice")
        assert _fields(found) == _fields(expected)
        assert _fields(found.practice) == _fields(expected.practice)
        assert not found._state.adding
        assert found._state.db == "default"
    assert query.rows(-5) == []


def test_deferred_fields_load_when_read(therapist, django_assert_num_queries):
    device = TOTPDeviceFactory(user=therapist.user, name="Phone")
    query = PreparedQuery(lambda pk: TOTPDevice.objects.filter(pk=pk).only("id", "confirmed"), -1)

    with django_assert_num_queries(1):
        (found,) = query.rows(device.pk)
        assert (found.pk, found.confirmed) == (device.pk, True)
    with django_assert_num_queries(1):
        assert found.name == "Phone"


def test_a_placeholder_missing_from_the_sql_is_refused(db):
    query = PreparedQuery(lambda pk: TOTPDevice.objects.filter(pk=3), -1)

    with pytest.raises(ValueError, match="placeholder"):
        query.rows(3)


def test_the_session_store_reads_a_live_session_and_no_expired_one(db):
    live = SessionStore()
    live["who"] = "someone"
    live.create()
    assert SessionStore(live.session_key).load() == {"who": "someone"}

    Session.objects.filter(pk=live.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    expired = SessionStore(live.session_key)
    assert expired.load() == {}
    assert expired.session_key is None
    assert SessionStore("nosuchsessionkey").load() == {}
