"""The pre-filled goodbye letter: a structure built from what the course recorded.

`gather` reads the course (referral, agreed IPAF, episodes, measures, dates) into plain
facts; `compose` turns them into the letter's first draft. Nothing here invents clinical
content: every sentence restates something recorded in the course, in plain words and in
the second person, and wherever only the therapist can know what to say the draft holds a
clearly marked place ("[To complete: …]") that must be written before the letter is shared.

The content list (what brought the client, the pattern, how it showed, what changed, what
to watch for, the ending) is inferred from DIT and the letters of related brief therapies,
not taken from the DIT manual (docs/dit-course.md says what to confirm).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from django.utils import dateformat
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from patternwork.clients.models import Referral
from patternwork.formulation import patterns
from patternwork.formulation import selectors as formulation
from patternwork.formulation.models import Episode
from patternwork.measures import definitions, outcomes, summary
from patternwork.treatment import plan, scheduling
from patternwork.treatment import selectors as treatment
from patternwork.treatment.models import Appointment, Course

# Section headings, in letter order. Marked with gettext_noop so the stored draft and
# the renderer (which sets headings in bold) agree on the words in the active language.
HEADINGS = (
    gettext_noop("What brought you"),
    gettext_noop("The pattern we named"),
    gettext_noop("How it showed"),
    gettext_noop("What changed"),
    gettext_noop("What to watch for"),
    gettext_noop("Ending"),
)
TO_COMPLETE = gettext_noop("To complete")

# What each questionnaire asks about, for a reader who does not know the codes.
MEASURE_TOPICS = {plan.PHQ9: gettext_noop("low mood"), plan.GAD7: gettext_noop("anxiety")}


def headings() -> tuple[str, ...]:
    return tuple(_(heading) for heading in HEADINGS)


def to_complete(prompt: str) -> str:
    return f"[{_(TO_COMPLETE)}: {prompt}]"


def open_places(text: str) -> int:
    """How many places marked for the therapist are still in the text (any language used)."""
    markers = {TO_COMPLETE, _(TO_COMPLETE)}
    pattern = "|".join(re.escape(marker) for marker in markers)
    return len(re.findall(rf"\[\s*(?:{pattern})\s*:", text, flags=re.IGNORECASE))


@dataclass(frozen=True)
class ReferralFacts:
    self_referred: bool
    received_on: date
    referrer: str
    reason: str


@dataclass(frozen=True)
class IpafFacts:
    self_representation: str
    other_representation: str
    linking_affects: str
    defensive_function: str
    transference: str
    agreed_on: date | None


@dataclass(frozen=True)
class CoreTheme:
    """The most pervasive wish, response of other and response of self, as labels."""

    wish: tuple[str, ...]
    ro: tuple[str, ...]
    rs: tuple[str, ...]
    earlier_and_now: bool
    from_childhood: bool


@dataclass(frozen=True)
class MeasureFacts:
    code: str
    high: int
    first: int | None
    first_session: int | None
    last: int | None
    last_session: int | None


@dataclass(frozen=True)
class LetterFacts:
    client_name: str
    referral: ReferralFacts | None
    ipaf: IpafFacts | None
    moments: int
    people: tuple[str, ...]
    core: CoreTheme | None
    in_session: tuple[int, ...]
    in_session_count: int
    measures: tuple[MeasureFacts, ...]
    outcome: outcomes.CourseOutcome | None
    last_session: date | None
    ended: bool
    share_session: int
    planned: int


# Reading the course


def _referral(course: Course) -> ReferralFacts | None:
    referral = course.referral or course.client.referrals.order_by("-received_at").first()
    if referral is None or not referral.reason.strip():
        return None
    return ReferralFacts(
        self_referred=referral.source == Referral.Source.SELF,
        received_on=scheduling.local_date(course.practice, referral.received_at),
        referrer=referral.referrer_name.strip(),
        reason=referral.reason.strip(),
    )


def _ipaf(course: Course) -> IpafFacts | None:
    agreed = formulation.agreed_ipaf(course)
    if agreed is None:
        return None
    return IpafFacts(
        self_representation=agreed.self_representation,
        other_representation=agreed.other_representation,
        linking_affects=agreed.linking_affects,
        defensive_function=agreed.defensive_function,
        transference=agreed.transference,
        agreed_on=agreed.agreed_on,
    )


def _core_theme(
    report: patterns.PatternReport, labels: Mapping[str, str], by_id: Mapping[str, Episode]
) -> CoreTheme | None:
    theme = report.core_theme
    if theme is None:
        return None

    def named(candidate: patterns.Candidate | None) -> tuple[str, ...]:
        if candidate is None:
            return ()
        return tuple(labels.get(category, category) for category in candidate.categories)

    behind = {
        episode_id
        for candidate in (theme.wish, theme.ro, theme.rs)
        if candidate is not None
        for episode_id in candidate.episode_ids
    }
    whens = {by_id[episode_id].when for episode_id in behind if episode_id in by_id}
    return CoreTheme(
        wish=named(theme.wish),
        ro=named(theme.ro),
        rs=named(theme.rs),
        earlier_and_now=bool(whens & patterns.EARLIER) and bool(whens & patterns.LATER),
        from_childhood=patterns.When.CHILDHOOD in whens,
    )


def _people(episodes: list[Episode]) -> tuple[str, ...]:
    """People the client's episodes were about, most often first, then in order met."""
    counts = Counter(e.person.label for e in episodes if e.person is not None)
    first_seen = {}
    for position, episode in enumerate(episodes):
        if episode.person is not None:
            first_seen.setdefault(episode.person.label, position)
    return tuple(sorted(counts, key=lambda label: (-counts[label], first_seen[label])))


def _measures(course: Course) -> tuple[tuple[MeasureFacts, ...], outcomes.CourseOutcome]:
    outcome = summary.course_outcome(course)
    sessions = dict(
        course.appointments.filter(kind=Appointment.Kind.TREATMENT).values_list(
            "pk", "session_number"
        )
    )
    facts = []
    for measure in (outcome.depression, outcome.anxiety):
        first, last = measure.first, measure.last
        facts.append(
            MeasureFacts(
                code=measure.code,
                high=definitions.get_instrument(measure.code).total_max,
                first=first.total if first else None,
                first_session=sessions.get(first.contact_id) if first else None,
                last=last.total if last else None,
                last_session=sessions.get(last.contact_id) if last else None,
            )
        )
    return tuple(facts), outcome


def _last_session(course: Course) -> date | None:
    practice = course.practice
    if course.state == Course.State.ENDED:
        last = (
            course.appointments.attended_treatment()
            .order_by("-starts_at")
            .values_list("starts_at", flat=True)
            .first()
        )
        return scheduling.local_date(practice, last) if last else None
    view = treatment.course_view(course)
    return view.projection.end_date if view.projection else None


def gather(course: Course) -> LetterFacts:
    """Read what the letter is built from; the caller has checked clinical access."""
    client = course.client
    episodes = [e for e in formulation.episodes_of(client) if e.course_id == course.pk]
    categories = formulation.categories_of(course.practice, include_retired=True)
    labels = {str(c.public_id): c.label for c in categories}
    report = patterns.compute_patterns([formulation.to_pattern_episode(e) for e in episodes])
    by_id = {str(e.public_id): e for e in episodes}
    outside = [e for e in episodes if e.when != patterns.When.IN_SESSION and e.person]
    between_us = [
        e
        for e in episodes
        if e.when == patterns.When.IN_SESSION or e.with_therapist or e.showed_in_session
    ]
    session_numbers = sorted(
        {
            e.appointment.session_number
            for e in between_us
            if e.appointment and e.appointment.session_number
        }
    )
    measures, outcome = _measures(course)
    return LetterFacts(
        client_name=client.display_name,
        referral=_referral(course),
        ipaf=_ipaf(course),
        moments=len(outside),
        people=_people(outside),
        core=_core_theme(report, labels, by_id),
        in_session=tuple(session_numbers),
        in_session_count=len(between_us),
        measures=measures,
        outcome=outcome,
        last_session=_last_session(course),
        ended=course.state == Course.State.ENDED,
        share_session=course.share_session,
        planned=course.planned_sessions,
    )


# Writing the draft


def plain(text: str) -> str:
    """A therapist's phrase ready to follow a colon: one line, no final full stop.

    The first letter is lowered when it only starts the phrase ("Someone who…" becomes
    "someone who…"); "I", names in capitals and acronyms keep theirs.
    """
    phrase = " ".join(text.split()).rstrip(" .")
    first = phrase.split(" ", 1)[0] if phrase else ""
    if len(first) > 1 and first[0].isupper() and first[1:].islower():
        phrase = phrase[0].lower() + phrase[1:]
    return phrase


def _long_date(day: date) -> str:
    return dateformat.format(day, "l j F Y")


def _month(day: date) -> str:
    return dateformat.format(day, "F Y")


def _either(labels: tuple[str, ...]) -> str:
    return _(" or ").join(plain(label) for label in labels)


def _brought_you(facts: LetterFacts) -> list[str]:
    referral = facts.referral
    paragraphs = []
    if referral is not None:
        if referral.self_referred:
            opening = _(
                "When you got in touch with us in %(month)s, you wrote that you wanted help with:"
            ) % {"month": _month(referral.received_on)}
        else:
            opening = _("When %(referrer)s referred you to us in %(month)s, they wrote:") % {
                "referrer": referral.referrer or _("your referrer"),
                "month": _month(referral.received_on),
            }
        paragraphs.append(f"{opening}\n“{referral.reason}”")
    paragraphs.append(
        to_complete(
            _(
                "what %(name)s told you in the first sessions about what brought them, in words they will recognise."
            )
            % {"name": facts.client_name}
        )
    )
    return paragraphs


def _pattern_named(facts: LetterFacts) -> list[str]:
    ipaf = facts.ipaf
    if ipaf is None:
        return [
            to_complete(
                _("no IPAF was agreed with %(name)s. Describe the pattern you worked on together.")
                % {"name": facts.client_name}
            )
        ]
    if ipaf.agreed_on:
        opening = _(
            "Together we put into words a pattern that kept coming back in your relationships, and we agreed on it on %(day)s. In plain words:"
        ) % {"day": _long_date(ipaf.agreed_on)}
    else:
        opening = _(
            "Together we put into words a pattern that kept coming back in your relationships. In plain words:"
        )
    rows = [
        (_("How you often see yourself"), ipaf.self_representation),
        (_("How you expect other people to be"), ipaf.other_representation),
        (_("The feelings that link the two"), ipaf.linking_affects),
        (_("What the pattern may protect you from"), ipaf.defensive_function),
        (_("How it might show between us"), ipaf.transference),
    ]
    lines = [f"{label}: {plain(text)}." for label, text in rows if plain(text)]
    return ["\n".join([opening, *lines])]


def _sessions(numbers: tuple[int, ...]) -> str:
    return ngettext("session %(numbers)s", "sessions %(numbers)s", len(numbers)) % {
        "numbers": get_text_list([str(n) for n in numbers], _("and"))
    }


def _how_it_showed(facts: LetterFacts) -> list[str]:
    paragraphs = []
    if facts.people:
        shown = list(facts.people[:4])
        paragraphs.append(
            ngettext(
                "In your relationships: we looked at %(count)s moment with people in your life, with %(people)s.",
                "In your relationships: we looked at %(count)s moments with people in your life, %(people)s among them.",
                facts.moments,
            )
            % {"count": facts.moments, "people": get_text_list(shown, _("and"))}
        )
    core = facts.core
    if core is not None:
        rows = [
            (_("What you wanted"), core.wish),
            (_("How the other person seemed to respond"), core.ro),
            (_("How you felt and what you did"), core.rs),
        ]
        lines = [f"{label}: {_either(labels)}." for label, labels in rows if labels]
        paragraphs.append("\n".join([_("What came up most often:"), *lines]))
        if core.earlier_and_now:
            paragraphs.append(
                _(
                    "It was not new: it showed in earlier relationships, going back to your childhood, as well as in your relationships now."
                )
                if core.from_childhood
                else _(
                    "It was not new: it showed in earlier relationships as well as in your relationships now."
                )
            )
    if facts.in_session:
        paragraphs.append(
            _("In our work together: the pattern showed between us too, in %(sessions)s.")
            % {"sessions": _sessions(facts.in_session)}
        )
    elif facts.in_session_count:
        paragraphs.append(_("In our work together: the pattern showed between us too."))
    else:
        paragraphs.append(
            _("In our work together: %(prompt)s")
            % {
                "prompt": to_complete(
                    _("how the pattern showed between us, or how our relationship was different.")
                )
            }
        )
    paragraphs.append(
        to_complete(
            _("a moment or two that shows the pattern, in words %(name)s will recognise.")
            % {"name": facts.client_name}
        )
    )
    return paragraphs


def _score_line(measure: MeasureFacts) -> str:
    where_first = _at_session(measure.first_session)
    if measure.last is None:
        return _(
            "Your %(code)s score was %(first)s %(where)s; there is no later score to compare it with."
        ) % {"code": measure.code, "first": measure.first, "where": where_first}
    return _(
        "Your %(code)s score went from %(first)s %(first_where)s to %(last)s %(last_where)s (the highest possible score is %(high)s)."
    ) % {
        "code": measure.code,
        "first": measure.first,
        "first_where": where_first,
        "last": measure.last,
        "last_where": _at_session(measure.last_session),
        "high": measure.high,
    }


def _at_session(number: int | None) -> str:
    if number is None:
        return _("at the assessment")
    return _("at session %(number)s") % {"number": number}


def _scores_of(codes: list[str]) -> str:
    return ngettext("your %(codes)s score", "your %(codes)s scores", len(codes)) % {
        "codes": get_text_list(codes, _("and"))
    }


def for_the_client(outcome: outcomes.CourseOutcome) -> str:
    """The course outcome said to the client: what `outcomes.describe` says, without jargon."""
    if not outcome.paired:
        return _(
            "There are not enough questionnaires from the start and the end of our work to compare them."
        )
    sentences = {
        True: _(
            "Both scores are now below the level at which low mood and anxiety are usually seen as needing treatment."
        ),
        False: _(
            "At least one score is still at the level at which low mood or anxiety is usually seen as needing treatment."
        ),
        None: _(
            "Both scores were already below the level at which low mood and anxiety are usually seen as needing treatment when we started."
        ),
    }
    measures = (outcome.depression, outcome.anxiety)
    improved = [m.code for m in measures if m.change is outcomes.Change.IMPROVED]
    worse = [m.code for m in measures if m.change is outcomes.Change.DETERIORATED]
    if worse:
        change = _(
            "The rise in %(scores)s is larger than these questionnaires usually vary from week to week, so it is something to talk about together."
        ) % {"scores": _scores_of(worse)}
    elif improved:
        change = _(
            "The fall in %(scores)s is larger than these questionnaires usually vary from week to week, so it is likely to be a real change."
        ) % {"scores": _scores_of(improved)}
    else:
        change = _(
            "The changes in your scores are within how much these questionnaires usually vary from week to week."
        )
    return f"{sentences[outcome.recovered]} {change}"


def _what_changed(facts: LetterFacts) -> list[str]:
    paragraphs = []
    scored = [m for m in facts.measures if m.first is not None]
    lines = [_score_line(m) for m in scored]
    if lines:
        topics = get_text_list(
            [
                _("the %(code)s (about %(topic)s)")
                % {"code": m.code, "topic": _(MEASURE_TOPICS.get(m.code, m.code))}
                for m in scored
            ],
            _("and"),
        )
        intro = ngettext(
            "At our sessions you filled in a short questionnaire, %(topics)s. A lower score means fewer difficulties.",
            "At our sessions you filled in short questionnaires, %(topics)s. A lower score means fewer difficulties.",
            len(scored),
        ) % {"topics": topics}
        paragraphs.append("\n".join([intro, *lines]))
        if facts.outcome is not None:
            paragraphs.append(for_the_client(facts.outcome))
    paragraphs.append(
        to_complete(
            _(
                "what changed for %(name)s in their relationships and in how they see themselves, and what is still to do."
            )
            % {"name": facts.client_name}
        )
    )
    return paragraphs


def _watch_for(facts: LetterFacts) -> list[str]:
    paragraphs = [
        _(
            "The pattern we named may show again, especially at difficult times. Noticing it early gives you more choice about what you do next."
        )
    ]
    if facts.ipaf is not None and plain(facts.ipaf.linking_affects):
        paragraphs.append(
            _(
                "One sign that it may be around again: feeling %(feelings)s with someone who matters to you."
            )
            % {"feelings": plain(facts.ipaf.linking_affects)}
        )
    paragraphs.append(
        to_complete(
            _(
                "the early signs you and %(name)s noticed together, and what they can do when they notice them."
            )
            % {"name": facts.client_name}
        )
    )
    return paragraphs


def _ending(facts: LetterFacts) -> list[str]:
    paragraphs = []
    if facts.last_session is not None:
        paragraphs.append(
            (
                _("Our last session was on %(day)s.")
                if facts.ended
                else _("Our last session is planned for %(day)s.")
            )
            % {"day": _long_date(facts.last_session)}
        )
    if not facts.ended and facts.share_session < facts.planned:
        paragraphs.append(
            _(
                "I am giving you this letter in session %(session)s, so that we can talk about it together before we finish."
            )
            % {"session": facts.share_session}
        )
    paragraphs.append(
        to_complete(
            _(
                "what the ending may bring up for %(name)s, and what happens after the last session (any follow-up, and where to turn for help)."
            )
            % {"name": facts.client_name}
        )
    )
    return paragraphs


def compose(facts: LetterFacts) -> str:
    """The first draft: an opening, then one section per heading, paragraphs apart."""
    what_brought, named, showed, changed, watch, ending = headings()
    sections = [
        (what_brought, _brought_you(facts)),
        (named, _pattern_named(facts)),
        (showed, _how_it_showed(facts)),
        (changed, _what_changed(facts)),
        (watch, _watch_for(facts)),
        (ending, _ending(facts)),
    ]
    blocks = [
        _(
            "As our work together comes to an end, I wanted to write down some of what we have understood together, so that you have something to keep."
        )
    ]
    for heading, paragraphs in sections:
        blocks.append(heading)
        blocks.extend(paragraphs)
    return "\n\n".join(blocks)


def draft_letter(course: Course) -> str:
    return compose(gather(course))
