"""Fictional relationship maps, episodes and IPAFs for the demo clients.

Every person and story is invented. Each client's episodes show one clear recurring
pattern, going back to childhood, so the pattern page and the IPAF have something
real to work with; clients past the initial phase have an agreed IPAF.
"""

from __future__ import annotations

from dataclasses import dataclass

from patternwork.accounts.models import Membership
from patternwork.formulation import services
from patternwork.formulation.models import Category
from patternwork.treatment import plan, scheduling
from patternwork.treatment.models import Course


@dataclass(frozen=True)
class DemoPerson:
    label: str
    relationship: str
    era: str
    closeness: int
    conflict: int
    contact: str = "in_contact"


@dataclass(frozen=True)
class Theme:
    wish: str
    ro: str
    rs: str
    self_representation: str
    other_representation: str
    linking_affects: str
    defensive_function: str
    transference: str


PEOPLE = (
    DemoPerson("Mum", "mother", "childhood", 4, 3),
    DemoPerson("Dad", "father", "childhood", 2, 4, "no_contact"),
    DemoPerson("Older sibling", "sibling", "adolescence", 3, 3),
    DemoPerson("Partner", "partner", "current", 5, 2),
    DemoPerson("Manager", "manager", "current", 2, 4),
    DemoPerson("Close friend", "friend", "current", 4, 1),
)

THEMES = {
    "Amelia Hart": Theme(
        "w_close",
        "ro_rejecting",
        "rs_low",
        "Someone who has to earn a place with people",
        "People who drift off once they have what they need",
        "Anxious longing, then flat sadness",
        "Not asking, so as not to be turned down",
        "May expect the therapist to tire of her",
    ),
    "Daniel Osei": Theme(
        "w_understood",
        "ro_rejecting",
        "rs_oppose",
        "Someone whose effort goes unnoticed",
        "People in charge who find fault",
        "Hurt that turns quickly into anger",
        "Striking first rather than feeling small",
        "May hear the therapist's questions as criticism",
    ),
    "Rosa Lindqvist": Theme(
        "w_understood",
        "ro_rejecting",
        "rs_helping",
        "The dependable one whose own needs do not count",
        "Others who take her care for granted",
        "Resentment kept quiet, and guilt about it",
        "Staying needed so as not to be left out",
        "May look after the therapist rather than use the sessions",
    ),
    "Kieran Walsh": Theme(
        "w_close",
        "ro_rejecting",
        "rs_shut_off",
        "An outsider who does not quite belong",
        "Groups that close ranks",
        "Shame and loneliness",
        "Withdrawing first so rejection cannot land",
        "May miss sessions when he feels misunderstood",
    ),
    "Priyanka Shah": Theme(
        "w_achieve",
        "ro_rejecting",
        "rs_anxious",
        "Someone only acceptable when doing well",
        "People who notice only the mistakes",
        "Anxiety and shame",
        "Perfectionism keeps criticism away",
        "May try to be a good client and hide setbacks",
    ),
}

# (person index or None for the therapist, when, account): the same shape of story with
# different people, from childhood to now and into the sessions.
STORIES = (
    (
        0,
        "childhood",
        "At eight, brought a drawing home from school; {other} was busy and did not look.",
    ),
    (
        1,
        "childhood",
        "Waited at the window for a visit; {other} rang late to say he could not come.",
    ),
    (
        2,
        "past",
        "Asked to join in with friends as a teenager; {other} laughed and went out without them.",
    ),
    (3, "current", "Suggested a weekend together; {other} said they were too tired, again."),
    (4, "current", "Raised a worry in a one-to-one; {other} moved on to the next item."),
    (5, "current", "Sent a long message after a hard day; {other} replied with a thumbs-up."),
    (3, "current", "Waited up to talk; {other} went straight to bed."),
    (4, "current", "Volunteered for extra work; {other} gave the credit to someone else."),
    (
        None,
        "in_session",
        "Noticed the therapist glance at the clock and wondered if they were boring.",
    ),
    (
        0,
        "current",
        "Phoned {other} with news; the conversation turned to a neighbour within a minute.",
    ),
    (
        None,
        "in_session",
        "Said the break over the holiday felt like being dropped; talked about it openly.",
    ),
    (5, "current", "Asked {other} for help moving; they came, and it felt different."),
)

EPISODES_BY_CLIENT = {
    "Amelia Hart": 7,
    "Daniel Osei": 9,
    "Rosa Lindqvist": 10,
    "Kieran Walsh": 12,
    "Priyanka Shah": 12,
}


def seed_formulation(course: Course, therapist: Membership) -> None:
    """Map, episodes and (past the initial phase) an agreed IPAF for one demo course."""
    client = course.client
    theme = THEMES.get(client.full_name)
    if theme is None or client.relationship_people.exists():
        return
    services.ensure_default_categories(client.practice, by=therapist)
    categories = {c.default_key: c for c in Category.objects.filter(practice=client.practice)}
    people = [
        services.add_person(
            client=client,
            data={
                "label": p.label,
                "relationship": p.relationship,
                "era": p.era,
                "closeness": p.closeness,
                "conflict": p.conflict,
                "contact": p.contact,
            },
            by=therapist,
        )
        for p in PEOPLE
    ]
    attended = list(course.appointments.attended_treatment().order_by("starts_at"))
    count = EPISODES_BY_CLIENT[client.full_name]
    episodes = []
    for index, (who, when, account) in enumerate(STORIES[:count]):
        person = people[who] if who is not None else None
        # Spread the episodes over the sessions so the phases show the pattern's course.
        appointment = attended[min(len(attended) - 1, index * len(attended) // count)]
        # The last stories show the pattern loosening: a positive response.
        hopeful = index == len(STORIES) - 1
        codes = {
            "wish": [categories[theme.wish]],
            "ro": [categories["ro_helpful" if hopeful else theme.ro]],
            "rs": [categories["rs_accepted" if hopeful else theme.rs]],
        }
        episodes.append(
            services.log_episode(
                course=course,
                data={
                    "when": when,
                    "account": account.format(other=person.label.lower() if person else ""),
                    "ro_valence": "positive" if hopeful else "negative",
                    "rs_valence": "positive" if hopeful else "negative",
                    "showed_in_session": True if when == "in_session" else None,
                },
                person=person,
                with_therapist=person is None,
                categories=codes,
                appointment=appointment,
                by=therapist,
            )
        )
    bounds = plan.phase_bounds(course.planned_sessions)
    if len(attended) >= bounds.initial.last:
        version = services.save_ipaf(
            course=course,
            data={
                "self_representation": theme.self_representation,
                "other_representation": theme.other_representation,
                "linking_affects": theme.linking_affects,
                "defensive_function": theme.defensive_function,
                "transference": theme.transference,
            },
            episodes=episodes[:4],
            by=therapist,
        )
        agreed_at = attended[bounds.initial.last - 1].starts_at
        services.mark_ipaf_agreed(
            version=version,
            agreed_on=scheduling.local_date(course.practice, agreed_at),
            by=therapist,
        )
