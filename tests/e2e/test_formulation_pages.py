"""The formulation area in headless Chromium: the pattern page at a glance, no page wider
than the screen, and the client agreeing to the IPAF on the portal."""

import pytest
from django.urls import reverse
from django.utils import timezone

from patternwork.accounts.models import Membership
from patternwork.accounts.practice_setup import practice_created
from patternwork.formulation import ipaf_sharing
from patternwork.formulation.models import Category, EpisodeCategory
from tests import routes
from tests.factories import (
    ClientFactory,
    CourseFactory,
    EpisodeFactory,
    IpafVersionFactory,
    JournalEntryFactory,
    MembershipFactory,
    PersonFactory,
    PortalClientFactory,
    PracticeFactory,
)
from tests.routes import formulation, journal, patterns, relationship_map

pytestmark = pytest.mark.e2e

WIDE = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
AREA = (formulation, patterns, relationship_map, journal)
PEOPLE = (
    ("Mum", "mother", "childhood", 4, 3),
    ("Dad", "father", "childhood", 2, 4),
    ("Older sibling", "sibling", "adolescence", 3, 3),
    ("Partner", "partner", "current", 5, 2),
    ("Line manager at the warehouse", "manager", "current", 2, 5),
    ("Close friend from school", "friend", "adult_past", 4, 1),
)
# (wish, ro, rs) default keys: one pattern most of the time, and some variety.
CODES = (
    ("w_close", "ro_rejecting", "rs_low"),
    ("w_close", "ro_rejecting", "rs_shut_off"),
    ("w_understood", "ro_rejecting", "rs_low"),
    ("w_close", "ro_controlling", "rs_anxious"),
    ("w_achieve", "ro_helpful", "rs_accepted"),
)


def overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def _world():
    """A practice whose admin reads clinical records, and a client mid-course with a full
    map, 20 coded episodes, two IPAF versions and a shared journal entry."""
    practice = PracticeFactory(admins_read_clinical=True)
    practice_created(practice)
    therapist = MembershipFactory(practice=practice, role=Membership.Role.THERAPIST)
    admin = MembershipFactory(practice=practice, role=Membership.Role.ADMIN)
    client = ClientFactory(practice=practice, therapist=therapist, full_name="Amelia Hart")
    course = CourseFactory(client=client, therapist=therapist, state="active")
    people = [
        PersonFactory(
            client=client,
            label=label,
            relationship=relationship,
            era=era,
            closeness=closeness,
            conflict=conflict,
            notes="Brought up in nearly every session; the notes run long on purpose. " * 3,
        )
        for label, relationship, era, closeness, conflict in PEOPLE
    ]
    categories = {c.default_key: c for c in Category.objects.filter(practice=practice)}
    episodes = []
    for n in range(20):
        episode = EpisodeFactory(
            course=course,
            person=people[n % len(people)],
            when=("childhood", "past", "current", "current")[n % 4],
            phase=("initial", "middle", "ending")[min(2, n // 7)],
            account=f"Fictional episode {n + 1}: asked for time together and was put off.",
            ro_valence="negative",
            rs_valence="negative",
        )
        for key in CODES[n % len(CODES)]:
            category = categories[key]
            EpisodeCategory.objects.create(episode=episode, category=category, part=category.part)
        episodes.append(episode)
    first = IpafVersionFactory(course=course, number=1)
    IpafVersionFactory(course=course, number=2, linking_affects="Sadness, then shame")
    entry = JournalEntryFactory(course=course, shared_at=timezone.now())
    objects = {
        "client": client,
        "course": course,
        "episode": episodes[0],
        "person": people[0],
        "ipaf_version": first,
        "journal_entry": entry,
        "category": categories["ro_rejecting"],
    }
    return admin, therapist, objects


def _area_urls(objects):
    for module in AREA:
        for name in sorted(module.ROUTES):
            if not name.startswith("clinic:") or name in routes.POST_ONLY:
                continue
            kind = routes.OBJECT_ROUTES.get(name)
            url = reverse(name, args=[objects[kind].public_id]) if kind else reverse(name)
            if name == "clinic:pattern-evidence":
                url += "?key=all"
            yield name, url


def test_pattern_page_for_20_episodes_fits_about_two_screens(e2e_server, signed_in):
    _admin, therapist, objects = _world()
    page = signed_in(therapist.user, viewport=WIDE)
    pattern = f"{e2e_server.url}{reverse('clinic:pattern', args=[objects['client'].public_id])}"

    page.goto(pattern)

    assert page.get_by_role("heading", name="Candidate core theme").is_visible()
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= 2 * WIDE["height"], f"the page is {height} px tall"
    assert overflow(page) <= 0
    # Evidence opens in place: the page stays, and the episodes appear under it.
    page.locator("#theme-ro a.evidence-link").first.click()
    page.locator("#evidence .pattern-episode").first.wait_for()
    assert page.url == pattern
    assert page.locator("#evidence .pattern-episode").count() >= 10


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["390px", "1280px"])
def test_no_page_in_the_formulation_area_overflows_horizontally(e2e_server, signed_in, viewport):
    admin, _therapist, objects = _world()
    page = signed_in(admin.user, viewport=viewport)
    wide = {}

    for name, url in _area_urls(objects):
        response = page.goto(e2e_server.url + url)
        assert response.status == 200, name
        if overflow(page) > 0:
            wide[name] = overflow(page)

    assert wide == {}


def test_client_agrees_to_the_ipaf_on_the_portal_and_the_therapist_sees_it(e2e_server, signed_in):
    practice = PracticeFactory()
    therapist = MembershipFactory(practice=practice, role=Membership.Role.THERAPIST)
    jo = PortalClientFactory(practice=practice, therapist=therapist, full_name="Jo Bloggs")
    course = CourseFactory(client=jo, therapist=therapist, state="active")
    version = IpafVersionFactory(
        course=course,
        number=1,
        self_representation="Someone who has to earn a place with people",
        other_representation="People who drift off once they have what they need",
        linking_affects="Anxious longing, then flat sadness",
    )
    ipaf_sharing.share_ipaf(version=version, by=therapist)
    portal = signed_in(jo.user, staff=False, viewport=PHONE)
    from playwright.sync_api import expect

    portal.goto(f"{e2e_server.url}{reverse('portal:ipaf-list')}")
    portal.get_by_role("link", name="Version 1").click()
    # is_visible() answers at once, so right after a click it could still see the list;
    # expect() waits for the version's page.
    expect(portal.get_by_role("heading", name="How I see myself")).to_be_visible()
    expect(portal.get_by_text("People who drift off once they have what they need")).to_be_visible()
    assert overflow(portal) <= 0
    portal.get_by_role("button", name="I agree with this").click()
    expect(portal.get_by_text("Your therapist will see that you agreed")).to_be_visible()

    staff = signed_in(therapist.user, viewport=WIDE)
    staff.goto(f"{e2e_server.url}{reverse('clinic:ipaf', args=[course.public_id])}")
    assert staff.get_by_text("The client agreed to version 1 on the portal").is_visible()
