"""Every page of the route inventory in headless Chromium, over the seeded demo practice,
and a therapist recording a session with the keyboard alone.

Each page is loaded once, as the role that uses it: axe-core runs on it (no serious or
critical violation), it has one main landmark, one h1 and a title of its own, and it is no
wider than the window at 1280 px and, resized without reloading, at 390 px.

The demo is seeded once for the module inside a transaction that is rolled back at the
end; the module's own live server shares the test thread's in-memory connection, so it
sees the demo without a flush. What the demo lacks (a portal login, a goodbye letter, a
journal entry...) is added here with the factories the route inventory uses.
"""

import datetime as dt
import threading
from dataclasses import dataclass

import pytest
import time_machine
from axe_playwright_python.base import AXE_FILE_PATH
from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from patternwork.accounts.models import Membership, Practice
from patternwork.clients.models import Client
from patternwork.demo import seed
from patternwork.formulation import ipaf_sharing
from patternwork.letters.models import DecisionLetter
from patternwork.measures import presession
from patternwork.measures.models import RiskFlag, TrackFlag
from patternwork.supervision.models import SupervisionAction, SupervisionSession
from patternwork.treatment.models import Course, Offer
from tests import factories, routes
from tests.conftest import verified_login

pytestmark = pytest.mark.e2e

WIDE = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# axe-core's two highest impacts; "moderate" and "minor" are advice, not failures.
BLOCKING = {"serious", "critical"}
# Only the rules that can fail the sweep run: each axe-core rule declares its impact, and
# leaving out the moderate and minor ones (the region, landmark and heading-order rules
# among them) changes no result and saves a third of axe's time. Like axe's own default
# run, it leaves out the rules that are off by default (AAA) or experimental. One main
# landmark and one h1 are checked below, more strictly than those rules would.
AXE_OPTIONS = """{
    resultTypes: ['violations'],
    runOnly: {type: 'rule', values: axe._audit.rules
        .filter(rule => rule.impact === 'serious' || rule.impact === 'critical')
        .filter(rule => rule.enabled && !rule.tags.includes('experimental'))
        .map(rule => rule.id)},
}"""

# Routes with no HTML page of ours to sweep: files, feeds, machine interfaces and the parts
# of pages that htmx swaps in. Each says why; every other GET route is swept.
NOT_A_PAGE = {
    "api:": "the REST API answers JSON",
    "fhir:": "the FHIR interface answers JSON",
    "healthz": "a plain-text health check",
    "api:docs": "Swagger UI is a vendored third-party page, not one of our templates",
    "clinic:course-summary-pdf": "a PDF",
    "clinic:decision-letter-pdf": "a PDF",
    "clinic:letter-pdf": "a PDF",
    "portal:decision-letter-pdf": "a PDF",
    "portal:letter-pdf": "a PDF",
    "clinic:course-outcomes-csv": "a CSV file",
    "clinic:service-report-csv": "a CSV file",
    "clinic:client-record-export": "a file to download",
    "clinic:client-calendar": "an iCalendar file",
    "portal:calendar": "an iCalendar file",
    "clinic:recording-audio": "a session recording's audio stream",
    "clinic:category-suggestions": "an htmx fragment inside the episode form",
    "clinic:pattern-evidence": "an htmx fragment of the pattern page (its full page is swept as clinic:pattern)",
}

# Who loads each page: the role whose work it is. Anything not named here goes by its
# access class (see role_of).
ROLE_OVERRIDES = {
    "clinic:supervision": "supervisor",
    "clinic:supervision-session": "supervisor",
    "clinic:supervision-session-new": "supervisor",
    "clinic:service-report": "supervisor",
    "clinic:referral-create": "admin",
    "clinic:otp-verify": "staff-pending",
    "clinic:passkey-verify": "staff-pending",
    "clinic:otp-setup": "staff-new",
    "portal:otp-verify": "client-pending",
    "portal:offer": "client-waiting",
}
BY_ACCESS = {
    routes.PUBLIC: "anonymous",
    routes.STAFF: "therapist",
    routes.CASELOAD: "therapist",
    routes.REFERRALS: "therapist",
    routes.ADMIN: "admin",
    # The passkey list is reached after the password alone too; swept as a signed-in
    # therapist, who has the whole page.
    routes.PASSWORD_STAGE: "therapist",
    routes.OPERATOR: "admin",
    routes.CLIENT: "client",
}
# The parametrised chunks: a few tests, each over many pages, rather than one per page.
CHUNKS = {
    "public": {"anonymous", "staff-pending", "staff-new", "client-pending"},
    "therapist": {"therapist"},
    "admin": {"admin"},
    "supervisor": {"supervisor"},
    "portal": {"client", "client-waiting", "client-signposted"},
}
# An invitation link that is not valid answers 400 with the page that says so.
STATUS = {"clinic:invitation-accept": 400, "portal:invitation": 400}
# Routes addressed by something other than an object's public id; an invalid token shows
# the page that says so, which is a page people see too.
OTHER_ARGS = {
    "clinic:invitation-accept": ["not-a-token"],
    "portal:invitation": ["not-a-token"],
    "clinic:password-reset-confirm": ["MQ", "not-a-token"],
    "portal:password-reset-confirm": ["MQ", "not-a-token"],
    "portal:practice-page": [seed.DEMO_SLUG],
    "portal:self-referral": [seed.DEMO_SLUG],
    "portal:self-referral-sent": [seed.DEMO_SLUG],
}

STRUCTURE = """() => ({
    mains: document.querySelectorAll('main, [role="main"]').length,
    h1s: document.querySelectorAll('h1').length,
    titles: document.querySelectorAll('head > title').length,
    title: document.title.trim(),
})"""
WIDTH = "document.documentElement.scrollWidth"
# Boxes that scroll sideways and that the keyboard cannot reach: neither the box nor
# anything in it takes focus (axe-core's scrollable-region-focusable, cheaply, at 390 px).
UNREACHABLE = """() => new Promise(done => requestAnimationFrame(() => done(
    Array.from(document.querySelectorAll('body *')).filter(el => {
        const overflow = getComputedStyle(el).overflowX;
        return (overflow === 'auto' || overflow === 'scroll')
            && el.scrollWidth > el.clientWidth
            && el.tabIndex < 0
            && !el.querySelector('a[href], button, input, select, textarea, [tabindex]');
    }).map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''))
)))"""


def _skipped(name: str) -> str | None:
    return NOT_A_PAGE.get(name) or NOT_A_PAGE.get(name.split(":")[0] + ":")


def role_of(name: str) -> str:
    return ROLE_OVERRIDES.get(name) or BY_ACCESS.get(routes.ROUTES[name], "")


def swept_routes() -> list[str]:
    return sorted(
        name for name in routes.ROUTES if name not in routes.POST_ONLY and not _skipped(name)
    )


def test_every_page_route_is_swept_or_says_why():
    pages = swept_routes()
    roles = {role for chunk in CHUNKS.values() for role in chunk}

    assert {name: role_of(name) for name in pages if role_of(name) not in roles} == {}
    assert set(NOT_A_PAGE) - {n for n in NOT_A_PAGE if n.endswith(":")} <= set(routes.ROUTES)


@dataclass
class World:
    practice: Practice
    course: Course  # the therapist's course with most on its pages
    members: dict[str, Membership]
    urls: dict[str, list[tuple[str, str]]]  # role -> (route name, path)
    users: dict[str, object]  # role -> user to log in as


def _richest_course(therapist) -> Course:
    """The therapist's active course with the most recorded: the page with most on it."""
    return (
        Course.objects.filter(therapist=therapist, state="active")
        .annotate(n=Count("appointments"))
        .order_by("-n")
        .first()
    )


def _demo_objects(practice, therapist, admin) -> dict[str, object]:
    """One demo object of each kind the object routes address: the one with most on its
    page, and made here with the factories where the demo has none."""
    course = _richest_course(therapist)
    client = course.client
    attended = course.appointments.filter(status="attended", note__isnull=False).order_by(
        "-starts_at"
    )
    # The demo's waiting client has an open offer of a start with the therapist.
    waiting = Offer.objects.get(therapist=therapist).entry.course
    # A second IPAF version, so that the comparison page has two to compare.
    factories.IpafVersionFactory(course=course, number=course.ipaf_versions.count() + 1)
    ended = Course.objects.filter(therapist=therapist, state="ended").first() or course
    return {
        "membership": therapist,
        "client": client,
        "course": course,
        "appointment": attended.first(),
        "note": attended.first(),
        "risk_flag": RiskFlag.objects.filter(course__therapist=therapist).first(),
        "track_flag": TrackFlag.objects.filter(course__therapist=therapist).first(),
        "waiting": waiting,
        "offer": waiting,
        "person": client.relationship_people.first(),
        "episode": course.episodes.first(),
        "ipaf_version": course.ipaf_versions.order_by("number").first(),
        "category": practice.pattern_categories.first(),
        "supervision_session": SupervisionSession.objects.filter(practice=practice).first(),
        "supervision_action": SupervisionAction.objects.filter(session__practice=practice).first(),
        "referral": client.referrals.first(),
        # The demo has no journal, no goodbye letter and no caseload upload. The goodbye
        # letter is a draft on the ended course, so its editor is swept; the portal reads
        # a shared one (see _portal_world).
        "journal_entry": factories.JournalEntryFactory(course=course, shared_at=timezone.now()),
        "letter": factories.LetterFactory(course=ended).course,
        "caseload_upload": factories.CaseloadUploadFactory(uploaded_by=admin),
    }


def _give_portal_login(client: Client) -> Client:
    client.user = factories.UserFactory(
        email=f"portal-{client.pk}@example.test", full_name=client.full_name
    )
    client.email = client.user.email
    client.contact_by_email = True
    client.portal_invited_at = timezone.now()
    client.save()
    return client


def _portal_world(practice, therapist, found) -> dict[str, tuple[Client, dict[str, str]]]:
    """Three demo clients with portal logins: mid-course, waiting with an offer, signposted."""
    course = found["course"]
    rich = _give_portal_login(course.client)
    version = course.ipaf_versions.order_by("-number").first()
    if version.shared_at is None:
        ipaf_sharing.share_ipaf(version=version, by=therapist)
    letter = factories.LetterFactory(course=course, state="shared", shared_at=timezone.now())
    # The first booked session whose questionnaires are open to fill in.
    now = timezone.now()
    upcoming = next(
        a
        for a in course.appointments.filter(status="booked").order_by("starts_at")
        if presession.sheet_for(a, now).is_open
    )
    waiting = found["waiting"].client
    offer = Offer.objects.get(entry__course__client=waiting)
    signposted = DecisionLetter.objects.filter(course__client__practice=practice).first()
    return {
        "client": (
            rich,
            {
                "portal:ipaf": reverse("portal:ipaf", args=[version.public_id]),
                "portal:journal-entry": reverse(
                    "portal:journal-entry", args=[found["journal_entry"].public_id]
                ),
                "portal:letter": reverse("portal:letter", args=[letter.public_id]),
                "portal:questionnaire": reverse("portal:questionnaire", args=[upcoming.public_id]),
                "portal:questionnaire-done": reverse(
                    "portal:questionnaire-done", args=[upcoming.public_id]
                ),
            },
        ),
        "client-waiting": (
            _give_portal_login(waiting),
            {"portal:offer": reverse("portal:offer", args=[offer.public_id])},
        ),
        # Their home and letters list show the decision letter (its page is a PDF).
        "client-signposted": (_give_portal_login(signposted.course.client), {}),
    }


def _path(name, kind_objects, special):
    if name in special:
        return special[name]
    if name in routes.OBJECT_ROUTES:
        return reverse(name, args=[kind_objects[routes.OBJECT_ROUTES[name]].public_id])
    if name in OTHER_ARGS:
        return reverse(name, args=OTHER_ARGS[name])
    return reverse(name)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, module_browser):
    # The browser starts first: Playwright's event loop gives the test code a context of
    # its own, and with it another database connection. Seeded after, the demo lives on
    # the connection that the tests and the live server then use.
    with django_db_blocker.unblock(), transaction.atomic():
        seed.seed()
        practice = Practice.objects.get(slug=seed.DEMO_SLUG)
        members = {
            m.role if m.role != "therapist" else m.user.email: m
            for m in Membership.objects.filter(practice=practice).select_related("user")
        }
        therapist = members[seed.THERAPIST.email]
        admin = members["admin"]
        admin.user.is_operator = True
        admin.user.save(update_fields=["is_operator"])
        kind_objects = _demo_objects(practice, therapist, admin)
        portal = _portal_world(practice, therapist, kind_objects)
        special = {name: path for _client, paths in portal.values() for name, path in paths.items()}
        urls: dict[str, list[tuple[str, str]]] = {}
        for name in swept_routes():
            urls.setdefault(role_of(name), []).append((name, _path(name, kind_objects, special)))
        # A supervisor's own view of the pages every member has, and a signposted client's.
        urls["supervisor"] += [
            ("clinic:home", reverse("clinic:home")),
            ("clinic:oversight", reverse("clinic:oversight")),
        ]
        urls["client-signposted"] = [
            ("portal:home", reverse("portal:home")),
            ("portal:letters", reverse("portal:letters")),
        ]
        # A number of its own: the factory's sequence could meet the demo's C00001...
        pending_client = factories.PortalClientFactory(
            practice=practice, therapist=therapist, client_number="T09001"
        )
        factories.TOTPDeviceFactory(user=pending_client.user)
        users = {
            "therapist": therapist.user,
            "admin": admin.user,
            "supervisor": members["supervisor"].user,
            # The demo's second therapist has an authenticator: logged in with the password
            # alone, they are asked for its code.
            "staff-pending": members[seed.THERAPIST_2.email].user,
            "staff-new": factories.MembershipFactory(practice=practice, role="therapist").user,
            "client-pending": pending_client.user,
            **{role: client.user for role, (client, _paths) in portal.items()},
        }
        yield World(practice, kind_objects["course"], members, urls, users)
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def sweep_server(world):
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer("localhost")
    server._live_server_modified_settings.enable()
    try:
        yield server
    finally:
        server._live_server_modified_settings.disable()
        server.thread.terminate()
        # Requests still closing (the browser's kept-alive connections) close the shared
        # connection too: they end before it stops being shareable.
        for thread in threading.enumerate():
            if "process_request_thread" in thread.name:
                thread.join(timeout=10)
        for connection in server.thread.connections_override.values():
            connection.dec_thread_sharing()


@pytest.fixture(scope="module")
def role_pages(world, sweep_server, module_browser):
    """One page per role, its context logged in as that role (or nobody), axe-core loaded;
    fresh=True logs in anew (a session started at the clock's time now)."""
    pages, contexts = {}, []

    def _page(role, fresh=False):
        if role in pages and not fresh:
            return pages[role]
        context = module_browser.new_context(viewport=WIDE)
        context.add_init_script(path=str(AXE_FILE_PATH))
        contexts.append(context)
        user = world.users.get(role)
        if user is not None:
            http = HttpClient()
            if role in {"therapist", "admin", "supervisor"}:
                verified_login(http, user)
            else:
                http.force_login(user)
            context.add_cookies(
                [
                    {
                        "name": settings.SESSION_COOKIE_NAME,
                        "value": http.cookies[settings.SESSION_COOKIE_NAME].value,
                        "url": sweep_server.url,
                    }
                ]
            )
        page = context.new_page()
        if not fresh:
            pages[role] = page
        return page

    yield _page
    for context in contexts:
        context.close()


def _axe(page, options: str) -> list[str]:
    results = page.evaluate(f"axe.run(document, {options})")
    return [
        f"axe {violation['id']} ({violation['impact']}) at "
        f"{[' '.join(map(str, node['target'])) for node in violation['nodes'][:3]]}: "
        f"{violation['help']}"
        for violation in results["violations"]
        if violation["impact"] in BLOCKING
    ]


def _check(page, base, name, path) -> list[str]:
    """What is wrong with one page; the page is left at phone width."""
    page.set_viewport_size(WIDE)
    response = page.goto(base + path)
    if response is None or response.status != STATUS.get(name, 200):
        return [f"{name} {path}: HTTP {response and response.status}"]
    problems = []
    shape = page.evaluate(STRUCTURE)
    if shape["mains"] != 1:
        problems.append(f"{shape['mains']} main landmarks")
    if shape["h1s"] != 1:
        problems.append(f"{shape['h1s']} h1 headings")
    if shape["titles"] != 1 or not shape["title"]:
        problems.append("no title")
    problems += _axe(page, AXE_OPTIONS)
    for viewport in (WIDE, PHONE):
        if viewport is PHONE:
            page.set_viewport_size(PHONE)
            # What scrolls sideways on a phone must still be reachable from the keyboard
            # (after a frame: the page's resize handler marks such boxes focusable).
            problems += [f"{box} scrolls but takes no focus" for box in page.evaluate(UNREACHABLE)]
        width = page.evaluate(WIDTH)
        if width > viewport["width"]:
            problems.append(f"{width} px wide at {viewport['width']} px")
    return [f"{name} {path}: {problem}" for problem in problems]


@pytest.mark.parametrize("chunk", sorted(CHUNKS))
def test_every_page_is_accessible_and_fits_a_phone(world, sweep_server, role_pages, db, chunk):
    problems, titles = [], {}

    for role in sorted(CHUNKS[chunk]):
        page = role_pages(role)
        for name, path in world.urls.get(role, []):
            problems += _check(page, sweep_server.url, name, path)
            # A page that redirected elsewhere is that other page; the clinic and the
            # portal are two sites, each with titles of its own.
            site = name.split(":")[0]
            titles.setdefault((site, page.title()), set()).add(page.url.split("?")[0])

    assert problems == [], "\n".join(problems)
    assert {title: sorted(urls) for title, urls in titles.items() if len(urls) > 1} == {}


# ---- The keyboard alone ---------------------------------------------------------------

FOCUSED = """() => {
    const el = document.activeElement;
    const ring = node => {
        const style = getComputedStyle(node);
        return (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0)
            || style.boxShadow !== 'none';
    };
    const instrument = el.closest('fieldset.instrument');
    return {
        tag: el.tagName.toLowerCase(),
        type: el.type || '',
        name: el.name || '',
        text: (el.innerText || '').trim(),
        checked: !!el.checked,
        group: instrument ? instrument.querySelector('legend').innerText : '',
        // A radio button's ring is drawn around its label (.option:focus-within).
        ring: ring(el) || (el.type === 'radio' && ring(el.parentElement)),
    };
}"""


def _tab_to(page, wanted, what: str, limit: int = 200) -> dict:
    """Press Tab until the focused control is the one wanted; it must show its focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if wanted(focused):
            assert focused["ring"], f"{what} has focus but shows no outline: {focused}"
            return focused
    raise AssertionError(f"Tab never reached {what}")


def _press_enter_and_wait(page) -> None:
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_a_therapist_records_a_session_with_the_keyboard_alone(world, sweep_server, role_pages, db):
    from patternwork.measures.models import Response
    from patternwork.treatment.models import SessionNote

    appointment = world.course.appointments.filter(status="booked").order_by("starts_at").first()
    # The session has just ended: attendance can be recorded once it has started.
    with time_machine.travel(appointment.starts_at + dt.timedelta(minutes=55), tick=True):
        _record_with_the_keyboard(
            role_pages("therapist", fresh=True), sweep_server.url, appointment
        )

    appointment.refresh_from_db()
    assert appointment.status == "attended"
    answered = dict(
        Response.objects.filter(appointment=appointment).values_list("instrument", "total")
    )
    assert answered["PHQ-9"] == 0
    assert answered["GAD-7"] == 7
    note = SessionNote.objects.get(appointment=appointment)
    assert "linked it to the pattern" in note.body + note.prompts


def _record_with_the_keyboard(page, base, appointment):
    page.goto(f"{base}{reverse('clinic:appointment-detail', args=[appointment.public_id])}")

    # Attendance.
    _tab_to(page, lambda f: f["tag"] == "button" and f["text"] == "Attended", "Attended")
    _press_enter_and_wait(page)
    # The questionnaires, on their own page: into each group of answers with Tab, an
    # answer with Space (the first) or an arrow key (the next one along).
    _tab_to(page, lambda f: f["tag"] == "a" and f["text"] == "Record questionnaires", "the link")
    _press_enter_and_wait(page)
    items = page.locator("fieldset.item").count()
    focused = _tab_to(page, lambda f: f["type"] == "radio", "the first answer")
    for n in range(items):
        page.keyboard.press("Space" if "PHQ-9" in focused["group"] else "ArrowRight")
        assert page.evaluate(FOCUSED)["checked"], f"answer {n + 1} is not chosen"
        if n + 1 < items:
            page.keyboard.press("Tab")
            focused = page.evaluate(FOCUSED)
            assert focused["type"] == "radio", focused
            assert focused["ring"], focused
    _tab_to(page, lambda f: f["text"] == "Save questionnaires", "Save questionnaires")
    _press_enter_and_wait(page)
    # Back on the session's page: the note, typed into its first field.
    _tab_to(page, lambda f: f["tag"] == "textarea", "the note")
    page.keyboard.type("Spoke about the falling-out; linked it to the pattern.")
    _tab_to(page, lambda f: f["tag"] == "button" and f["text"] == "Save note", "Save note")
    _press_enter_and_wait(page)
