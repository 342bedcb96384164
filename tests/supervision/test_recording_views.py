"""Recording pages: the audio with its byte ranges, who may hear it, the upload form and
the consent buttons. Another therapist's client is a 404 on every one of them."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from patternwork.audit.models import AuditEvent
from patternwork.core.stream_crypto import CHUNK_SIZE
from patternwork.supervision import recordings
from patternwork.supervision.models import RecordingConsent, SessionRecording
from tests.conftest import verified_login

pytestmark = pytest.mark.usefixtures("frozen")


def audio_url(recording):
    return reverse("clinic:recording-audio", args=[recording.public_id])


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-99", 0, 99),
        (f"bytes={CHUNK_SIZE - 10}-{CHUNK_SIZE + 9}", CHUNK_SIZE - 10, CHUNK_SIZE + 9),
        (f"bytes={CHUNK_SIZE + 5}-{3 * CHUNK_SIZE + 5}", CHUNK_SIZE + 5, 3 * CHUNK_SIZE + 5),
        ("bytes=-1000", None, None),
        ("bytes=150000-", 150000, None),
    ],
)
def test_a_range_request_returns_exactly_its_bytes(
    client, login, therapist, recorded, long_audio, header, start, end
):
    size = len(long_audio)
    start = size - 1000 if start is None else start
    end = size - 1 if end is None else end
    login(therapist)

    response = client.get(audio_url(recorded), headers={"range": header})

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {start}-{end}/{size}"
    assert int(response["Content-Length"]) == end - start + 1
    assert body(response) == long_audio[start : end + 1]
    assert response["Cache-Control"] == "no-store"


def test_the_whole_recording_without_a_range_is_never_cached(
    client, login, therapist, recorded, long_audio
):
    login(therapist)

    response = client.get(audio_url(recorded))

    assert response.status_code == 200
    assert body(response) == long_audio
    assert response["Content-Type"] == "audio/wav"
    assert response["Accept-Ranges"] == "bytes"
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("header", ["bytes=999999-", "bytes=10-5", "bytes=-0"])
def test_an_unsatisfiable_range_is_416(client, login, therapist, recorded, header):
    login(therapist)

    response = client.get(audio_url(recorded), headers={"range": header})

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{recorded.size}"
    assert response["Cache-Control"] == "no-store"


def test_a_play_is_audited_once_and_seeking_adds_no_event(client, login, supervisor, recorded):
    login(supervisor)

    for header in ("bytes=0-", "bytes=100000-", "bytes=5000-6000"):
        body(client.get(audio_url(recorded), headers={"range": header}))

    [play] = AuditEvent.objects.filter(action="recording.play")
    assert (play.actor, play.object_id) == (supervisor.user, str(recorded.public_id))
    assert play.changes["client"] == str(recorded.course.client.public_id)


def test_the_supervisor_may_listen(client, login, supervisor, recorded, long_audio):
    login(supervisor)

    response = client.get(audio_url(recorded), headers={"range": "bytes=0-9"})

    assert body(response) == long_audio[:10]


@pytest.mark.parametrize("who", ["other_therapist", "other_supervisor", "admin"])
def test_no_other_member_may_listen(client, login, recorded, request, practice, who):
    practice.admins_read_clinical = True
    practice.save(update_fields=["admins_read_clinical"])
    member = request.getfixturevalue(who)
    login(member)

    response = client.get(audio_url(recorded))

    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="recording.play").exists()
    assert AuditEvent.objects.filter(action="access.denied", actor=member.user).exists()


def test_a_client_or_anonymous_caller_may_not_listen(client, recorded, portal_login):
    assert client.get(audio_url(recorded)).status_code == 404
    verified_login(client, portal_login.user)
    assert client.get(audio_url(recorded)).status_code == 404
    assert not AuditEvent.objects.filter(action="recording.play").exists()


def test_a_damaged_file_is_refused_without_a_server_error(
    client, login, therapist, recorded, recordings_dir
):
    [path] = [p for p in recordings_dir.rglob("*") if p.is_file()]
    data = bytearray(path.read_bytes())
    data[100] ^= 1
    path.write_bytes(bytes(data))
    login(therapist)

    response = client.get(audio_url(recorded))

    assert response.status_code == 409
    assert "integrity" in response.content.decode()


# The session page and the upload -------------------------------------------------


def test_the_session_page_plays_the_recording_for_therapist_and_supervisor(
    client, login, therapist, supervisor, admin, recorded
):
    page = reverse("clinic:appointment-detail", args=[recorded.appointment.public_id])
    for member in (therapist, supervisor):
        login(member)
        html = client.get(page).content.decode()
        assert f'<audio controls preload="metadata" src="{audio_url(recorded)}"' in html
    login(admin)
    assert audio_url(recorded) not in client.get(page).content.decode()


def test_the_rating_page_plays_the_recording_for_the_supervisor(
    client, login, supervisor, recorded, rubric_form
):
    login(supervisor)
    html = client.get(
        reverse("clinic:session-rating", args=[recorded.appointment.public_id])
    ).content.decode()
    assert audio_url(recorded) in html


def test_upload_through_the_session_page(client, login, therapist, attended, consent, audio):
    login(therapist)

    response = client.post(
        reverse("clinic:recording-upload", args=[attended.public_id]),
        {"file": SimpleUploadedFile("tone.wav", audio, content_type="audio/wav")},
    )

    assert response.status_code == 302
    assert SessionRecording.objects.get().size == len(audio)


def test_upload_of_a_file_that_is_not_audio_is_a_form_error(
    client, login, therapist, attended, consent
):
    login(therapist)

    response = client.post(
        reverse("clinic:recording-upload", args=[attended.public_id]),
        {"file": SimpleUploadedFile("tone.mp3", b"%PDF-1.7 fake", content_type="audio/mpeg")},
    )

    assert response.status_code == 400
    assert "not a recording in a supported audio format" in response.content.decode()
    assert not SessionRecording.objects.exists()


def test_upload_without_a_file_is_a_form_error(client, login, therapist, attended, consent):
    login(therapist)

    response = client.post(reverse("clinic:recording-upload", args=[attended.public_id]), {})

    assert response.status_code == 400


def test_another_therapists_client_is_not_found_on_every_recording_route(
    client, login, other_therapist, recorded, attended, audio
):
    login(other_therapist)
    course = attended.course
    posts = [
        reverse("clinic:recording-consent", args=[course.public_id]),
        reverse("clinic:recording-consent-withdraw", args=[course.public_id]),
        reverse("clinic:recording-upload", args=[attended.public_id]),
        reverse("clinic:recording-delete", args=[recorded.public_id]),
    ]
    for url in posts:
        assert client.post(url, {"method": "verbal", "given_on": "2026-03-02"}).status_code == 404
    assert client.get(audio_url(recorded)).status_code == 404
    assert SessionRecording.objects.count() == 1
    assert RecordingConsent.objects.get().revoked_at is None


# Consent on the course page ------------------------------------------------------


def test_consent_is_recorded_and_withdrawn_from_the_course_page(
    client, login, therapist, attended, django_capture_on_commit_callbacks
):
    course = attended.course
    login(therapist)
    page = reverse("clinic:course-detail", args=[course.public_id])
    assert "has not consented to sessions being recorded" in client.get(page).content.decode()

    client.post(
        reverse("clinic:recording-consent", args=[course.public_id]),
        {"method": "written", "given_on": "2026-03-02"},
    )
    assert "consented on a signed written form" in client.get(page).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("clinic:recording-consent-withdraw", args=[course.public_id]))
    assert RecordingConsent.objects.get().revoked_at is not None


def test_consent_with_a_bad_date_is_refused_with_a_message(client, login, therapist, attended):
    login(therapist)

    response = client.post(
        reverse("clinic:recording-consent", args=[attended.course.public_id]),
        {"method": "verbal", "given_on": "not a date"},
        follow=True,
    )

    assert "Say how and when the client gave consent." in response.content.decode()
    assert not RecordingConsent.objects.exists()


def test_session_page_queries_do_not_grow_with_recordings(
    client, login, therapist, recorded, audio, django_assert_num_queries
):
    page = reverse("clinic:appointment-detail", args=[recorded.appointment.public_id])
    login(therapist)
    client.get(page)
    with django_assert_num_queries(14) as one:
        client.get(page)
    for _ in range(2):
        recordings.upload_recording(
            appointment=recorded.appointment,
            upload=SimpleUploadedFile("more.wav", audio, content_type="audio/wav"),
            actor=therapist,
        )

    with django_assert_num_queries(len(one.captured_queries)):
        html = client.get(page).content.decode()
    assert html.count("<audio controls") == 3


def test_an_upload_over_the_limit_is_stopped_while_it_arrives(
    client, login, settings, therapist, attended, audio
):
    # Without consent the service would refuse first: the size message shows that the
    # upload handler stopped reading before the service was called.
    settings.PATTERNWORK_RECORDING_MAX_BYTES = 20_000
    login(therapist)

    response = client.post(
        reverse("clinic:recording-upload", args=[attended.public_id]),
        {"file": SimpleUploadedFile("tone.wav", audio, content_type="audio/wav")},
    )

    assert response.status_code == 400
    assert "larger than the limit of 0.02 MB" in response.content.decode()
    assert not SessionRecording.objects.exists()
