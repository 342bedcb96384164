from datetime import timedelta

import pytest
from django.contrib.sessions.backends import db as django_db
from django.contrib.sessions.backends.base import CreateError, UpdateError
from django.contrib.sessions.models import Session
from django.utils import timezone

from patternwork.core.sessions import SessionStore


def _row(key):
    return Session.objects.values("session_data", "expire_date").get(pk=key)


def test_a_new_session_is_the_row_djangos_store_reads(db):
    ours = SessionStore()
    ours["who"] = "someone"
    ours.create()

    assert django_db.SessionStore(ours.session_key).load() == {"who": "someone"}
    left = _row(ours.session_key)["expire_date"] - timezone.now()
    assert ours.get_expiry_age() - 10 < left.total_seconds() <= ours.get_expiry_age()


def test_a_changed_session_is_written_as_djangos_store_writes_it(db):
    theirs = django_db.SessionStore()
    theirs["who"] = "someone"
    theirs.create()
    ours = SessionStore(theirs.session_key)
    ours["who"] = "someone else"
    ours.set_expiry(600)
    ours.save()

    again = django_db.SessionStore(theirs.session_key)
    assert again.load() == {"who": "someone else", "_session_expiry": 600}
    assert Session.objects.count() == 1
    left = _row(theirs.session_key)["expire_date"] - timezone.now()
    assert timedelta(seconds=590) < left <= timedelta(seconds=600)


def test_a_session_deleted_meanwhile_is_not_written_back(db):
    ours = SessionStore()
    ours.create()
    Session.objects.filter(pk=ours.session_key).delete()
    ours["who"] = "someone"

    with pytest.raises(UpdateError):
        ours.save()
    assert not Session.objects.exists()


def test_a_new_session_never_takes_a_key_in_use(db):
    first = SessionStore()
    first["who"] = "first"
    first.create()
    Session.objects.filter(pk=first.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    second = SessionStore()
    second._session_key = first.session_key
    second._session_cache = {"who": "second"}

    assert second.exists(first.session_key)
    assert not second.exists("nosuchsessionkey")
    with pytest.raises(CreateError):
        second.save(must_create=True)
    assert django_db.SessionStore(first.session_key).decode(
        _row(first.session_key)["session_data"]
    ) == {"who": "first"}
