"""Reads of the relationship map, episodes, patterns and the IPAF.

All of it is clinical content: the clinical scope applies (treating therapist, their
supervisor; admins only where the practice allows it). Every list is built in a fixed
number of queries whatever the number of episodes.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import (
    CharField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    prefetch_related_objects,
)
from django.utils.text import capfirst

from patternwork.clients.models import Client
from patternwork.core.prepared import PreparedRead, PreparedShapes, prefetched
from patternwork.formulation import patterns
from patternwork.formulation.categories import default_set
from patternwork.formulation.ipaf import (
    IPAF_FIELDS,
    EvidenceChange,
    PartChange,
    compare_evidence,
    compare_parts,
)
from patternwork.formulation.models import (
    Category,
    CategorySetChange,
    Episode,
    EpisodeCategory,
    IpafReply,
    IpafVersion,
    Person,
)
from patternwork.treatment.models import Course


def person_rows() -> QuerySet[Person]:
    return Person.objects.select_related("client")


def ipaf_rows() -> QuerySet[IpafVersion]:
    return IpafVersion.objects.select_related("course__client", "author__user")


def episodes_query() -> QuerySet[Episode]:
    return Episode.objects.select_related(
        "person", "appointment", "course", "client"
    ).prefetch_related(
        Prefetch("codes", queryset=EpisodeCategory.objects.select_related("category"))
    )


def _people(client, *, archived: bool) -> QuerySet[Person]:
    people = Person.objects.filter(client_id=client)
    if not archived:
        people = people.filter(archived_at__isnull=True)
    return people.order_by("era", "-closeness", "label")


# Compiled once: the map and the episode forms read a client's people on every view.
_PEOPLE = {
    archived: PreparedRead(
        lambda client, archived=archived: _people(client, archived=archived), int
    )
    for archived in (False, True)
}


def people_of(client: Client, *, archived: bool = False) -> list[Person]:
    return _PEOPLE[bool(archived)].rows(client.pk)


def episodes_of(client: Client) -> list[Episode]:
    return list(episodes_query().filter(client=client).order_by("created_at", "id"))


# The IPAF form offers this many of the course's most recent episodes as evidence (and
# any the latest version cites): a list a person can read, whatever the course's length.
IPAF_EPISODE_CHOICES = 60


def _episode_choices(course, inner_course, *keep_ids, limit: int, keep=()) -> QuerySet[Episode]:
    recent = (
        Episode.objects.filter(course_id=inner_course)
        .order_by("-created_at", "-id")
        .values("pk")[:limit]
    )
    wanted = Q(pk__in=recent)
    if keep_ids:
        wanted |= Q(pk__in=list(keep_ids))
    if keep:
        wanted |= Q(public_id__in=list(keep))
    return (
        Episode.objects.filter(course_id=course)
        .filter(wanted)
        .only("id", "public_id", "course_id", "created_at", "account")
        .order_by("created_at", "id")
    )


# The choices' read compiled once per number of kept episodes (and limit, and whether
# read as values); a version citing more episodes than the form offers is read by the
# ORM as it stands.
def _episode_choice_read(shape: tuple) -> PreparedRead:
    kind, kept, limit = shape
    if kind == "values":
        return PreparedRead(
            lambda *args: _episode_choices(*args, limit=limit).values_list(
                "id", _as_stored("public_id"), "created_at", "account"
            ),
            int,
            int,
            *[int] * kept,
        )
    return PreparedRead(lambda *args: _episode_choices(*args, limit=limit), int, int, *[int] * kept)


_EPISODE_CHOICES = PreparedShapes(_episode_choice_read)


@dataclass(frozen=True, slots=True)
class EpisodeChoice:
    """What the IPAF form shows of an episode it offers, read as values, not a model."""

    pk: int
    # As str(UUID) writes it (the form's key): read as stored, not made a UUID per row.
    public_id: str
    created_at: object
    account: str


def ipaf_episode_choice_rows(course: Course, *, keep_ids=()) -> list[EpisodeChoice]:
    """The episodes `ipaf_episode_choices` offers, in its order, as values: what the
    form shows of them (up to sixty accounts) without a model per episode."""
    keep_ids = list(dict.fromkeys(keep_ids))
    if len(keep_ids) > IPAF_EPISODE_CHOICES:
        return [
            EpisodeChoice(e.pk, str(e.public_id), e.created_at, e.account)
            for e in ipaf_episode_choices(course, keep_ids=keep_ids)
        ]
    read = _EPISODE_CHOICES["values", len(keep_ids), IPAF_EPISODE_CHOICES]
    return [
        EpisodeChoice(pk, uuid_text(public_id), created_at, account)
        for pk, public_id, created_at, account in read(course.pk, course.pk, *keep_ids)
    ]


def ipaf_episode_choices(
    course: Course, *, keep=(), keep_ids=(), limit: int = IPAF_EPISODE_CHOICES
) -> list[Episode]:
    """The course's episodes the IPAF form offers, oldest first, in one query: the
    `limit` most recent and those whose public ids are in `keep` or whose ids are in
    `keep_ids`, with only the fields a choice shows. Kept by id, the read is compiled
    once per number kept."""
    keep_ids = list(dict.fromkeys(keep_ids))
    if keep or len(keep_ids) > IPAF_EPISODE_CHOICES:
        return list(_episode_choices(course.pk, course.pk, *keep_ids, limit=limit, keep=keep))
    read = _EPISODE_CHOICES["rows", len(keep_ids), limit]
    return read.rows(course.pk, course.pk, *keep_ids)


def categories_of(practice, *, include_retired: bool = False) -> list[Category]:
    categories = Category.objects.filter(practice=practice)
    if not include_retired:
        categories = categories.filter(retired_at__isnull=True)
    return list(categories.order_by("part", "position", "label"))


def category_set_upgrades(practice) -> list[CategorySetChange]:
    """The upgrades of the practice's default set that changed codes or wording, newest
    first; the row a practice gets with its first set reports nothing to act on."""
    return list(
        CategorySetChange.objects.filter(
            practice=practice, report__has_key="from_version"
        ).order_by("-version")
    )


def ipaf_versions(course: Course, *, evidence_in_full: bool = True) -> list[IpafVersion]:
    """The course's versions, newest first, each with its supporting episodes and their
    people, and the client's replies.

    Without `evidence_in_full` a supporting episode is read only as far as a link to it
    shows it (its public id and when it was logged): no person, nothing decrypted.
    """
    versions = _ipaf_versions.rows(course.pk)
    if versions and not evidence_in_full:
        # The page's reads: the prefetches' rows, by statements compiled once.
        _given(versions, "supporting_episodes", _ipaf_evidence.rows(course.pk), None)
        _given(versions, "replies", _ipaf_replies.rows(course.pk), "version")
    elif versions:
        evidence = Episode.objects.select_related("person")
        prefetch_related_objects(
            versions,
            Prefetch("supporting_episodes", queryset=evidence),
            Prefetch("replies", queryset=IpafReply.objects.order_by("created_at", "id")),
        )
    return versions


def _given(versions: list[IpafVersion], name: str, rows: list, back: str | None) -> None:
    """Give each version its rows (each carrying its version's id) as a prefetch would."""
    by_version: dict[int, list] = {version.pk: [] for version in versions}
    for row in rows:
        by_version[row._version].append(row)
    for version in versions:
        prefetched(version, name, by_version[version.pk], back=back)


# The supporting episodes of the course's versions as far as a link shows them, in the
# prefetch's order (Episode's: created_at, id), each with its version's id.
_ipaf_evidence = PreparedRead(
    lambda course: (
        Episode.objects.filter(ipaf_versions__course_id=course)
        .annotate(_version=F("ipaf_versions__id"))
        .only("id", "public_id", "created_at")
        .order_by("created_at", "id")
    ),
    int,
)
# The replies of the course's versions, oldest first, each with its version's id.
_ipaf_replies = PreparedRead(
    lambda course: (
        IpafReply.objects.filter(version__course_id=course)
        .annotate(_version=F("version_id"))
        .order_by("created_at", "id")
    ),
    int,
)

_ipaf_versions = PreparedRead(
    lambda course: (
        IpafVersion.objects.filter(course_id=course)
        .select_related("author__user", "agreed_recorded_by__user", "shared_by__user")
        .order_by("-number")
    ),
    int,
)


def shared_ipaf_rows() -> QuerySet[IpafVersion]:
    """Versions the therapist shared with the client: the only ones a client may open."""
    return IpafVersion.objects.filter(shared_at__isnull=False).select_related(
        "practice", "course__client", "course__therapist__user"
    )


def shared_ipafs_for(client: Client) -> list[IpafVersion]:
    """The client's shared versions, newest first, with their replies."""
    return list(
        shared_ipaf_rows()
        .filter(course__client=client)
        .prefetch_related(
            Prefetch("replies", queryset=IpafReply.objects.order_by("created_at", "id"))
        )
        .order_by("-course__created_at", "-number")
    )


def latest_shared_number(version: IpafVersion) -> int:
    """The number of the newest version of this course shared with the client."""
    return (
        IpafVersion.objects.filter(course_id=version.course_id, shared_at__isnull=False)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
        or version.number
    )


@dataclass
class IpafComparison:
    earlier: IpafVersion
    later: IpafVersion
    parts: tuple[PartChange, ...]
    evidence: EvidenceChange[Episode]


def ipaf_comparison(one: IpafVersion, other: IpafVersion) -> IpafComparison:
    """What changed from the earlier of two versions to the later: text and evidence.

    Reads the supporting episodes already prefetched by `ipaf_versions`, so comparing
    costs no query of its own.
    """
    earlier, later = sorted((one, other), key=lambda version: version.number)
    labels = {f: capfirst(IpafVersion._meta.get_field(f).verbose_name) for f in IPAF_FIELDS}
    return IpafComparison(
        earlier=earlier,
        later=later,
        parts=compare_parts(
            labels,
            {f: getattr(earlier, f) for f in IPAF_FIELDS},
            {f: getattr(later, f) for f in IPAF_FIELDS},
        ),
        evidence=compare_evidence(
            earlier.supporting_episodes.all(),
            later.supporting_episodes.all(),
            key=lambda episode: episode.pk,
        ),
    )


_AGREED_IPAF = PreparedRead(
    lambda course_id: (
        IpafVersion.objects.filter(course_id=course_id, agreed_on__isnull=False)
        .select_related("author__user")
        .order_by("-number")[:1]
    ),
    int,
)


def agreed_ipaf(course: Course) -> IpafVersion | None:
    """The latest version agreed with the client, if any (compiled once)."""
    found = _AGREED_IPAF.rows(course.pk)
    if not found:
        return None
    (version,) = found
    # As the course's related manager would: the version knows its course.
    version.course = course
    return version


THERAPIST_KEY = "therapist"


def to_pattern_episode(episode: Episode) -> patterns.Episode:
    parts = {part: frozenset() for part in ("wish", "ro", "rs")}
    for code in episode.codes.all():
        parts[code.part] = parts[code.part] | {str(code.category.public_id)}
    if episode.with_therapist:
        key, label, era = THERAPIST_KEY, "the therapist", None
    else:
        key, label, era = str(episode.person.public_id), episode.person.label, episode.person.era
    return patterns.Episode(
        id=str(episode.public_id),
        person_key=key,
        person_label=label,
        when=episode.when,
        person_era=era,
        phase=episode.phase or None,
        wish=parts["wish"],
        ro=parts["ro"],
        rs=parts["rs"],
        wish_valence=episode.wish_valence or None,
        ro_valence=episode.ro_valence or None,
        rs_valence=episode.rs_valence or None,
    )


def affect_words(categories) -> dict[str, tuple[str, ...]]:
    """The affect words of each default response-of-self category still worded as the
    default set words it, by public id. A practice's own or reworded category has none:
    its wording, not the default's, says what it means."""
    defaults = default_set().by_key()
    words = {}
    for category in categories:
        default = defaults.get(category.default_key)
        if default is not None and default.affect and default.label == category.label:
            words[str(category.public_id)] = default.affect
    return words


@dataclass
class PatternView:
    # The episodes as models (with their people and codes), in the order listed; empty
    # in a counted view (`pattern_view(client, models=False)`).
    episodes: list[Episode]
    report: patterns.PatternReport | patterns.PatternCounts
    labels: dict[str, str]
    # None in a counted view (`pattern_view(client, models=False)`).
    suggestions: patterns.IpafSuggestions | None
    by_id: dict[str, Episode]
    categories: list[PatternCategory]
    # Every episode's public id, in the order listed (created, then id).
    order: list[str]
    # A counted view's figures name no episodes: this view, read with them, does.
    traced: Callable[[], PatternView] | None = None


class PatternCategory(NamedTuple):
    """What the pattern's figures, the IPAF's suggestions and a code's public name read of
    a category, as plain values (its description is never shown there): a practice has
    dozens of categories, and a model instance each cost more than the figures read from
    them."""

    pk: int
    # As str(UUID) writes it: read as the database stores it and written by `uuid_text`,
    # so no UUID is made per row.
    public_id: str
    part: str
    label: str
    retired_at: datetime.datetime | None
    default_key: str


# The practice's categories (retired ones included) in their order.
_pattern_categories = PreparedRead(
    lambda practice: (
        Category.objects.filter(practice_id=practice)
        .order_by("part", "position", "label")
        .values_list(
            "id",
            ExpressionWrapper(F("public_id"), output_field=CharField()),
            "part",
            "label",
            "retired_at",
            "default_key",
        )
    ),
    int,
)


def category_values(practice_id: int) -> list[PatternCategory]:
    """The practice's categories (retired ones included) as values, in their order."""
    return [
        PatternCategory(pk, uuid_text(public_id), part, label, retired_at, default_key)
        for pk, public_id, part, label, retired_at, default_key in _pattern_categories(practice_id)
    ]


def pattern_view(client: Client, *, models: bool = True) -> PatternView:
    """The client's pattern statistics, with labels and the episodes behind every figure.

    With `models` false the figures are only counted (`pattern_counts`): no episode is
    made, read as a model or decrypted, and no IPAF suggestion is made, for a page that
    shows the figures, links each by its key and lists none of the episodes behind them.
    """
    categories = category_values(client.practice_id)
    labels = {str(c.public_id): c.label for c in categories}
    if not models:
        return PatternView(
            episodes=[],
            report=pattern_counts(client, categories),
            labels=labels,
            suggestions=None,
            by_id={},
            categories=categories,
            order=[],
            traced=lambda: pattern_view(client),
        )
    episodes = episodes_of(client)
    plain = [to_pattern_episode(e) for e in episodes]
    report = patterns.compute_patterns(plain)
    return PatternView(
        episodes=episodes,
        report=report,
        labels=labels,
        suggestions=patterns.suggest_ipaf(report.core_theme, labels, affect_words(categories)),
        by_id={str(e.public_id): e for e in episodes},
        categories=categories,
        order=[e.id for e in plain],
    )


@dataclass
class IpafPattern:
    """What the IPAF page shows of the pattern: the suggestions, or why there are none."""

    too_few_episodes: bool
    message: str | None
    suggestions: patterns.IpafSuggestions


# The reads of `ipaf_pattern`, compiled once.
_codes_in_order = PreparedRead(
    lambda client: (
        EpisodeCategory.objects.filter(episode__client_id=client)
        .order_by("episode__created_at", "episode_id")
        .values_list("episode_id", "part", "category_id")
    ),
    int,
)
# The number of the client's episodes: no row when there are none.
_episode_count = PreparedRead(
    lambda client: (
        Episode.objects.filter(client_id=client)
        .order_by()
        .values("client_id")
        .annotate(number=Count("id"))
        .values_list("number")
    ),
    int,
)


def ipaf_pattern(client: Client) -> IpafPattern:
    """The IPAF suggestions from the client's candidate core theme, as `pattern_view` makes
    them, in three queries: the theme needs only the episodes' codes and their number, so
    no episode is read (nor decrypted) one by one."""
    categories = category_values(client.practice_id)
    named = {c.pk: c.public_id for c in categories}
    codes = _codes_in_order(client.pk)
    total = next(iter(_episode_count(client.pk)), (0,))[0]
    # Made by a comprehension that calls nothing per code: a grown client has hundreds.
    theme = patterns.core_theme_of_codes(
        total,
        [
            (episode, part, named[category] if category in named else str(category))
            for episode, part, category in codes
        ],
    )
    too_few = total < patterns.MIN_EPISODES_FOR_PATTERN
    return IpafPattern(
        too_few_episodes=too_few,
        message=patterns.TOO_FEW_EPISODES if too_few else None,
        suggestions=patterns.suggest_ipaf(
            theme, {named[c.pk]: c.label for c in categories}, affect_words(categories)
        ),
    )


@dataclass
class TrendRow:
    part: str
    label: str
    shares: list  # (phase, Share | None) for initial, middle, ending


@dataclass
class SessionFormulation:
    agreed: IpafVersion | None
    episodes: list[SessionEpisode]
    trend: list[TrendRow]
    total_episodes: int
    too_few: bool


PART_LABELS = {"wish": "Wanted", "ro": "Other responded", "rs": "Client responded"}


# The reads of `pattern_episodes`, compiled once: a client's codes (named by category id,
# or by the category's public id), and their episodes in the order listed.
_codes = PreparedRead(
    lambda client: EpisodeCategory.objects.filter(episode__client_id=client).values_list(
        "episode_id", "part", "category_id"
    ),
    int,
)
_named_codes = PreparedRead(
    lambda client: EpisodeCategory.objects.filter(episode__client_id=client).values_list(
        "episode_id", "part", "category__public_id"
    ),
    int,
)


def _episode_columns(client, *columns) -> QuerySet:
    """A client's episodes in the order they were logged, as the columns named."""
    return (
        Episode.objects.filter(client_id=client).order_by("created_at", "id").values_list(*columns)
    )


def _as_stored(name: str) -> ExpressionWrapper:
    """A column read as the database gives it, with no converter run on each row: a
    public id (no UUID made per row; `uuid_text` writes it as str(UUID) does), or a flag
    (0 or 1 on SQLite, a bool on PostgreSQL: its truth is the flag's)."""
    return ExpressionWrapper(F(name), output_field=CharField())


_EPISODE_VALENCES = ("wish_valence", "ro_valence", "rs_valence")
_pattern_rows = PreparedRead(
    lambda client: _episode_columns(
        client,
        "id",
        "with_therapist",
        "person__label",
        "person__era",
        "when",
        "phase",
        *_EPISODE_VALENCES,
        _as_stored("public_id"),
        _as_stored("person__public_id"),
    ),
    int,
)


def uuid_text(value) -> str:
    """A UUID column's value as `str(uuid.UUID)` writes it, from what the database gives
    when no converter runs: 32 hex digits on SQLite (as Django stores a UUID there), a
    UUID from PostgreSQL's driver."""
    if type(value) is str and len(value) == 32:
        value = value.lower()
        return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(value))


def pattern_episodes(client: Client, *, categories=None) -> list[patterns.Episode]:
    """The client's episodes as the pattern rules take them, read as plain values.

    Two queries and no model instances or decrypted accounts: what a page needs that
    shows the pattern's figures but lists none of the episodes behind them. Given the
    practice's categories (retired ones included), a code's category is named from them
    rather than read with every code.
    """
    parts: dict[int, dict[str, set[str]]] = {}
    if categories is None:
        codes, public = _named_codes(client.pk), {}
    else:
        codes, public = _codes(client.pk), {c.pk: str(c.public_id) for c in categories}
    for episode_id, part, category in codes:
        found = parts.get(episode_id)
        if found is None:
            found = parts[episode_id] = {}
        named = found.get(part)
        if named is None:
            named = found[part] = set()
        named.add(public.get(category) or str(category))
    episodes = []
    # A person's key is written once, not once per episode with them.
    people: dict = {}
    nothing: dict[str, set[str]] = {}
    empty = frozenset()
    for (
        pk,
        with_therapist,
        label,
        era,
        when,
        phase,
        wish_valence,
        ro_valence,
        rs_valence,
        public_id,
        person,
    ) in _pattern_rows(client.pk):
        found = parts.get(pk, nothing)
        wish, ro, rs = found.get("wish"), found.get("ro"), found.get("rs")
        if with_therapist:
            person_key, label, era = THERAPIST_KEY, "the therapist", None
        else:
            person_key = people.get(person)
            if person_key is None:
                person_key = people[person] = uuid_text(person)
        episodes.append(
            patterns.Episode.stored(
                id=uuid_text(public_id),
                person_key=person_key,
                person_label=label,
                when=when,
                person_era=era,
                phase=phase or None,
                wish=empty if wish is None else frozenset(wish),
                ro=empty if ro is None else frozenset(ro),
                rs=empty if rs is None else frozenset(rs),
                wish_valence=wish_valence or None,
                ro_valence=ro_valence or None,
                rs_valence=rs_valence or None,
            )
        )
    return episodes


# The columns of a client's episodes that the counted figures read, in the order listed.
_counted_rows = PreparedRead(
    lambda client: _episode_columns(
        client,
        "id",
        _as_stored("with_therapist"),
        "person__label",
        "when",
        "phase",
        *_EPISODE_VALENCES,
        _as_stored("person__public_id"),
    ),
    int,
)


def pattern_counts(client: Client, categories: list[PatternCategory]) -> patterns.PatternCounts:
    """The client's pattern figures as counts (`patterns.count_patterns`), in two queries
    and one pass over their rows: the same figures, ranks and ties as `compute_patterns`
    over `pattern_episodes`, without an episode made each. `categories` are the
    practice's (retired ones included), which name the codes' categories."""
    public = {c.pk: c.public_id for c in categories}
    found = _counted_rows(client.pk)
    # A person's key is written once, not once per episode with them.
    people = {person: uuid_text(person) for person in {row[-1] for row in found if not row[1]}}
    # The rows and codes as the rules take them, made by comprehensions that call
    # nothing per row: a grown client has hundreds of episodes and codes.
    rows = [
        (
            pk,
            THERAPIST_KEY if with_therapist else people[person],
            "the therapist" if with_therapist else label,
            when,
            phase or None,
            wish or None,
            ro or None,
            rs or None,
        )
        for pk, with_therapist, label, when, phase, wish, ro, rs, person in found
    ]
    codes = [
        (episode, part, public[category] if category in public else str(category))
        for episode, part, category in _codes(client.pk)
    ]
    return patterns.count_patterns(rows, codes)


@dataclass(frozen=True)
class PhaseCount:
    """In how many of a phase's `total` episodes a category was coded (a trend cell)."""

    count: int
    total: int


# The episodes of one client by phase ("" where none was recorded), counted in SQL.
_EPISODES_BY_PHASE = PreparedRead(
    lambda client_id: (
        Episode.objects.filter(client_id=client_id)
        .order_by()
        .values_list("phase")
        .annotate(n=Count("id"))
    ),
    int,
)

# One client's codes counted by part, category and the episode's phase: each episode
# holds a category at most once (one_code_per_category), so a count is of episodes.
_CODES_BY_PHASE = PreparedRead(
    lambda client_id: (
        EpisodeCategory.objects.filter(episode__client_id=client_id)
        .order_by()
        .values_list("part", "category__public_id", "category__label", "episode__phase")
        .annotate(n=Count("id"))
    ),
    int,
)

_PHASES = tuple(phase.value for phase in patterns.Phase)


def session_trend(client_id: int) -> tuple[list[TrendRow], int, bool]:
    """The pattern's trend a session page shows: for each category of the candidate
    core theme, in how many of each phase's episodes it was coded; with the number of
    episodes and whether they are too few for a theme.

    The same rows `compute_patterns` gives (its core theme: per part, the categories
    coded in the most episodes, ties by category id; its profiles' shares by phase),
    counted by the database in two queries of a few rows each, whatever the number of
    episodes, rather than from every episode and code read.
    """
    phase_totals = {phase: 0 for phase in _PHASES}
    total = 0
    for phase, count in _EPISODES_BY_PHASE(client_id):
        total += count
        if phase in phase_totals:
            phase_totals[phase] += count
    too_few = total < patterns.MIN_EPISODES_FOR_PATTERN
    if too_few:
        return [], total, too_few
    by_category: dict[tuple[str, str], dict] = {}
    for part, public_id, label, phase, count in _CODES_BY_PHASE(client_id):
        key = (part, str(public_id))
        entry = by_category.setdefault(key, {"label": label, "count": 0, "phases": {}})
        entry["count"] += count
        if phase in phase_totals:
            entry["phases"][phase] = entry["phases"].get(phase, 0) + count
    trend = []
    for part in ("wish", "ro", "rs"):
        entries = {key[1]: entry for key, entry in by_category.items() if key[0] == part}
        # The candidate's categories by the core theme's own rule (ties all named).
        for category in patterns.top_tied({c: e["count"] for c, e in entries.items()}):
            entry = entries[category]
            shares = [
                (
                    phase,
                    PhaseCount(entry["phases"].get(phase, 0), phase_totals[phase])
                    if phase_totals[phase]
                    else None,
                )
                for phase in _PHASES
            ]
            trend.append(TrendRow(PART_LABELS[part], entry["label"], shares))
    return trend, total, too_few


@dataclass(frozen=True, slots=True)
class SessionEpisode:
    """What the session page lists of an episode logged at the session."""

    public_id: object
    with_therapist: bool
    person_label: str | None
    showed_in_session: bool
    account: str


# The page shows each episode's account and person's label, not its parts' texts nor
# the person's notes: those stay encrypted. Read as values, not as an episode and a
# person model each (a session may have dozens). Compiled once.
_SESSION_EPISODES = PreparedRead(
    lambda client_id, appointment_id: (
        Episode.objects.filter(client_id=client_id, appointment_id=appointment_id)
        .order_by("created_at", "id")
        .values_list("public_id", "with_therapist", "person__label", "showed_in_session", "account")
    ),
    int,
    int,
)


def session_formulation(appointment) -> SessionFormulation:
    """What a middle- or ending-phase session page shows of the pattern work.

    The trend is counted by the database (`session_trend`), and the page lists only
    this session's episodes, so only those are read as models (a client may have
    hundreds).
    """
    course = appointment.course
    client = course.client
    trend, total, too_few = session_trend(client.pk)
    return SessionFormulation(
        agreed=agreed_ipaf(course),
        episodes=[SessionEpisode(*row) for row in _SESSION_EPISODES(client.pk, appointment.pk)],
        trend=trend,
        total_episodes=total,
        too_few=too_few,
    )


def with_formulation_facts(courses: QuerySet[Course]) -> QuerySet[Course]:
    """Annotate: has the relationship review begun; is an IPAF version agreed."""
    return courses.annotate(
        relationships_reviewed=Exists(Person.objects.filter(client_id=OuterRef("client_id")))
        | Exists(Episode.objects.filter(client_id=OuterRef("client_id"))),
        ipaf_agreed=Exists(
            IpafVersion.objects.filter(course_id=OuterRef("pk"), agreed_on__isnull=False)
        ),
    )
