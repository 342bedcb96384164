"""The goodbye letter and the course summary in the staff UI."""

import datetime as dt
import io
import re

import pypdf
import pytest
import time_machine
from django.urls import reverse

from patternwork.audit.models import AuditEvent
from patternwork.core.concurrency import STALE_EDIT_MESSAGE
from patternwork.letters import services
from patternwork.letters.models import Letter, LetterVersion
from patternwork.treatment import services as treatment
from patternwork.treatment.models import Appointment
from tests.course_fixtures import ENDING_NOW, ending_course
from tests.factories import LetterFactory, LetterVersionFactory

# The clock of the `frozen` fixture.
NOW = ENDING_NOW

pytestmark = pytest.mark.usefixtures("frozen")

WRITTEN = "Dear Jo, thank you for our work.\n\nWhat changed\n\nYou speak up sooner now."


@pytest.fixture
def ending(db, ending_built_once):
    """The module's ending course, built once (course_fixtures.ending_built_once)."""
    return ending_built_once.course()


@pytest.fixture
def staff(client, login, therapist):
    login(therapist)
    return client


def url(name, ending):
    return reverse(name, args=[ending.public_id])


def page_text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def audit(action):
    return AuditEvent.objects.filter(action=action).count()


def started(ending, therapist, body=WRITTEN):
    letter = services.start_letter(course=ending, by=therapist)
    return services.save_letter(letter=letter, body=body, expected_version=1, by=therapist)


def test_letter_page_offers_the_draft_in_the_ending_phase(staff, ending):
    response = staff.get(url("clinic:letter", ending))

    assert response.status_code == 200
    assert response.context["letter"] is None
    assert response.context["refusal"] is None
    assert "Draft the letter from the course" in page_text(response)
    assert "The plan shares it in session 15." in page_text(response)


def test_letter_page_says_why_not_yet_before_the_ending_phase(client, login, therapist):
    ending = ending_course(therapist, attended=10)
    login(therapist)

    response = client.get(url("clinic:letter", ending))

    assert response.context["refusal"] == (
        "The goodbye letter is drafted in the ending phase, from session 13; 10 of 16 sessions "
        "are attended so far."
    )
    assert "Draft the letter from the course" not in page_text(response)


def test_start_drafts_the_letter_and_opens_it_for_editing(staff, ending):
    response = staff.post(url("clinic:letter-start", ending), follow=True)

    letter = Letter.objects.get()
    text = page_text(response)
    assert response.redirect_chain == [(url("clinic:letter", ending), 302)]
    assert (letter.course, letter.state, letter.version) == (ending, "draft", 1)
    assert audit("letter.start") == 1
    assert response.context["form"].initial == {
        "body": LetterVersion.objects.get().body,
        "version": 1,
    }
    assert "5 places marked “[To complete: …]” are still to be written." in text
    assert "Draft, version 1. Jo cannot see it until you share it" in text
    assert (
        '<h3 class="letter-paper__heading">The pattern we named</h3>' in response.content.decode()
    )


def test_start_too_early_is_refused_with_a_message(client, login, therapist):
    ending = ending_course(therapist, attended=12)
    login(therapist)

    response = client.post(url("clinic:letter-start", ending), follow=True)

    assert not Letter.objects.exists()
    assert (
        "The goodbye letter is drafted in the ending phase, from session 13; 12 of 16 sessions "
        "are attended so far."
    ) in page_text(response)


def test_saving_an_edit_adds_a_version(staff, ending, therapist):
    services.start_letter(course=ending, by=therapist)

    response = staff.post(url("clinic:letter", ending), {"body": WRITTEN, "version": "1"})

    page = staff.get(url("clinic:letter", ending))
    assert response.status_code == 302
    assert Letter.objects.get().version == 2
    assert LetterVersion.objects.get(number=2).body == WRITTEN
    assert audit("letter.save") == 1
    assert [v.number for v in page.context["versions"]] == [2, 1]
    assert page.context["open_places"] == 0
    assert "Read version 1" in page_text(page)


def test_earlier_version_is_shown_on_request(staff, ending, therapist):
    started(ending, therapist)

    response = staff.get(url("clinic:letter", ending) + "?version=1")

    assert response.context["shown"].number == 1
    assert "Version 1, an earlier version" in page_text(response)
    assert response.context["form"].initial["body"] == WRITTEN


def test_edit_from_a_stale_page_is_a_conflict_and_keeps_the_text(staff, ending, therapist):
    started(ending, therapist)

    response = staff.post(
        url("clinic:letter", ending), {"body": "My careful <em>second</em> text", "version": "1"}
    )

    assert response.status_code == 409
    assert "My careful &lt;em&gt;second&lt;/em&gt; text" in response.content.decode()
    assert STALE_EDIT_MESSAGE.replace("'", "&#x27;") in response.content.decode()
    assert LetterVersion.objects.count() == 2
    assert audit("letter.save") == 1


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"body": "Kept text", "version": "x"}, {"version": ["Enter a whole number."]}),
        ({"body": "Kept text"}, {"version": ["This field is required."]}),
        ({"body": " \r\n ", "version": "1"}, {"body": [services.EMPTY]}),
    ],
)
def test_bad_input_is_a_form_error_and_keeps_the_text(staff, ending, therapist, data, errors):
    services.start_letter(course=ending, by=therapist)

    response = staff.post(url("clinic:letter", ending), data)

    assert response.status_code == 400
    assert response.context["form"].errors == errors
    assert response.context["form"]["body"].value() == data["body"]
    assert Letter.objects.get().version == 1


def test_overlong_letter_is_refused_and_kept(staff, ending, therapist):
    services.start_letter(course=ending, by=therapist)
    body = "word " * 4001

    response = staff.post(url("clinic:letter", ending), {"body": body, "version": "1"})

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "body": ["Ensure this value has at most 20000 characters (it has 20005)."]
    }
    assert response.context["form"]["body"].value() == body


def test_hostile_text_is_escaped_on_the_page(staff, ending, therapist):
    started(ending, therapist, body="<script>alert(1)</script>\n\n<b>bold</b>")

    html = staff.get(url("clinic:letter", ending)).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "<b>bold</b>" not in html
    assert '<p dir="auto">&lt;script&gt;alert(1)&lt;/script&gt;</p>' in html


def test_characters_the_pdf_cannot_draw_are_named(staff, ending, therapist):
    started(ending, therapist, body="Well done 🎉 and 中文")

    response = staff.get(url("clinic:letter", ending))

    assert response.context["unprintable"] == ["🎉", "中", "文"]
    assert "The PDF's fonts cannot draw some characters" in page_text(response)


def test_share_page_refuses_while_places_remain(staff, ending, therapist):
    services.start_letter(course=ending, by=therapist)

    page = staff.get(url("clinic:letter-share", ending))
    response = staff.post(url("clinic:letter-share", ending), {"version": "1"})

    assert "5 places marked “[To complete: …]” are still to be written." in page_text(page)
    assert "Share version 1 with Jo" not in page_text(page)
    assert response.status_code == 400
    assert response.context["errors"] == [
        "The letter still has 5 place(s) marked “[To complete: …]”. Write them, or delete "
        "them, before sharing the letter."
    ]
    assert Letter.objects.get().state == "draft"


def test_share_after_confirming_the_version_read(staff, ending, therapist):
    started(ending, therapist)

    page = staff.get(url("clinic:letter-share", ending))
    response = staff.post(url("clinic:letter-share", ending), {"version": "2"}, follow=True)

    letter = Letter.objects.get()
    assert "Share version 2 with Jo" in page_text(page)
    assert "Jo has no portal login yet" in page_text(page)
    assert (letter.state, letter.shared_at) == ("shared", NOW)
    assert audit("letter.share") == 1
    assert "The letter is shared: Jo can read it in the portal." in page_text(response)
    assert response.context["form"] is None
    assert "Mark as discussed with the client" in page_text(response)


def test_share_of_an_unread_version_is_a_conflict(staff, ending, therapist):
    started(ending, therapist)

    response = staff.post(url("clinic:letter-share", ending), {"version": "1"})

    assert response.status_code == 409
    assert "The letter was saved again since you opened this page." in page_text(response)
    assert response.context["form"].initial == {"version": 2}
    assert Letter.objects.get().state == "draft"


def test_share_with_a_tampered_form_is_refused(staff, ending, therapist):
    started(ending, therapist)

    response = staff.post(url("clinic:letter-share", ending), {"version": "two"})

    assert response.status_code == 400
    assert response.context["errors"] == ["Read the letter below and confirm again."]
    assert audit("letter.share") == 0


def test_shared_letter_is_read_only_and_is_marked_discussed(staff, ending, therapist):
    letter = started(ending, therapist)
    services.share_letter(letter=letter, expected_version=2, by=therapist)

    edit = staff.post(url("clinic:letter", ending), {"body": "Changed", "version": "2"})
    again = staff.get(url("clinic:letter-share", ending))
    discussed = staff.post(url("clinic:letter-discussed", ending), follow=True)

    assert edit.status_code == 400
    assert edit.context["form"].non_field_errors() == [services.SHARED_NOT_EDITED]
    assert again["Location"] == url("clinic:letter", ending)
    assert Letter.objects.get().state == "discussed"
    assert audit("letter.discuss") == 1
    assert "Discussed on 27 May 2026." in page_text(discussed)


def test_letter_pdf_is_an_audited_attachment(staff, ending, therapist):
    started(ending, therapist)

    response = staff.get(url("clinic:letter-pdf", ending))

    content = b"".join(response.streaming_content)
    text = pypdf.PdfReader(io.BytesIO(content)).pages[0].extract_text()
    number = ending.client.client_number
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"] == f'attachment; filename="goodbye-letter-{number}-v2.pdf"'
    )
    assert (response["X-Content-Type-Options"], response["Cache-Control"]) == (
        "nosniff",
        "no-store",
    )
    assert "Dear Jo," in text
    assert "You speak up sooner now." in text
    event = AuditEvent.objects.get(action="letter.download")
    assert (event.actor, event.changes) == (therapist.user, {"version": 2})


def test_letter_pdf_before_any_letter_is_not_found(staff, ending):
    assert staff.get(url("clinic:letter-pdf", ending)).status_code == 404
    assert audit("letter.download") == 0


def test_course_summary_pdf_is_an_audited_attachment(staff, ending, therapist):
    response = staff.get(url("clinic:course-summary-pdf", ending))

    content = b"".join(response.streaming_content)
    pages = pypdf.PdfReader(io.BytesIO(content)).pages
    text = " ".join(" ".join(page.extract_text() for page in pages).split())
    assert response["Content-Disposition"] == (
        f'attachment; filename="course-summary-{ending.client.client_number}.pdf"'
    )
    assert (response["X-Content-Type-Options"], response["Cache-Control"]) == (
        "nosniff",
        "no-store",
    )
    assert "Course summary" in text
    assert "13 of 16 planned" in text
    assert "Confidential" in text
    event = AuditEvent.objects.get(action="course_summary.download")
    assert (event.actor, event.object_id) == (therapist.user, str(ending.public_id))


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("clinic:letter", "get"),
        ("clinic:letter", "post"),
        ("clinic:letter-start", "post"),
        ("clinic:letter-share", "get"),
        ("clinic:letter-share", "post"),
        ("clinic:letter-discussed", "post"),
        ("clinic:letter-pdf", "get"),
        ("clinic:course-summary-pdf", "get"),
    ],
)
def test_another_practices_course_is_not_found(staff, foreign_therapist, name, method):
    foreign = LetterFactory(course__client__practice=foreign_therapist.practice).course
    before = Letter.objects.get(course=foreign).version

    response = getattr(staff, method)(url(name, foreign), {"body": "x", "version": "1"})

    assert response.status_code == 404
    assert Letter.objects.get(course=foreign).version == before
    assert audit("letter.download") + audit("course_summary.download") + audit("letter.save") == 0


def test_another_therapists_client_is_not_found(client, login, other_therapist, ending):
    login(other_therapist)

    assert client.get(url("clinic:letter", ending)).status_code == 404
    assert client.get(url("clinic:course-summary-pdf", ending)).status_code == 404


def test_admin_reads_letters_only_where_the_practice_allows_it(client, login, admin, ending):
    login(admin)
    refused = client.get(url("clinic:letter", ending))
    admin.practice.admins_read_clinical = True
    admin.practice.save()

    allowed = client.get(url("clinic:letter", ending))

    assert refused.status_code == 404
    assert allowed.status_code == 200
    [read] = AuditEvent.objects.filter(action="record.read")
    assert (read.actor, read.object_id) == (admin.user, str(ending.client.public_id))


def test_supervisor_of_the_therapist_can_share(client, login, supervisor, ending, therapist):
    started(ending, therapist)
    login(supervisor)

    response = client.post(url("clinic:letter-share", ending), {"version": "2"})

    assert response.status_code == 302
    assert AuditEvent.objects.get(action="letter.share").actor == supervisor.user


def test_course_page_offers_the_letter_and_the_summary_with_the_consent(staff, ending):
    before = page_text(staff.get(url("clinic:course-detail", ending)))
    ending.client.share_with_referrer = True
    ending.client.referrer_name = "Dr Patel"
    ending.client.save()

    after = page_text(staff.get(url("clinic:course-detail", ending)))

    html = staff.get(url("clinic:course-detail", ending)).content.decode()
    assert f'href="{url("clinic:letter", ending)}"' in html
    assert f'href="{url("clinic:course-summary-pdf", ending)}"' in html
    assert (
        "Jo has not consented to the course summary being sent to their referrer: it is for "
        "the clinical record only."
    ) in before
    assert "Jo consents to the course summary being sent to Dr Patel." in after


def test_caseload_milestones_follow_the_letter(client, login, ending, therapist):
    with time_machine.travel(dt.datetime(2026, 6, 2, 11, 0, tzinfo=dt.UTC), tick=False):
        staff = login(therapist)
        fourteenth = ending.appointments.filter(status=Appointment.Status.BOOKED).earliest(
            "starts_at"
        )
        treatment.mark_attended(appointment=fourteenth, actor=therapist)
        overdue = page_text(staff.get(reverse("clinic:home")))
        letter = started(ending, therapist)
        drafted = page_text(staff.get(reverse("clinic:home")))
        services.share_letter(letter=letter, expected_version=2, by=therapist)
        course_page = staff.get(url("clinic:course-detail", ending))

    shared = {m.key: m.state.value for m in course_page.context["view"].milestones}
    assert "Goodbye letter not drafted" in overdue
    assert "Goodbye letter not drafted" not in drafted
    assert "Goodbye letter not shared" not in drafted
    assert (shared["letter_drafted"], shared["letter_shared"]) == ("done", "done")


def test_letter_page_queries_do_not_grow_with_versions(
    staff, ending, therapist, django_assert_num_queries
):
    letter = started(ending, therapist)
    staff.get(url("clinic:letter", ending))
    with django_assert_num_queries(11) as few:
        staff.get(url("clinic:letter", ending))
    for number in (3, 4, 5):
        LetterVersionFactory(letter=letter, number=number, body=f"Version {number}")
    Letter.objects.filter(pk=letter.pk).update(version=5)

    with django_assert_num_queries(len(few)):
        response = staff.get(url("clinic:letter", ending))

    assert [v.number for v in response.context["versions"]] == [5, 4, 3, 2, 1]
