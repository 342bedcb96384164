"""The session's user (LeanAuthenticationMiddleware): a prepared read, Django's answers.

`session_user` must give what `django.contrib.auth.get_user` gives for every kind of
session: the user, or AnonymousUser with the session flushed when its password hash no
longer fits, or AnonymousUser for an inactive or missing user or an unlisted backend.
"""

from importlib import import_module

import pytest
from django.conf import settings
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

from patternwork.accounts.middleware import session_user

pytestmark = pytest.mark.django_db


def _request(rf, user, **changes):
    request = rf.get("/")
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    request.session[SESSION_KEY] = str(user.pk)
    request.session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    request.session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    for key, value in changes.items():
        if value is None:
            request.session.pop(key, None)
        else:
            request.session[key] = value
    return request


def _both(rf, user, **changes):
    """(ours, Django's): the user's pk or None, and whether the session kept its user."""
    answers = []
    for get in (session_user, auth.get_user):
        request = _request(rf, user, **changes)
        found = get(request)
        answers.append((found.pk, SESSION_KEY in request.session))
    return answers


def test_a_logged_in_session_gives_its_user_as_django_does(rf, therapist):
    ours, django = _both(rf, therapist.user)

    assert ours == django == (therapist.user.pk, True)
    assert session_user(_request(rf, therapist.user)).email == therapist.user.email


@pytest.mark.parametrize(
    "changes",
    [
        {HASH_SESSION_KEY: "0" * 64},
        {HASH_SESSION_KEY: None},
        {BACKEND_SESSION_KEY: "django.contrib.auth.backends.RemoteUserBackend"},
        {SESSION_KEY: "999999999"},
        {SESSION_KEY: None},
    ],
    ids=["wrong-hash", "no-hash", "unlisted-backend", "no-such-user", "no-user"],
)
def test_every_other_session_is_answered_as_django_answers_it(rf, therapist, changes):
    ours, django = _both(rf, therapist.user, **changes)

    assert ours == django
    assert ours[0] is None


def test_an_inactive_user_is_refused_as_model_backend_refuses_one(rf, therapist):
    type(therapist.user).objects.filter(pk=therapist.user.pk).update(is_active=False)

    ours, django = _both(rf, therapist.user)

    assert ours == django
    assert ours[0] is None
