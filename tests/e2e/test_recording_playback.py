"""A supervisor plays a session recording in headless Chromium and seeks in it: the audio
element moves on, and the server answers the browser's range requests with 206."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from patternwork.supervision import recordings
from tests.audio_files import wav
from tests.factories import AppointmentFactory, ClientFactory, CourseFactory

pytestmark = pytest.mark.e2e

SECONDS = 6.0


def test_supervisor_plays_a_recording_and_seeks(signed_in, e2e_server, therapist, supervisor):
    course = CourseFactory(
        client=ClientFactory(practice=therapist.practice, therapist=therapist, full_name="Jo Test"),
        state="active",
    )
    session = AppointmentFactory(course=course, status="attended", session_number=1)
    recordings.give_consent(
        course=course, method="verbal", given_on=timezone.localdate(), actor=therapist
    )
    recording = recordings.upload_recording(
        appointment=session,
        upload=SimpleUploadedFile("session.wav", wav(SECONDS), content_type="audio/wav"),
        actor=therapist,
    )
    page = signed_in(supervisor.user)
    statuses = []
    page.on(
        "response",
        lambda response: statuses.append(response.status) if "/audio/" in response.url else None,
    )

    page.goto(e2e_server.url + reverse("clinic:appointment-detail", args=[session.public_id]))
    audio = page.locator(f"audio[src$='/recordings/{recording.public_id}/audio/']")
    assert audio.is_visible()
    # Muted, so the autoplay policy lets a script start it; what is tested is the stream.
    page.evaluate(
        "() => { const a = document.querySelector('audio'); a.muted = true; return a.play(); }"
    )
    page.wait_for_function("() => document.querySelector('audio').currentTime > 0.2")
    page.evaluate("() => { document.querySelector('audio').currentTime = 4.5; }")
    page.wait_for_function(
        "() => { const a = document.querySelector('audio'); return !a.seeking && a.currentTime >= 4.5; }"
    )

    assert page.evaluate("() => document.querySelector('audio').duration") == pytest.approx(
        SECONDS, 0.05
    )
    assert 206 in statuses
    assert all(status in (200, 206) for status in statuses)
