"""An anonymous visitor follows every same-site link from `/` over the seeded demo.

Every page answers without a server error, carries the strict CSP, and shows nothing a
stranger must not see: no client's name, number or email, no staff email, no referral's
name, and no caseload figure (how many clients or courses a therapist or the practice
has). The values are read from the database first, so the check follows the data.
"""

import re
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

from django.db.models import Count, Q

from patternwork.accounts.models import Membership, Practice, User
from patternwork.clients.models import Client, Referral
from patternwork.demo.seed import DEMO_SLUG
from patternwork.treatment.models import Course

MAX_PAGES = 200


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.found.append(href)


def same_site_links(base: str, html: str) -> set[str]:
    parser = Links()
    parser.feed(html)
    links = set()
    for href in parser.found:
        url, _ = urldefrag(urljoin(base, href))
        parts = urlsplit(url)
        if parts.scheme in ("", "http", "https") and parts.netloc in ("", "testserver"):
            links.add(parts.path + (f"?{parts.query}" if parts.query else ""))
    return links


def secrets() -> list[str]:
    """Everything about clients and staff that must never reach an anonymous page."""
    values = set()
    for client in Client.objects.all():
        values |= {client.full_name, client.preferred_name, client.client_number, client.email}
    for referral in Referral.objects.all():
        values |= {referral.full_name, referral.preferred_name, referral.email}
    values |= set(User.objects.filter(memberships__isnull=False).values_list("email", flat=True))
    return sorted(value for value in values if value)


def caseload_figures() -> re.Pattern:
    """Counts of clients and courses, per clinician and for the practice, as a page would
    write them ("3 clients", "2 open courses")."""
    counts = set(
        Membership.objects.annotate(
            all_courses=Count("courses"),
            open_courses=Count("courses", filter=~Q(courses__state=Course.State.ENDED)),
        ).values_list("all_courses", "open_courses")
    )
    numbers = {n for pair in counts for n in pair} | {
        Client.objects.count(),
        Course.objects.count(),
        Course.objects.exclude(state=Course.State.ENDED).count(),
    }
    alternatives = "|".join(str(n) for n in sorted(numbers))
    return re.compile(
        rf"\b(?:{alternatives})\s+(?:open\s+|active\s+)?(?:clients?|courses?|referrals?)\b",
        re.IGNORECASE,
    )


def crawl(client) -> dict[str, object]:
    seen: dict[str, object] = {}
    queue = ["/"]
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        if url in seen:
            continue
        response = client.get(url)
        seen[url] = response
        if response.status_code in (301, 302) and "Location" in response:
            queue.append(urlsplit(urljoin(url, response["Location"])).path)
        elif "text/html" in response.get("Content-Type", ""):
            queue.extend(sorted(same_site_links(url, response.content.decode())))
    return seen


def leaks(pages) -> list[tuple[str, str]]:
    """(url, what leaked) for every page that shows a secret or a caseload figure."""
    must_not_show, figures = secrets(), caseload_figures()
    found = []
    for url, response in pages.items():
        text = response.content.decode()
        found += [
            (url, value) for value in must_not_show if re.search(rf"\b{re.escape(value)}\b", text)
        ]
        found += [(url, match.group(0)) for match in figures.finditer(text)]
    return found


def test_anonymous_crawl_of_every_public_page_leaks_nothing(client, demo):
    assert len(secrets()) > 10  # the demo has clients and staff that could leak

    pages = crawl(client)

    assert {"/", f"/p/{DEMO_SLUG}/", f"/refer/{DEMO_SLUG}/", "/login/", "/portal/login/"} <= set(
        pages
    )
    assert len(pages) < MAX_PAGES
    for url, response in pages.items():
        assert response.status_code < 500, url
        assert "Content-Security-Policy" in response.headers, url
        assert "unsafe-inline" not in response["Content-Security-Policy"], url
    assert leaks(pages) == []


def test_the_crawl_would_catch_a_client_name_or_a_count_on_a_public_page(client, demo):
    name = Client.objects.order_by("pk").first().full_name
    count = f"{Client.objects.count()} clients"
    Practice.objects.filter(slug=DEMO_SLUG).update(
        public_description=f"Ask {name} about us. We have {count} at the moment."
    )

    found = leaks(crawl(client))

    assert ("/", name) in found
    assert (f"/p/{DEMO_SLUG}/", name) in found
    assert (f"/p/{DEMO_SLUG}/", count) in found


def test_the_demo_practice_page_shows_its_listed_therapists(client, demo):
    html = client.get(f"/p/{DEMO_SLUG}/").content.decode()

    assert "Dr Rowan Hale" in html
    assert "Sam Okafor" in html
    assert "Dr Morgan Ellis" not in html  # the supervisor has not chosen to be listed
    assert "Priya Natarajan" not in html  # the admin has no profile
