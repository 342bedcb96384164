"""Writes to the relationship map, episodes, categories and the IPAF, each audited."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from patternwork.accounts.models import Membership, Practice
from patternwork.audit.services import diff, record
from patternwork.clients.models import Client
from patternwork.core import erasure
from patternwork.formulation.categories import CURRENT_VERSION, DEFAULT_CATEGORIES
from patternwork.formulation.ipaf import IPAF_FIELDS, compare_evidence
from patternwork.formulation.models import (
    AgreedVia,
    Category,
    CategorySetChange,
    CodedFragment,
    Episode,
    EpisodeCategory,
    IpafVersion,
    Person,
)
from patternwork.formulation.ranking.shown import Shown, provenance
from patternwork.treatment import plan
from patternwork.treatment.models import Appointment, Assessment, Course

PERSON_FIELDS = ("label", "relationship", "era", "contact", "closeness", "conflict", "notes")
EPISODE_FIELDS = (
    "when",
    "account",
    "wish_text",
    "ro_text",
    "rs_text",
    "wish_valence",
    "ro_valence",
    "rs_valence",
    "showed_in_session",
    "occurred_on",
)
PARTS = ("wish", "ro", "rs")

NO_OTHER = "Choose the person, or 'the therapist'."
PERSON_OF_ANOTHER_CLIENT = "That person is not on this client's map."
CATEGORY_NOT_AVAILABLE = (
    "The category “{label}” is not one of this practice's categories for {part}."
)
CATEGORY_EXISTS = "There is already a category “{label}” for this part."
IPAF_UNCHANGED = "Nothing changed since the last version."
IPAF_NEEDS_CORE = (
    "Fill in at least how the client sees themselves, the other and the feeling that links them."
)
AGREED_IN_FUTURE = "The date the IPAF was agreed cannot be in the future."
COURSE_ENDED = "This course has ended."


def _audit(actor: Membership, obj, action: str, changes: Mapping | None = None) -> None:
    record(
        action=action,
        actor=actor.user,
        actor_role=actor.role,
        practice=actor.practice,
        obj=obj,
        changes=dict(changes or {}),
    )


# Categories


def ensure_default_categories(practice: Practice, *, by: Membership | None = None) -> None:
    """Give a practice without categories the default set (audited once).

    Runs when a practice is created (registered with `accounts.practice_setup`); a
    practice that already has categories is left as it is.
    """
    if Category.objects.filter(practice=practice).exists():
        return
    try:
        with transaction.atomic():
            created = Category.objects.bulk_create(
                Category(
                    practice=practice,
                    part=default.part,
                    label=default.label,
                    keywords="\n".join(default.keywords),
                    default_key=default.key,
                    position=position,
                )
                for position, default in enumerate(DEFAULT_CATEGORIES)
            )
            # A practice given the current set needs no upgrade later.
            CategorySetChange.objects.create(
                practice=practice, version=CURRENT_VERSION, report={"created": len(created)}
            )
            record(
                action="category.defaults",
                actor=by.user if by else None,
                actor_role=by.role if by else "",
                practice=practice,
                object_type="formulation.category",
                changes={"created": len(created)},
            )
    except IntegrityError:
        # Another request created them at the same moment: the set exists, as wanted.
        return


def add_category(
    *, practice: Practice, part: str, label: str, keywords: str, by: Membership
) -> Category:
    label = label.strip()
    if Category.objects.filter(practice=practice, part=part, label__iexact=label).exists():
        raise ValidationError({"label": CATEGORY_EXISTS.format(label=label)})
    with transaction.atomic():
        position = (
            Category.objects.filter(practice=practice, part=part).aggregate(m=Max("position"))["m"]
            or 0
        )
        category = Category(
            practice=practice, part=part, label=label, keywords=keywords, position=position + 1
        )
        category.full_clean()
        category.save()
        _audit(by, category, "category.add", {"label": [None, label], "part": part})
    return category


def update_category(*, category: Category, label: str, keywords: str, by: Membership) -> Category:
    label = label.strip()
    clash = Category.objects.filter(
        practice_id=category.practice_id, part=category.part, label__iexact=label
    ).exclude(pk=category.pk)
    if clash.exists():
        raise ValidationError({"label": CATEGORY_EXISTS.format(label=label)})
    with transaction.atomic():
        before = {"label": category.label, "keywords": category.keywords}
        category.label, category.keywords = label, keywords
        category.full_clean()
        category.save(update_fields=["label", "keywords", "updated_at"])
        _audit(
            by, category, "category.update", diff(before, {"label": label, "keywords": keywords})
        )
    return category


def set_category_retired(*, category: Category, retired: bool, by: Membership) -> Category:
    """Retire (or restore) a category: it stays on old episodes but is not offered."""
    with transaction.atomic():
        was = category.retired_at is not None
        if was == retired:
            return category
        category.retired_at = timezone.now() if retired else None
        category.save(update_fields=["retired_at", "updated_at"])
        _audit(
            by,
            category,
            "category.retire" if retired else "category.restore",
            {"retired": [was, retired]},
        )
    return category


# The relationship map


RECORD_CLOSED = "This client's record is closed; its map can be read but not changed."


def _check_open(client: Client) -> None:
    if client.status == Client.Status.CLOSED:
        raise ValidationError(RECORD_CLOSED)


def add_person(*, client: Client, data: Mapping, by: Membership) -> Person:
    _check_open(client)
    with transaction.atomic():
        person = Person(practice_id=client.practice_id, client=client)
        for field in PERSON_FIELDS:
            if field in data:
                setattr(person, field, data[field])
        person.full_clean()
        person.save()
        _audit(by, person, "person.add", {"notes": "[changed]" if person.notes else None})
    return person


def update_person(*, person: Person, data: Mapping, by: Membership) -> Person:
    _check_open(person.client)
    with transaction.atomic():
        stored = Person.objects.select_for_update().get(pk=person.pk)
        before = {f: getattr(stored, f) for f in PERSON_FIELDS}
        for field in PERSON_FIELDS:
            if field in data:
                setattr(stored, field, data[field])
        changes = diff(
            before, {f: getattr(stored, f) for f in PERSON_FIELDS}, sensitive={"notes", "label"}
        )
        if not changes:
            return stored
        stored.full_clean()
        stored.save()
        _audit(by, stored, "person.update", changes)
    return stored


RELATIONSHIPS_EMPTY = "The assessment lists no relationships to copy."


def copy_brief_relationships(*, course: Course, by: Membership) -> list[Person]:
    """Put the people from the assessment's "relationships in brief" on the client's
    relationship map, as current relationships the therapist then refines. Someone
    already on the map under the same name is left as they are. One transaction; each
    person added is audited as any addition to the map is."""
    assessment = Assessment.objects.filter(course=course).first()
    people = plan.brief_relationships(assessment.relationships) if assessment else []
    if not people:
        raise ValidationError(RELATIONSHIPS_EMPTY)
    client = course.client
    with transaction.atomic():
        on_map = {
            label.casefold()
            for label in client.relationship_people.filter(archived_at__isnull=True).values_list(
                "label", flat=True
            )
        }
        added = []
        for who, note in people:
            if who.casefold() in on_map:
                continue
            on_map.add(who.casefold())
            added.append(
                add_person(
                    client=client,
                    data={
                        "label": who[:100],
                        "relationship": who[:60],
                        "era": Person.Era.CURRENT,
                        "notes": note,
                    },
                    by=by,
                )
            )
    return added


def archive_person(*, person: Person, by: Membership) -> Person:
    """Take someone off the map; episodes with them keep pointing at them."""
    _check_open(person.client)
    with transaction.atomic():
        if person.archived_at is None:
            person.archived_at = timezone.now()
            person.save(update_fields=["archived_at", "updated_at"])
            _audit(by, person, "person.archive")
    return person


# Episodes


def _phase(course: Course, appointment: Appointment | None) -> str:
    if appointment is not None and appointment.session_number:
        phase = plan.phase_for(appointment.session_number, course.planned_sessions)
    else:
        attended = course.appointments.attended_treatment().count()
        if attended == 0:
            return plan.Phase.INITIAL.value
        phase = plan.phase_for(attended, course.planned_sessions)
    # Episodes after the plan belong with the ending for the pattern statistics.
    return plan.Phase.ENDING.value if phase == plan.Phase.OVER_PLAN else phase.value


def _codes(
    practice_id: int,
    categories: Mapping[str, Iterable[Category]],
    shown: Mapping[str, Shown] | None = None,
    kept: Mapping[int, EpisodeCategory] | None = None,
) -> list[EpisodeCategory]:
    """The codes to store, each with where the ranker had placed it.

    A code the episode already had keeps the provenance it was saved with (`kept`); a new
    one takes it from the ranking shown for its part, if any.
    """
    codes = []
    for part in PARTS:
        for category in categories.get(part, ()):
            if category.practice_id != practice_id or category.part != part:
                raise ValidationError(
                    {
                        f"{part}_categories": CATEGORY_NOT_AVAILABLE.format(
                            label=category.label, part=part
                        )
                    }
                )
            before = (kept or {}).get(category.pk)
            if before is not None and before.part == part:
                suggested, rank, version = (
                    before.suggested,
                    before.suggested_rank,
                    before.ranker_version,
                )
            else:
                suggested, rank, version = provenance((shown or {}).get(part), category.public_id)
            codes.append(
                EpisodeCategory(
                    category=category,
                    part=part,
                    suggested=suggested,
                    suggested_rank=rank,
                    ranker_version=version,
                )
            )
    return codes


def refresh_coded_fragments(episode: Episode, codes: Iterable[EpisodeCategory]) -> int:
    """Make the episode's confirmed fragments match its codes; return how many it has.

    One fragment per code: the text of the coded part, encrypted as the episode's own. Runs
    inside the episode's write (log or update), whose audit event records the count.
    """
    CodedFragment.objects.filter(episode=episode).delete()
    fragments = []
    for code in codes:
        text = (getattr(episode, f"{code.part}_text") or "").strip()
        if text:
            fragments.append(
                CodedFragment(
                    practice_id=episode.practice_id,
                    episode=episode,
                    category=code.category,
                    part=code.part,
                    text=text,
                )
            )
    CodedFragment.objects.bulk_create(fragments)
    return len(fragments)


def rebuild_coded_fragments(*, practice: Practice, by: Membership | None = None) -> int:
    """Build the practice's confirmed fragments from every coded episode (audited once).

    For episodes coded before the store existed; later writes keep it current.
    """
    with transaction.atomic():
        count = 0
        episodes = Episode.objects.filter(practice=practice).prefetch_related("codes__category")
        for episode in episodes:
            count += refresh_coded_fragments(episode, list(episode.codes.all()))
        record(
            action="fragments.rebuild",
            actor=by.user if by else None,
            actor_role=by.role if by else "",
            practice=practice,
            object_type="formulation.codedfragment",
            changes={"fragments": count},
        )
    return count


def _set_other(
    episode: Episode, client: Client, person: Person | None, with_therapist: bool
) -> None:
    if with_therapist:
        episode.person, episode.with_therapist = None, True
    elif person is not None:
        if person.client_id != client.pk:
            raise ValidationError({"person": PERSON_OF_ANOTHER_CLIENT})
        episode.person, episode.with_therapist = person, False
    else:
        raise ValidationError({"person": NO_OTHER})


# What log_episode sets itself, from rows the caller has already read in scope (and a
# new public id): full_clean would check each with a query of its own. Leaving out the
# person leaves out the two person-or-therapist constraints, which _set_other makes
# hold. Every value taken from `data` is still validated.
_EPISODE_SET_BY_SERVICE = (
    "practice",
    "client",
    "course",
    "appointment",
    "person",
    "logged_by",
    "public_id",
)


def log_episode(
    *,
    course: Course,
    data: Mapping,
    person: Person | None,
    with_therapist: bool,
    categories: Mapping[str, Iterable[Category]],
    appointment: Appointment | None = None,
    shown: Mapping[str, Shown] | None = None,
    by: Membership,
) -> Episode:
    """Log a relationship episode, its three parts and their categories.

    `shown` is the ranking the therapist saw for each part, if any: each code records
    whether it was among the suggestions, at which rank and by which ranker version. The
    codes' parts become the practice's confirmed fragments in the same transaction.
    """
    if course.state == Course.State.ENDED:
        raise ValidationError(COURSE_ENDED)
    client = course.client
    with transaction.atomic():
        episode = Episode(
            practice_id=course.practice_id,
            client=client,
            course=course,
            appointment=appointment,
            logged_by=by,
            phase=_phase(course, appointment),
        )
        _set_other(episode, client, person, with_therapist)
        for field in EPISODE_FIELDS:
            if field in data:
                setattr(episode, field, data[field])
        codes = _codes(course.practice_id, categories, shown)
        episode.full_clean(exclude=_EPISODE_SET_BY_SERVICE)
        episode.save()
        for code in codes:
            code.episode = episode
        EpisodeCategory.objects.bulk_create(codes)
        fragments = refresh_coded_fragments(episode, codes)
        _audit(
            by,
            episode,
            "episode.log",
            {
                "categories": sorted(str(c.category.public_id) for c in codes),
                "suggested": sorted(str(c.category.public_id) for c in codes if c.suggested),
                "fragments": fragments,
                "account": "[changed]",
            },
        )
    return episode


def update_episode(
    *,
    episode: Episode,
    data: Mapping,
    person: Person | None,
    with_therapist: bool,
    categories: Mapping[str, Iterable[Category]],
    shown: Mapping[str, Shown] | None = None,
    by: Membership,
) -> Episode:
    """Change an episode; new codes record the ranking shown (see `log_episode`)."""
    with transaction.atomic():
        stored = Episode.objects.select_for_update().select_related("client").get(pk=episode.pk)
        before = {f: getattr(stored, f) for f in EPISODE_FIELDS}
        kept = {code.category_id: code for code in stored.codes.all()}
        before_codes = set(kept)
        _set_other(stored, stored.client, person, with_therapist)
        for field in EPISODE_FIELDS:
            if field in data:
                setattr(stored, field, data[field])
        codes = _codes(stored.practice_id, categories, shown, kept)
        stored.full_clean()
        stored.save()
        stored.codes.all().delete()
        for code in codes:
            code.episode = stored
        EpisodeCategory.objects.bulk_create(codes)
        fragments = refresh_coded_fragments(stored, codes)
        changes = diff(
            before,
            {f: getattr(stored, f) for f in EPISODE_FIELDS},
            sensitive={"account", "wish_text", "ro_text", "rs_text"},
        )
        if before_codes != {c.category_id for c in codes}:
            changes["categories"] = "[changed]"
            changes["fragments"] = fragments
        _audit(by, stored, "episode.update", changes)
    return stored


# The IPAF


def save_ipaf(
    *, course: Course, data: Mapping, episodes: Iterable[Episode], by: Membership
) -> IpafVersion:
    """Save the IPAF as a new version; earlier versions stay as they were.

    The version is supported by exactly the episodes given: a caller that means to keep
    the previous version's evidence passes it (the form starts from it), and `episodes`
    has no default, so leaving it out cannot quietly drop that evidence. Audits
    `ipaf.save` with the episodes added and removed since the previous version.
    """
    values = {f: (data.get(f) or "").strip() for f in IPAF_FIELDS}
    if not (
        values["self_representation"]
        and values["other_representation"]
        and values["linking_affects"]
    ):
        raise ValidationError(IPAF_NEEDS_CORE)
    episodes = list(episodes)
    if any(e.course_id != course.pk for e in episodes):
        raise ValidationError("Supporting episodes must come from this course.")
    with transaction.atomic():
        Course.objects.select_for_update().get(pk=course.pk)
        latest = course.ipaf_versions.order_by("-number").first()
        previous = latest.supporting_episodes.only("pk", "public_id") if latest else ()
        evidence = compare_evidence(previous, episodes, key=lambda e: e.pk)
        if (
            latest is not None
            and all(getattr(latest, f) == values[f] for f in IPAF_FIELDS)
            and not evidence.changed
        ):
            raise ValidationError(IPAF_UNCHANGED)
        version = IpafVersion.objects.create(
            practice_id=course.practice_id,
            course=course,
            number=(latest.number + 1) if latest else 1,
            author=by,
            **values,
        )
        version.supporting_episodes.set(episodes)
        _audit(
            by,
            version,
            "ipaf.save",
            {
                "number": version.number,
                "fields": "[changed]",
                "episodes": len(evidence.kept) + len(evidence.added),
                "episodes_added": [str(e.public_id) for e in evidence.added],
                "episodes_removed": [str(e.public_id) for e in evidence.removed],
            },
        )
    return version


def mark_ipaf_agreed(*, version: IpafVersion, agreed_on: date, by: Membership) -> IpafVersion:
    """Record that this version was agreed with the client on a date."""
    if agreed_on > timezone.localdate():
        raise ValidationError({"agreed_on": AGREED_IN_FUTURE})
    with transaction.atomic():
        version = IpafVersion.objects.select_for_update().get(pk=version.pk)
        old = version.agreed_on
        version.agreed_on = agreed_on
        version.agreed_recorded_by = by
        # The client's own agreement on the portal stays the record of how it was agreed;
        # the therapist's entry adds who recorded it and the date.
        if version.agreed_via != AgreedVia.PORTAL:
            version.agreed_via = AgreedVia.SESSION
            version.agreed_at = timezone.now()
            version.agreed_by = by.user
        version.save(
            update_fields=[
                "agreed_on",
                "agreed_recorded_by",
                "agreed_via",
                "agreed_at",
                "agreed_by",
                "updated_at",
            ]
        )
        _audit(
            by,
            version,
            "ipaf.agree",
            {
                "agreed_on": [old and old.isoformat(), agreed_on.isoformat()],
                "via": AgreedVia.SESSION.value,
                "client_agreed_on_portal": version.agreed_via == AgreedVia.PORTAL,
            },
        )
    return version


def erase_client_rows(*, client: Client) -> erasure.Erased:
    """Delete the formulation app's rows of the client's record, and their files after the commit.

    For the retention purge (`interop.retention.purge`), which calls each app's eraser,
    highest app first, inside one transaction and writes the record's audit stub there.
    """
    return erasure.erase_owned(client, app_label="formulation")
