"""The client's path through the real pages, in headless Chromium.

A therapist invites a demo client; the client sets a password, sees the next
appointment, downloads the .ics, completes PHQ-9 and GAD-7 with item 9 = 1 and sees
the crisis information; the therapist sees the flag and the scores at once; the client
writes and shares a journal entry; the therapist turns it into an episode; the
therapist drafts, edits and shares the goodbye letter; the client reads it and
downloads the PDF.
"""

import datetime as dt
import io
import re
from binascii import unhexlify
from pathlib import Path

import icalendar
import pytest
import time_machine
from django.core import mail
from django_otp.oath import TOTP
from pypdf import PdfReader

from patternwork.clients.models import Client
from patternwork.demo import seed
from patternwork.formulation.models import Episode
from patternwork.measures.models import Response, RiskFlag
from tests.e2e.pages import page_showing

pytestmark = pytest.mark.e2e

CLIENT_PASSWORD = "a long portal passphrase"
LETTER = (
    "Dear Kieran,\n\nOver these sixteen weeks we looked at how you step back when a group "
    "seems to close ranks, and how that left you lonely.\n\nWith warm wishes for what comes next."
)


def totp_code() -> str:
    key = unhexlify(seed.demo_totp_key(seed.THERAPIST.email))
    return f"{TOTP(key).token():06d}"


def staff_login(page, base):
    page.goto(f"{base}/login/")
    page.get_by_label("Email address").fill(seed.THERAPIST.email)
    page.get_by_label("Password").fill(seed.DEMO_PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Six-digit code from your authenticator app").fill(totp_code())
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(f"{base}/caseload/")


def test_client_path_from_invitation_to_goodbye_letter(e2e_server, browser, tmp_path):
    base = e2e_server.url
    seed.seed()
    kieran = Client.objects.get(full_name="Kieran Walsh")
    course = kieran.courses.get()
    upcoming = course.appointments.filter(status="booked").order_by("starts_at").first()
    # Move the clock to the day before Kieran's next session: its questionnaires open.
    with time_machine.travel(upcoming.starts_at - dt.timedelta(hours=20), tick=True):
        therapist = browser.new_context()
        staff = therapist.new_page()
        staff_login(staff, base)

        # The therapist invites the client.
        staff.goto(f"{base}/clients/{kieran.public_id}/")
        staff.get_by_role("button", name="Invite to the portal").click()
        link = re.search(r"https?://\S+/portal/invitation/\S+/", mail.outbox[-1].body).group(0)
        path = link[link.index("/portal/") :]

        # The client sets a password and logs in.
        person = browser.new_context(accept_downloads=True)
        portal = person.new_page()
        portal.goto(base + path)
        portal.get_by_label("New password", exact=True).fill(CLIENT_PASSWORD)
        portal.get_by_label("New password again").fill(CLIENT_PASSWORD)
        portal.get_by_role("button", name="Set my password").click()
        portal.get_by_label("Email address").fill(kieran.email)
        portal.get_by_label("Password").fill(CLIENT_PASSWORD)
        portal.get_by_role("button", name="Log in").click()
        portal.wait_for_url(f"{base}/portal/")
        home = portal.content()
        assert "Your next appointment" in home or "next appointment" in home.lower()
        assert "999" in home  # crisis information on every portal page

        # The .ics download holds the client's appointments.
        with portal.expect_download() as download:
            portal.get_by_role("link", name=re.compile("calendar")).click()
        calendar = icalendar.Calendar.from_ical(Path(download.value.path()).read_bytes())
        uids = {str(event["UID"]) for event in calendar.walk("VEVENT")}
        assert f"{upcoming.public_id}@patternwork" in uids

        # PHQ-9 with item 9 = 1 and GAD-7, then the crisis information.
        portal.get_by_role("link", name="Fill in the questionnaires").click()
        for n in range(1, 9):
            portal.locator(f'input[name="phq9-q{n}"][value="1"]').check()
        portal.locator('input[name="phq9-q9"][value="1"]').check()
        for n in range(1, 8):
            portal.locator(f'input[name="gad7-q{n}"][value="2"]').check()
        # The last planned session also asks for the WSAS.
        for key in (
            "work",
            "home_management",
            "social_leisure",
            "private_leisure",
            "close_relationships",
        ):
            answer = portal.locator(f'input[name="wsas-{key}"][value="4"]')
            if answer.count():
                answer.check()
        portal.get_by_role("button", name="Submit").click()
        page_showing(portal, "If you need help now, please do not wait", "Samaritans")

        # The therapist sees the flag and the scores at once.
        staff.goto(f"{base}/caseload/")
        caseload = staff.content()
        assert re.search(r"\d+ risk answers? needs? acknowledging", caseload)
        assert "Several days" in caseload
        assert RiskFlag.objects.filter(
            client=kieran, acknowledged_at__isnull=True, response__source="portal"
        ).exists()
        staff.goto(f"{base}/appointments/{upcoming.public_id}/")
        session = staff.content()
        assert "PHQ-9</strong> 9/27" in session
        assert "GAD-7</strong> 14/21" in session
        assert set(
            Response.objects.filter(appointment=upcoming, status="complete").values_list(
                "instrument", "total"
            )
        ) >= {("PHQ-9", 9), ("GAD-7", 14)}

        # The client writes and shares a journal entry.
        portal.goto(f"{base}/portal/journal/")
        portal.get_by_role("link", name=re.compile("New entry|Write")).first.click()
        portal.get_by_label("A moment this week with someone that stayed with you").fill(
            "At the team lunch the others made plans and did not ask me."
        )
        portal.get_by_role("button", name=re.compile("Save")).click()
        portal.get_by_role("button", name="Share with my therapist").click()

        # The therapist turns it into an episode.
        staff.goto(f"{base}/courses/{course.public_id}/")
        staff.locator(".journal-shared__list a").first.click()
        staff.get_by_label("With whom").select_option(label="Manager (manager)")
        staff.get_by_role("button", name="Make an episode").click()
        episode = Episode.objects.get(journal_entry__client=kieran)
        assert "team lunch" in episode.account

        # The therapist drafts, edits and shares the goodbye letter.
        staff.goto(f"{base}/courses/{course.public_id}/letter/")
        staff.get_by_role("button", name="Draft the letter from the course").click()
        staff.locator('textarea[name="body"]').fill(LETTER)
        staff.get_by_role("button", name="Save as a new version").click()
        staff.get_by_role("link", name=re.compile("Share with")).click()
        staff.get_by_role("button", name=re.compile("Share version")).click()
        page_showing(staff, "Shared with")

        # The client reads it and downloads the PDF.
        portal.goto(f"{base}/portal/")
        portal.get_by_role("link", name=re.compile("Letters")).first.click()
        portal.get_by_role("link", name=re.compile("oodbye")).first.click()
        page_showing(portal, "step back when a group")
        with portal.expect_download() as pdf:
            portal.get_by_role("link", name=re.compile("PDF")).click()
        reader = PdfReader(io.BytesIO(Path(pdf.value.path()).read_bytes()))
        text = "".join(page.extract_text() for page in reader.pages)
        assert "Riverside Psychological Therapies" in text
        assert "step back when a group" in " ".join(text.split())
        therapist.close()
        person.close()
