"""The pre-filled goodbye letter, built from what a known course recorded."""

import dataclasses
import datetime as dt

import pytest

from patternwork.letters import drafting
from patternwork.measures import outcomes
from tests.course_fixtures import ENDING_NOW, REASON, ending_course

# The clock of the `frozen` fixture.
NOW = ENDING_NOW

pytestmark = pytest.mark.usefixtures("frozen")


EXPECTED = """\
As our work together comes to an end, I wanted to write down some of what we have understood together, so that you have something to keep.

What brought you

When you got in touch with us in February 2026, you wrote that you wanted help with:
“I keep falling out with the people closest to me, and then I feel low for weeks.”

[To complete: what Jo told you in the first sessions about what brought them, in words they will recognise.]

The pattern we named

Together we put into words a pattern that kept coming back in your relationships, and we agreed on it on Monday 23 March 2026. In plain words:
How you often see yourself: someone who has to earn their place.
How you expect other people to be: others who lose interest.
The feelings that link the two: anxious, then ashamed.
What the pattern may protect you from: not risking being let down.

How it showed

In your relationships: we looked at 4 moments with people in your life, Jess, Mum and Ray among them.

What came up most often:
What you wanted: to be close and to belong.
How the other person seemed to respond: rejecting, critical, opposing.
How you felt and what you did: shut off, withdrew.

It was not new: it showed in earlier relationships, going back to your childhood, as well as in your relationships now.

In our work together: the pattern showed between us too, in session 6.

[To complete: a moment or two that shows the pattern, in words Jo will recognise.]

What changed

At our sessions you filled in short questionnaires, the PHQ-9 (about low mood) and the GAD-7 (about anxiety). A lower score means fewer difficulties.
Your PHQ-9 score went from 16 at session 1 to 7 at session 13 (the highest possible score is 27).
Your GAD-7 score went from 12 at session 1 to 5 at session 13 (the highest possible score is 21).

Both scores are now below the level at which low mood and anxiety are usually seen as needing treatment. The fall in your PHQ-9 and GAD-7 scores is larger than these questionnaires usually vary from week to week, so it is likely to be a real change.

[To complete: what changed for Jo in their relationships and in how they see themselves, and what is still to do.]

What to watch for

The pattern we named may show again, especially at difficult times. Noticing it early gives you more choice about what you do next.

One sign that it may be around again: feeling anxious, then ashamed with someone who matters to you.

[To complete: the early signs you and Jo noticed together, and what they can do when they notice them.]

Ending

Our last session is planned for Monday 15 June 2026.

I am giving you this letter in session 15, so that we can talk about it together before we finish.

[To complete: what the ending may bring up for Jo, and what happens after the last session (any follow-up, and where to turn for help).]"""


def test_draft_of_a_known_course_restates_it_section_by_section(therapist):
    course = ending_course(therapist)

    assert drafting.draft_letter(course) == EXPECTED


def test_gather_reads_the_facts_the_draft_is_built_from(therapist):
    facts = drafting.gather(ending_course(therapist))

    assert facts.client_name == "Jo"
    assert facts.referral == drafting.ReferralFacts(True, dt.date(2026, 2, 10), "", REASON)
    assert (facts.moments, facts.people) == (4, ("Jess", "Mum", "Ray"))
    assert facts.core == drafting.CoreTheme(
        wish=("To be close and to belong",),
        ro=("Rejecting, critical, opposing",),
        rs=("Shut off, withdrew",),
        earlier_and_now=True,
        from_childhood=True,
    )
    assert (facts.in_session, facts.in_session_count) == ((6,), 1)
    assert facts.measures == (
        drafting.MeasureFacts("PHQ-9", 27, 16, 1, 7, 13),
        drafting.MeasureFacts("GAD-7", 21, 12, 1, 5, 13),
    )
    assert (facts.last_session, facts.ended, facts.share_session) == (
        dt.date(2026, 6, 15),
        False,
        15,
    )


def test_every_heading_is_in_the_draft_in_order(therapist):
    draft = drafting.draft_letter(ending_course(therapist))

    positions = [draft.index(f"\n\n{heading}\n\n") for heading in drafting.headings()]
    assert positions == sorted(positions)
    assert drafting.headings() == (
        "What brought you",
        "The pattern we named",
        "How it showed",
        "What changed",
        "What to watch for",
        "Ending",
    )


def test_draft_marks_five_places_for_the_therapist(therapist):
    draft = drafting.draft_letter(ending_course(therapist))

    assert drafting.open_places(draft) == 5
    assert drafting.open_places("Written. [ to complete : later]") == 1
    assert drafting.open_places("Nothing [left] to complete.") == 0


# Composing from hand-made facts: one section's rule at a time.


def measure(code, first, last, *, first_session=1, last_session=13):
    high = 27 if code == "PHQ-9" else 21
    return drafting.MeasureFacts(code, high, first, first_session, last, last_session)


def outcome(phq_first, phq_last, gad_first, gad_last, *, finished=False):
    when = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)
    later = dt.datetime(2026, 5, 25, 10, tzinfo=dt.UTC)

    def points(first, last):
        found = []
        if first is not None:
            found.append(outcomes.ScorePoint(1, when, first))
        if last is not None:
            found.append(outcomes.ScorePoint(2, later, last))
        return found

    return outcomes.course_outcome(
        points(phq_first, phq_last), points(gad_first, gad_last), finished=finished
    )


BASE = drafting.LetterFacts(
    client_name="Sam",
    referral=None,
    ipaf=None,
    moments=0,
    people=(),
    core=None,
    in_session=(),
    in_session_count=0,
    measures=(),
    outcome=None,
    last_session=None,
    ended=False,
    share_session=15,
    planned=16,
)


def paragraphs(facts, heading):
    """The paragraphs of one section of the composed draft."""
    blocks = drafting.compose(facts).split("\n\n")
    start = blocks.index(heading) + 1
    following = [b for b in blocks[start:] if b in drafting.headings()]
    end = blocks.index(following[0]) if following else len(blocks)
    return blocks[start:end]


def test_professional_referral_quotes_the_referrer():
    referral = drafting.ReferralFacts(False, dt.date(2026, 1, 5), "Dr Patel (GP)", "Low mood.")

    assert paragraphs(dataclasses.replace(BASE, referral=referral), "What brought you") == [
        "When Dr Patel (GP) referred you to us in January 2026, they wrote:\n“Low mood.”",
        "[To complete: what Sam told you in the first sessions about what brought them, in words they will recognise.]",
    ]


def test_referral_without_a_referrers_name_says_your_referrer():
    referral = drafting.ReferralFacts(False, dt.date(2026, 1, 5), "", "Low mood.")

    first = paragraphs(dataclasses.replace(BASE, referral=referral), "What brought you")[0]

    assert (
        first == "When your referrer referred you to us in January 2026, they wrote:\n“Low mood.”"
    )


def test_without_a_referral_only_the_therapist_can_say_what_brought_the_client():
    assert paragraphs(BASE, "What brought you") == [
        "[To complete: what Sam told you in the first sessions about what brought them, in words they will recognise.]"
    ]


def test_without_an_agreed_ipaf_the_pattern_is_left_to_the_therapist():
    assert paragraphs(BASE, "The pattern we named") == [
        "[To complete: no IPAF was agreed with Sam. Describe the pattern you worked on together.]"
    ]


def test_ipaf_without_agreement_date_and_with_transference_in_plain_words():
    ipaf = drafting.IpafFacts(
        self_representation="I am too much for people.",
        other_representation="NHS staff who rush me",
        linking_affects="shame",
        defensive_function="",
        transference="Expecting me to\nlose interest too",
        agreed_on=None,
    )

    assert paragraphs(dataclasses.replace(BASE, ipaf=ipaf), "The pattern we named") == [
        "Together we put into words a pattern that kept coming back in your relationships. In plain words:\n"
        "How you often see yourself: I am too much for people.\n"
        "How you expect other people to be: NHS staff who rush me.\n"
        "The feelings that link the two: shame.\n"
        "How it might show between us: expecting me to lose interest too."
    ]


def test_too_few_episodes_name_the_people_and_leave_the_rest_to_the_therapist():
    facts = dataclasses.replace(BASE, moments=1, people=("Alex",))

    assert paragraphs(facts, "How it showed") == [
        "In your relationships: we looked at 1 moment with people in your life, with Alex.",
        "In our work together: [To complete: how the pattern showed between us, or how our relationship was different.]",
        "[To complete: a moment or two that shows the pattern, in words Sam will recognise.]",
    ]


def test_tied_categories_are_offered_together_and_recent_only_patterns_are_not_called_old():
    core = drafting.CoreTheme(
        wish=("To be close and to belong", "To be loved and understood"),
        ro=(),
        rs=("Helpless, stuck",),
        earlier_and_now=False,
        from_childhood=False,
    )

    shown = paragraphs(dataclasses.replace(BASE, core=core, in_session_count=2), "How it showed")

    assert shown[:2] == [
        "What came up most often:\n"
        "What you wanted: to be close and to belong or to be loved and understood.\n"
        "How you felt and what you did: helpless, stuck.",
        "In our work together: the pattern showed between us too.",
    ]


def test_scores_and_outcome_in_words_without_jargon():
    facts = dataclasses.replace(
        BASE,
        measures=(measure("PHQ-9", 12, 19), measure("GAD-7", 9, 8, last_session=None)),
        outcome=outcome(12, 19, 9, 8),
    )

    shown = paragraphs(facts, "What changed")

    assert shown[:2] == [
        "At our sessions you filled in short questionnaires, the PHQ-9 (about low mood) and the GAD-7 (about anxiety). A lower score means fewer difficulties.\n"
        "Your PHQ-9 score went from 12 at session 1 to 19 at session 13 (the highest possible score is 27).\n"
        "Your GAD-7 score went from 9 at session 1 to 8 at the assessment (the highest possible score is 21).",
        "At least one score is still at the level at which low mood or anxiety is usually seen as needing treatment. The rise in your PHQ-9 score is larger than these questionnaires usually vary from week to week, so it is something to talk about together.",
    ]


def test_a_single_score_is_not_compared():
    facts = dataclasses.replace(
        BASE, measures=(measure("PHQ-9", 14, None),), outcome=outcome(14, None, None, None)
    )

    assert paragraphs(facts, "What changed")[:2] == [
        "At our sessions you filled in a short questionnaire, the PHQ-9 (about low mood). A lower score means fewer difficulties.\n"
        "Your PHQ-9 score was 14 at session 1; there is no later score to compare it with.",
        "There are not enough questionnaires from the start and the end of our work to compare them.",
    ]


def test_without_scores_what_changed_is_left_to_the_therapist():
    assert paragraphs(BASE, "What changed") == [
        "[To complete: what changed for Sam in their relationships and in how they see themselves, and what is still to do.]"
    ]


@pytest.mark.parametrize(
    ("scores", "sentence"),
    [
        (
            (16, 7, 12, 5),
            "Both scores are now below the level at which low mood and anxiety are usually seen as needing treatment. The fall in your PHQ-9 and GAD-7 scores is larger than these questionnaires usually vary from week to week, so it is likely to be a real change.",
        ),
        (
            (6, 5, 5, 4),
            "Both scores were already below the level at which low mood and anxiety are usually seen as needing treatment when we started. The changes in your scores are within how much these questionnaires usually vary from week to week.",
        ),
        (
            (15, 8, 10, 9),
            "At least one score is still at the level at which low mood or anxiety is usually seen as needing treatment. The fall in your PHQ-9 score is larger than these questionnaires usually vary from week to week, so it is likely to be a real change.",
        ),
        (
            (15, 8, 5, 10),
            "At least one score is still at the level at which low mood or anxiety is usually seen as needing treatment. The rise in your GAD-7 score is larger than these questionnaires usually vary from week to week, so it is something to talk about together.",
        ),
    ],
)
def test_outcome_sentence_for_the_client(scores, sentence):
    said = drafting.for_the_client(outcome(*scores, finished=True))

    assert said == sentence
    assert "caseness" not in said.lower()
    assert "reliable" not in said.lower()


def test_ended_course_speaks_of_the_last_session_in_the_past():
    facts = dataclasses.replace(BASE, ended=True, last_session=dt.date(2026, 6, 15))

    assert paragraphs(facts, "Ending") == [
        "Our last session was on Monday 15 June 2026.",
        "[To complete: what the ending may bring up for Sam, and what happens after the last session (any follow-up, and where to turn for help).]",
    ]


def test_letter_shared_in_the_last_session_does_not_promise_a_later_talk():
    facts = dataclasses.replace(BASE, share_session=16, last_session=dt.date(2026, 6, 15))

    assert paragraphs(facts, "Ending")[:1] == [
        "Our last session is planned for Monday 15 June 2026."
    ]
    assert "I am giving you this letter" not in drafting.compose(facts)


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("Someone who has to earn their place.", "someone who has to earn their place"),
        ("  Anxious,\n then  ashamed ", "anxious, then ashamed"),
        ("I feel I am too much", "I feel I am too much"),
        ("NHS staff", "NHS staff"),
        ("...", ""),
        ("", ""),
    ],
)
def test_plain_turns_a_typed_phrase_into_words_after_a_colon(typed, said):
    assert drafting.plain(typed) == said
