"""Course milestones: what the plan tracks and the caseload shows when overdue.

Sources: Lemma, Target & Fonagy (2011) for the relationship review and the IPAF in the
initial phase; the goodbye letter's sharing session (by default the penultimate) is
Patternwork's choice, since the manual could not be checked (docs/dit-course.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from patternwork.treatment.plan.course import (
    GAD7,
    PHQ9,
    check_attended,
    check_planned,
    phase_bounds,
    whole_between,
)

RELATIONSHIP_REVIEW = "relationship_review"
IPAF_AGREED = "ipaf_agreed"
SESSION_MEASURES = "session_measures"
LETTER_DRAFTED = "letter_drafted"
LETTER_SHARED = "letter_shared"
COURSE_ENDED = "course_ended"

LETTER_SESSION_INVALID = "The letter sharing session must be within the planned sessions."
MISSING_MEASURES_INVALID = "Sessions missing measures must be attended session numbers."


class MilestoneState(StrEnum):
    NOT_YET = "not_yet"
    DUE = "due"
    OVERDUE = "overdue"
    DONE = "done"


# How the caseload names a milestone that is overdue: what is missing, not the goal.
OVERDUE_LABELS = {
    RELATIONSHIP_REVIEW: "Relationship review not started",
    IPAF_AGREED: "IPAF not agreed",
    SESSION_MEASURES: "PHQ-9/GAD-7 missing",
    LETTER_DRAFTED: "Goodbye letter not drafted",
    LETTER_SHARED: "Goodbye letter not shared",
    COURSE_ENDED: "End reason missing",
}


@dataclass(frozen=True)
class Milestone:
    key: str
    label: str
    state: MilestoneState
    detail: str

    @property
    def overdue_label(self) -> str:
        return OVERDUE_LABELS[self.key]


def letter_share_session(planned: int, chosen: int | None) -> int:
    """Return the session in which the goodbye letter is shared: the therapist's choice,
    else the penultimate planned session."""
    return planned - 1 if chosen is None else chosen


@dataclass(frozen=True, kw_only=True)
class CourseFacts:
    """Hold what is known about a course that its milestones depend on.

    sessions_missing_measures lists attended session numbers lacking PHQ-9 and/or GAD-7.
    letter_share_session defaults to the penultimate planned session, so that the letter
    can be discussed before the last one.
    """

    planned: int
    attended: int
    relationships_reviewed: bool = False
    ipaf_agreed: bool = False
    sessions_missing_measures: tuple[int, ...] = ()
    letter_drafted: bool = False
    letter_shared: bool = False
    letter_share_session: int | None = None
    ended: bool = False
    end_reason: str = ""

    def __post_init__(self) -> None:
        # A list from a queryset would leave the frozen facts unhashable.
        object.__setattr__(self, "sessions_missing_measures", tuple(self.sessions_missing_measures))
        check_planned(self.planned)
        check_attended(self.attended)
        if self.letter_share_session is not None and not whole_between(
            self.letter_share_session, 1, self.planned
        ):
            raise ValueError(LETTER_SESSION_INVALID)
        if not all(
            whole_between(number, 1, self.attended) for number in self.sessions_missing_measures
        ):
            raise ValueError(MISSING_MEASURES_INVALID)

    @property
    def share_session(self) -> int:
        return letter_share_session(self.planned, self.letter_share_session)


def _relationship_review(facts: CourseFacts) -> Milestone:
    """Track the review of current and past relationships, begun from session 1.

    Source: Lemma, Target & Fonagy (2011) ch. 4, the initial phase.
    """
    n = facts.attended
    if facts.relationships_reviewed:
        state, detail = MilestoneState.DONE, "Under way."
    elif n >= 2:
        state, detail = MilestoneState.OVERDUE, f"Not under way after {n} sessions."
    elif n == 1:
        state, detail = MilestoneState.DUE, "Get it under way by session 2."
    else:
        state, detail = MilestoneState.NOT_YET, "Starts in session 1."
    return Milestone(RELATIONSHIP_REVIEW, "Relationship review under way", state, detail)


def _ipaf_agreed(facts: CourseFacts) -> Milestone:
    """Track the IPAF agreed with the client by the end of the initial phase.

    Source: Lemma, Target & Fonagy (2011) ch. 4 and 5: the formulation is shared with the
    client and agreed as the focus by the end of the initial phase.
    """
    n = facts.attended
    last_initial = phase_bounds(facts.planned).initial.last
    if facts.ipaf_agreed:
        state, detail = MilestoneState.DONE, "Agreed."
    elif n >= last_initial:
        state, detail = MilestoneState.OVERDUE, f"Not agreed by session {last_initial}."
    elif n >= 1:
        state, detail = MilestoneState.DUE, f"Agree by session {last_initial}."
    else:
        state, detail = MilestoneState.NOT_YET, f"Agree by session {last_initial}."
    return Milestone(IPAF_AGREED, "IPAF agreed with the client", state, detail)


def _session_measures(facts: CourseFacts) -> Milestone:
    """Track PHQ-9 and GAD-7 at every attended session.

    Source: NHS Talking Therapies session-by-session monitoring: when a client stops
    coming, the last score stands for the end of treatment.
    """
    n = facts.attended
    missing = sorted(set(facts.sessions_missing_measures))
    if missing:
        sessions = "session" if len(missing) == 1 else "sessions"
        numbers = ", ".join(str(number) for number in missing)
        state, detail = MilestoneState.OVERDUE, f"Missing at {sessions} {numbers}."
    elif n == 0:
        state, detail = MilestoneState.NOT_YET, "From session 1."
    elif n == 1:
        state, detail = MilestoneState.DONE, "Recorded at session 1."
    else:
        state, detail = MilestoneState.DONE, f"Recorded at all {n} sessions."
    label = f"{PHQ9} and {GAD7} at every attended session"
    return Milestone(SESSION_MEASURES, label, state, detail)


def _letter_drafted(facts: CourseFacts) -> Milestone:
    """Track the goodbye letter drafted before its sharing session.

    The sharing session is configurable, by default the penultimate (docs/dit-course.md).
    """
    n, share = facts.attended, facts.share_session
    if facts.letter_drafted or facts.letter_shared:
        state, detail = MilestoneState.DONE, "Drafted."
    elif n >= share - 1:
        state, detail = MilestoneState.OVERDUE, f"Not drafted; it is shared in session {share}."
    elif n == share - 2:
        state, detail = MilestoneState.DUE, f"Draft before session {share}."
    else:
        state, detail = MilestoneState.NOT_YET, f"Draft before session {share}."
    return Milestone(LETTER_DRAFTED, "Goodbye letter drafted", state, detail)


def _letter_shared(facts: CourseFacts) -> Milestone:
    """Track the goodbye letter shared in its sharing session.

    The sharing session is configurable, by default the penultimate (docs/dit-course.md).
    """
    n, share = facts.attended, facts.share_session
    if facts.letter_shared:
        state, detail = MilestoneState.DONE, "Shared."
    elif n >= share:
        state, detail = MilestoneState.OVERDUE, f"Not shared in session {share}."
    elif n == share - 1:
        state, detail = MilestoneState.DUE, f"Share in session {share}."
    else:
        state, detail = MilestoneState.NOT_YET, f"Share in session {share}."
    return Milestone(LETTER_SHARED, "Goodbye letter shared", state, detail)


def _course_ended(facts: CourseFacts) -> Milestone:
    """Track the course ended with an end reason.

    Every ended course says why it ended, so that dropping out can be told from completing.
    """
    n, planned = facts.attended, facts.planned
    reason = facts.end_reason.strip()
    if facts.ended and reason:
        state, detail = MilestoneState.DONE, f"Ended: {reason}."
    elif facts.ended:
        state, detail = MilestoneState.OVERDUE, "Ended without an end reason."
    elif n >= planned:
        state, detail = MilestoneState.DUE, f"All {planned} planned sessions attended."
    else:
        state, detail = MilestoneState.NOT_YET, f"Ends after session {planned}."
    return Milestone(COURSE_ENDED, "Course ended with an end reason", state, detail)


def milestones(facts: CourseFacts) -> tuple[Milestone, ...]:
    """Return every milestone of the course with its state, in course order.

    The list and its sources are in docs/dit-course.md.
    """
    return (
        _relationship_review(facts),
        _ipaf_agreed(facts),
        _session_measures(facts),
        _letter_drafted(facts),
        _letter_shared(facts),
        _course_ended(facts),
    )


def overdue(facts: CourseFacts) -> tuple[Milestone, ...]:
    """Return just the overdue milestones, for the caseload."""
    return tuple(m for m in milestones(facts) if m.state is MilestoneState.OVERDUE)
