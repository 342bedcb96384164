"""The way in, on the real pages in headless Chromium.

An anonymous person finds the demo practice from `/`, reads what DIT is and refers
themselves. The admin triages the referral; the therapist records the assessment with
readiness, goals, a safety plan and the decision "offer DIT". The client waits, is
offered a start, accepts it on the portal, and the course begins with the goals carried
over. A second client is signposted elsewhere and gets the letter, on the portal and as
a PDF.
"""

import datetime as dt
import io
import re
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from pypdf import PdfReader

from patternwork.accounts.models import Membership
from patternwork.clients.models import Client
from patternwork.demo import seed
from patternwork.treatment.models import Course
from tests.e2e.pages import client_login, form_with, page_showing, staff_login
from tests.factories import TEST_PASSWORD, CourseFactory, PortalClientFactory

pytestmark = pytest.mark.e2e

# A Monday morning in the demo practice's time zone; the offered start is two weeks on.
START = dt.datetime(2027, 2, 1, 9, 0, tzinfo=dt.UTC)
CLIENT_PASSWORD = "a long portal passphrase"
GOALS = ("Say what I need at work without going quiet", "Ring my sister once a week")


def refer_myself(page, base, traveller):
    page.goto(f"{base}/")
    page.get_by_role("link", name=seed.DEMO_PRACTICE).click()
    page.wait_for_url(f"{base}/p/{seed.DEMO_SLUG}/")
    assert page.get_by_role("heading", name="What Dynamic Interpersonal Therapy is").is_visible()
    page.get_by_role("link", name="Refer yourself").click()
    page.get_by_label("Full name").fill("Alex Rivers")
    page.get_by_label("Date of birth (optional)").fill("1990-05-04")
    page.get_by_label("Email address").fill("alex.rivers@example.org")
    page.get_by_label("By email").check()
    page.get_by_label("What would you like help with?").fill(
        "I go quiet when people at work talk over me, then feel low for days."
    )
    page.locator('input[name="consent_contact"]').check()
    page.locator('input[name="consent_store"]').check()
    # The form refuses a submission faster than a person could type it.
    traveller.shift(dt.timedelta(seconds=10))
    page.get_by_role("button", name=re.compile("Send")).click()
    assert "sent" in page.url


def assess(staff, base, course, *, suitability, decision):
    staff.goto(f"{base}/courses/{course.public_id}/")
    staff.get_by_role("link", name="Assessment record").click()
    record = form_with(staff, "Save the record")
    record.get_by_label("Presenting difficulties, in the client's words").fill(
        "I go quiet, then I feel low for days."
    )
    record.get_by_label("Risk: current thoughts of harm to self or others").fill(
        "Passing thoughts when low; no plans."
    )
    record.get_by_label("Protective factors").fill("Their sister; their dog.")
    record.get_by_label("Safety plan").fill("Walk the dog, ring the sister, call 111.")
    record.get_by_label("Who to contact, and how").fill("Sister: 07700 900456. NHS 111.")
    record.get_by_label("Suitability for DIT").select_option(suitability)
    record.get_by_label("Reasons").fill("A clear relational pattern they want to work on.")
    record.get_by_role("button", name="Save the record").click()
    page_showing(staff, "Assessment record saved.")
    if decision == "offer_dit":
        readiness = form_with(staff, "Record readiness")
        readiness.get_by_label("When").select_option("assessment")
        readiness.get_by_label(re.compile("How important")).fill("8")
        readiness.get_by_label(re.compile("How confident")).fill("5")
        readiness.get_by_label(re.compile("hope")).fill("Speak up before it builds.")
        readiness.get_by_role("button", name="Record readiness").click()
        page_showing(staff, "Readiness recorded.")
        goals = form_with(staff, "Save the goals")
        for number, text in enumerate(GOALS, start=1):
            goals.get_by_label(f"Goal {number}", exact=True).fill(text)
        goals.get_by_role("button", name="Save the goals").click()
        page_showing(staff, "Goals saved.")
        ratings = form_with(staff, "Record the ratings")
        ratings.get_by_label("When").select_option("assessment")
        ratings.get_by_label("Goal 1: progress (0-10)").fill("2")
        ratings.get_by_label("Goal 2: progress (0-10)").fill("3")
        ratings.get_by_role("button", name="Record the ratings").click()
        page_showing(staff, "Goal ratings recorded.")
    form_with(staff, "Record the decision").get_by_label("Decision").select_option(decision)
    staff.get_by_role("button", name="Record the decision").click()
    page_showing(staff, "Decision recorded.")


def test_the_way_in_from_the_public_page_to_the_first_session(e2e_server, browser):
    base = e2e_server.url
    with time_machine.travel(START, tick=True) as traveller:
        seed.seed()
        visitor = browser.new_context()
        refer_myself(visitor.new_page(), base, traveller)
        visitor.close()

        # The admin triages: the referral is accepted for Dr Rowan Hale.
        office = browser.new_context()
        admin = office.new_page()
        staff_login(admin, base, seed.ADMIN.email)
        admin.goto(f"{base}/referrals/")
        admin.get_by_role("link", name="Alex Rivers").click()
        admin.get_by_label("Assign to").select_option(label="Dr Rowan Hale (Therapist)")
        admin.get_by_role("button", name="Accept referral").click()
        page_showing(admin, "Referral accepted")
        alex = Client.objects.get(full_name="Alex Rivers")
        course = alex.courses.get()

        # The therapist assesses and offers DIT: Alex joins the waiting list.
        room = browser.new_context()
        staff = room.new_page()
        staff_login(staff, base, seed.THERAPIST.email)
        assess(staff, base, course, suitability="suitable", decision="offer_dit")
        staff.goto(f"{base}/waiting-list/")
        row = staff.get_by_role("row", name=re.compile("Alex Rivers"))
        assert "under 6 weeks" in row.inner_text()

        # The admin offers a start from the waiting list.
        admin.goto(f"{base}/waiting-list/")
        admin.get_by_role("row", name=re.compile("Alex Rivers")).get_by_role(
            "link", name="Offer a start"
        ).click()
        admin.get_by_label("Therapist").select_option(label="Dr Rowan Hale")
        admin.get_by_label("Date of the first session").fill("2027-02-17")
        admin.get_by_label("Time").fill("16:00")
        admin.get_by_role("button", name="Make the offer").click()
        page_showing(admin, "Offer made.")

        # Alex joins the portal and accepts the offer there.
        staff.goto(f"{base}/clients/{alex.public_id}/")
        staff.get_by_role("button", name="Invite to the portal").click()
        link = re.search(r"https?://\S+/portal/invitation/\S+/", mail.outbox[-1].body).group(0)
        person = browser.new_context()
        portal = person.new_page()
        portal.goto(base + link[link.index("/portal/") :])
        portal.get_by_label("New password", exact=True).fill(CLIENT_PASSWORD)
        portal.get_by_label("New password again").fill(CLIENT_PASSWORD)
        portal.get_by_role("button", name="Set my password").click()
        client_login(portal, base, alex.email, CLIENT_PASSWORD)
        portal.get_by_role("link", name="See the offer and answer").click()
        portal.get_by_label("Yes, I accept this start").check()
        portal.get_by_role("button", name="Send my answer").click()
        page_showing(portal, "your first session is booked")

        # The course has begun, with the goals from the assessment on its page.
        course.refresh_from_db()
        assert (course.state, course.start_date) == (Course.State.ACTIVE, dt.date(2027, 2, 17))
        staff.goto(f"{base}/courses/{course.public_id}/")
        page = staff.content()
        for goal in GOALS:
            assert goal in page
        assert "importance 8/10, confidence 5/10" in page
        assert staff.locator("svg.goal-chart").count() == 1
        staff.goto(f"{base}/waiting-list/")
        assert "Alex Rivers" not in staff.content()
        for context in (office, room, person):
            context.close()


def test_a_second_client_is_signposted_elsewhere_with_a_letter(e2e_server, browser):
    base = e2e_server.url
    seed.seed()
    rowan = Membership.objects.get(user__email=seed.THERAPIST.email)
    # A number of its own: the factory's sequence, shared by the whole run, could meet
    # one of the demo's numbers (C00001...).
    jordan = PortalClientFactory(
        practice=rowan.practice,
        therapist=rowan,
        client_number="T09002",
        full_name="Jordan Example",
        referrer_name="Dr Hollis, Canal Street Surgery (fictional)",
    )
    course = CourseFactory(client=jordan, state="assessment")
    room = browser.new_context(accept_downloads=True)
    staff = room.new_page()
    staff_login(staff, base, seed.THERAPIST.email)

    assess(staff, base, course, suitability="not_suitable", decision="signpost")
    staff.get_by_role("link", name="Letter to the client").click()
    staff.get_by_role("button", name="Draft the letter").click()
    body = staff.locator('textarea[name="body"]')
    body.fill(
        body.input_value().replace(
            "[Name the service, what it offers and how to contact it.]",
            "Eastwick Talking Therapies (fictional) offers CBT: 01632 960 555.",
        )
    )
    staff.get_by_role("button", name="Save", exact=True).click()
    staff.get_by_role("button", name="Share on the client's portal").click()
    with staff.expect_download() as printed:
        staff.get_by_role("link", name=re.compile("Download the PDF")).click()
    text = " ".join(
        page.extract_text()
        for page in PdfReader(io.BytesIO(Path(printed.value.path()).read_bytes())).pages
    )
    assert "Eastwick Talking Therapies" in " ".join(text.split())

    # The way in is closed: the course ended, and Jordan is on no list.
    staff.goto(f"{base}/courses/{course.public_id}/")
    assert "Not offered DIT after assessment" in staff.content()
    staff.goto(f"{base}/caseload/")
    assert "Jordan Example" not in staff.content()

    # Jordan reads the letter on the portal.
    person = browser.new_context(accept_downloads=True)
    portal = person.new_page()
    client_login(portal, base, jordan.email, TEST_PASSWORD)
    with portal.expect_download() as received:
        portal.get_by_role("link", name=re.compile(r"Letter of .* \(PDF\)")).click()
    assert Path(received.value.path()).read_bytes().startswith(b"%PDF")
    room.close()
    person.close()
