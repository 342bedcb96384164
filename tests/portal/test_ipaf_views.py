"""The IPAF on the portal: the client reads a shared version in plain words, answers it
in their own words or agrees to it, and the therapist sees which."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from patternwork.audit.models import AuditEvent
from patternwork.formulation import ipaf_sharing, journal_services, services
from patternwork.formulation.models import IpafReply, IpafVersion
from tests.factories import CourseFactory, IpafVersionFactory, PortalClientFactory

pytestmark = pytest.mark.usefixtures("frozen")

NOW = dt.datetime(2026, 4, 1, 11, 0, tzinfo=dt.UTC)


@pytest.fixture
def jo(therapist):
    return PortalClientFactory(practice=therapist.practice, therapist=therapist, full_name="Jo")


@pytest.fixture
def course(jo):
    return CourseFactory(client=jo, therapist=jo.therapist, state="active")


@pytest.fixture
def shared(course, therapist):
    version = IpafVersionFactory(
        course=course,
        number=1,
        self_representation="Someone who has to earn a place",
        other_representation="People who drift off",
        linking_affects="Anxious longing, then sadness",
        defensive_function="Not asking, so as not to be turned down",
        transference="May expect the therapist to tire of her",
    )
    return ipaf_sharing.share_ipaf(version=version, by=therapist)


def test_client_reads_the_shared_version_in_plain_words(client, jo, shared):
    client.force_login(jo.user)

    response = client.get(reverse("portal:ipaf", args=[shared.public_id]))

    content = response.content.decode()
    assert response.status_code == 200
    for heading, text in (
        ("How I see myself", "Someone who has to earn a place"),
        ("How I see others", "People who drift off"),
        ("The feeling that links them", "Anxious longing, then sadness"),
        ("What it protects me from", "Not asking, so as not to be turned down"),
    ):
        assert heading in content
        assert text in content
    # The therapist's note on the transference is theirs, not the client's to read.
    assert "May expect the therapist to tire of her" not in content
    assert AuditEvent.objects.filter(action="record.read", actor=jo.user).exists()


def test_a_version_not_shared_does_not_exist_for_the_client(client, jo, course):
    draft = IpafVersionFactory(course=course, number=1)
    client.force_login(jo.user)

    assert client.get(reverse("portal:ipaf", args=[draft.public_id])).status_code == 404
    assert draft.public_id.hex not in client.get(reverse("portal:ipaf-list")).content.decode()


def test_another_clients_ipaf_is_not_found(client, jo, therapist):
    other = PortalClientFactory(practice=therapist.practice, therapist=therapist)
    theirs = IpafVersionFactory(
        course=CourseFactory(client=other, state="active"), shared_at=timezone.now()
    )
    client.force_login(jo.user)

    for name in ("portal:ipaf", "portal:ipaf-agree", "portal:ipaf-reply"):
        url = reverse(name, args=[theirs.public_id])
        response = client.get(url) if name == "portal:ipaf" else client.post(url, {"fit": "fits"})
        assert response.status_code == 404
    theirs.refresh_from_db()
    assert (theirs.agreed_on, theirs.replies.count()) == (None, 0)


def test_client_agrees_and_the_agreement_records_who_when_and_which_version(client, jo, shared):
    client.force_login(jo.user)

    response = client.post(reverse("portal:ipaf-agree", args=[shared.public_id]))

    assert response.status_code == 302
    shared.refresh_from_db()
    assert (shared.agreed_via, shared.agreed_by, shared.agreed_at, shared.agreed_on) == (
        "portal",
        jo.user,
        NOW,
        dt.date(2026, 4, 1),
    )
    event = AuditEvent.objects.get(action="ipaf.agree")
    assert (event.actor, event.actor_role, event.object_id, event.changes["number"]) == (
        jo.user,
        "client",
        str(shared.public_id),
        1,
    )


def test_therapist_sees_the_client_agreed_on_the_portal(client, login, therapist, jo, shared):
    ipaf_sharing.agree_on_portal(version=shared, user=jo.user)
    login(therapist)

    content = client.get(reverse("clinic:ipaf", args=[shared.course.public_id])).content.decode()

    assert "The client agreed to version 1 on the portal on 1 Apr 2026 12:00." in content
    assert "Agreed by the client on the portal" in content


def test_therapist_sees_an_agreement_recorded_in_session_as_such(client, login, therapist, shared):
    services.mark_ipaf_agreed(version=shared, agreed_on=dt.date(2026, 3, 31), by=therapist)
    login(therapist)

    content = client.get(reverse("clinic:ipaf", args=[shared.course.public_id])).content.decode()

    assert "recorded by the therapist in session" in content
    assert IpafVersion.objects.get(pk=shared.pk).agreed_via == "session"


def test_client_replies_in_their_own_words_and_the_therapist_reads_it(
    client, login, therapist, jo, shared
):
    client.force_login(jo.user)

    response = client.post(
        reverse("portal:ipaf-reply", args=[shared.public_id]),
        {"fit": "partly", "body": "The sadness fits; I am not sure about drifting off."},
    )

    assert response.status_code == 302
    reply = IpafReply.objects.get()
    assert (reply.version, reply.client, reply.fit) == (shared, jo, "partly")
    event = AuditEvent.objects.get(action="ipaf.reply")
    assert event.changes == {"number": 1, "fit": "partly", "body": "[changed]"}
    login(therapist)
    staff = client.get(reverse("clinic:ipaf", args=[shared.course.public_id])).content.decode()
    assert "The sadness fits; I am not sure about drifting off." in staff
    assert "Part of this doesn&#x27;t fit" in staff


def test_a_reply_that_does_not_fit_needs_words(client, jo, shared):
    client.force_login(jo.user)

    response = client.post(reverse("portal:ipaf-reply", args=[shared.public_id]), {"fit": "not"})

    assert response.status_code == 400
    assert "Write a few words about what fits or does not fit." in response.content.decode()
    assert not IpafReply.objects.exists()


def test_an_older_version_cannot_be_agreed_once_a_newer_one_is_shared(
    client, jo, therapist, shared
):
    newer = IpafVersionFactory(course=shared.course, number=2)
    ipaf_sharing.share_ipaf(version=newer, by=therapist)
    client.force_login(jo.user)

    response = client.post(reverse("portal:ipaf-agree", args=[shared.public_id]))

    assert response.status_code == 400
    shared.refresh_from_db()
    assert shared.agreed_on is None


def test_once_agreed_on_the_portal_the_journal_asks_about_the_pattern(jo, shared, course):
    before = [p.key for p in journal_services._offered(course)]
    ipaf_sharing.agree_on_portal(version=shared, user=jo.user)

    after = journal_services._offered(course)

    assert "pattern" not in before
    assert after[-1].key == "pattern"
    assert "People who drift off" in after[-1].help


def test_therapist_shares_a_version(client, login, therapist, course):
    version = IpafVersionFactory(course=course, number=1)
    login(therapist)

    response = client.post(reverse("clinic:ipaf-share", args=[version.public_id]))

    assert response.status_code == 302
    version.refresh_from_db()
    assert (version.shared_at, version.shared_by) == (NOW, therapist)
    assert AuditEvent.objects.filter(action="ipaf.share", object_id=str(version.public_id)).exists()


def test_sharing_another_therapists_clients_version_is_not_found(
    client, login, other_therapist, course
):
    version = IpafVersionFactory(course=course, number=1)
    login(other_therapist)

    response = client.post(reverse("clinic:ipaf-share", args=[version.public_id]))

    assert response.status_code == 404
    version.refresh_from_db()
    assert version.shared_at is None


def test_the_client_agreeing_after_the_session_keeps_the_sessions_date(jo, therapist, shared):
    services.mark_ipaf_agreed(version=shared, agreed_on=dt.date(2026, 3, 20), by=therapist)

    ipaf_sharing.agree_on_portal(version=shared, user=jo.user)

    shared.refresh_from_db()
    assert (shared.agreed_on, shared.agreed_via, shared.agreed_by, shared.agreed_recorded_by) == (
        dt.date(2026, 3, 20),
        "portal",
        jo.user,
        therapist,
    )


def test_the_therapist_recording_after_the_client_keeps_the_clients_agreement(
    jo, therapist, shared
):
    ipaf_sharing.agree_on_portal(version=shared, user=jo.user)

    services.mark_ipaf_agreed(version=shared, agreed_on=dt.date(2026, 4, 1), by=therapist)

    shared.refresh_from_db()
    assert (shared.agreed_via, shared.agreed_by, shared.agreed_recorded_by) == (
        "portal",
        jo.user,
        therapist,
    )
