import pytest

from patternwork.treatment.plan import (
    COURSE_ENDED,
    IPAF_AGREED,
    LETTER_DRAFTED,
    LETTER_SESSION_INVALID,
    LETTER_SHARED,
    MISSING_MEASURES_INVALID,
    RELATIONSHIP_REVIEW,
    SESSION_MEASURES,
    CourseFacts,
    Milestone,
    MilestoneState,
    milestones,
    overdue,
)

NOT_YET = MilestoneState.NOT_YET
DUE = MilestoneState.DUE
OVERDUE = MilestoneState.OVERDUE
DONE = MilestoneState.DONE


def _milestone(key, **facts):
    facts = {"planned": 16, **facts}
    [found] = [m for m in milestones(CourseFacts(**facts)) if m.key == key]
    return found


def test_milestones_of_a_new_course():
    assert milestones(CourseFacts(planned=16, attended=0)) == (
        Milestone(
            RELATIONSHIP_REVIEW, "Relationship review under way", NOT_YET, "Starts in session 1."
        ),
        Milestone(IPAF_AGREED, "IPAF agreed with the client", NOT_YET, "Agree by session 4."),
        Milestone(
            SESSION_MEASURES,
            "PHQ-9 and GAD-7 at every attended session",
            NOT_YET,
            "From session 1.",
        ),
        Milestone(LETTER_DRAFTED, "Goodbye letter drafted", NOT_YET, "Draft before session 15."),
        Milestone(LETTER_SHARED, "Goodbye letter shared", NOT_YET, "Share in session 15."),
        Milestone(
            COURSE_ENDED, "Course ended with an end reason", NOT_YET, "Ends after session 16."
        ),
    )


def test_milestones_of_a_course_completed_well():
    facts = CourseFacts(
        planned=16,
        attended=16,
        relationships_reviewed=True,
        ipaf_agreed=True,
        letter_drafted=True,
        letter_shared=True,
        ended=True,
        end_reason="completed",
    )

    assert [(m.key, m.state, m.detail) for m in milestones(facts)] == [
        (RELATIONSHIP_REVIEW, DONE, "Under way."),
        (IPAF_AGREED, DONE, "Agreed."),
        (SESSION_MEASURES, DONE, "Recorded at all 16 sessions."),
        (LETTER_DRAFTED, DONE, "Drafted."),
        (LETTER_SHARED, DONE, "Shared."),
        (COURSE_ENDED, DONE, "Ended: completed."),
    ]
    assert overdue(facts) == ()


@pytest.mark.parametrize(
    ("attended", "reviewed", "state", "detail"),
    [
        (0, False, NOT_YET, "Starts in session 1."),
        (1, False, DUE, "Get it under way by session 2."),
        (2, False, OVERDUE, "Not under way after 2 sessions."),
        (9, False, OVERDUE, "Not under way after 9 sessions."),
        (0, True, DONE, "Under way."),
        (1, True, DONE, "Under way."),
        (12, True, DONE, "Under way."),
    ],
)
def test_relationship_review_states(attended, reviewed, state, detail):
    milestone = _milestone(RELATIONSHIP_REVIEW, attended=attended, relationships_reviewed=reviewed)

    assert (milestone.state, milestone.detail) == (state, detail)


@pytest.mark.parametrize(
    ("planned", "attended", "agreed", "state", "detail"),
    [
        (16, 0, False, NOT_YET, "Agree by session 4."),
        (16, 1, False, DUE, "Agree by session 4."),
        (16, 3, False, DUE, "Agree by session 4."),
        (16, 4, False, OVERDUE, "Not agreed by session 4."),
        (16, 10, False, OVERDUE, "Not agreed by session 4."),
        (16, 3, True, DONE, "Agreed."),
        (16, 4, True, DONE, "Agreed."),
        (10, 2, False, DUE, "Agree by session 3."),
        (10, 3, False, OVERDUE, "Not agreed by session 3."),
        (8, 1, False, DUE, "Agree by session 2."),
        (8, 2, False, OVERDUE, "Not agreed by session 2."),
        (18, 4, False, DUE, "Agree by session 5."),
        (18, 5, False, OVERDUE, "Not agreed by session 5."),
    ],
)
def test_ipaf_agreed_states(planned, attended, agreed, state, detail):
    milestone = _milestone(IPAF_AGREED, planned=planned, attended=attended, ipaf_agreed=agreed)

    assert (milestone.state, milestone.detail) == (state, detail)


@pytest.mark.parametrize(
    ("attended", "missing", "state", "detail"),
    [
        (0, (), NOT_YET, "From session 1."),
        (1, (), DONE, "Recorded at session 1."),
        (6, (), DONE, "Recorded at all 6 sessions."),
        (6, (2,), OVERDUE, "Missing at session 2."),
        (6, (6, 2, 2), OVERDUE, "Missing at sessions 2, 6."),
        (1, (1,), OVERDUE, "Missing at session 1."),
    ],
)
def test_session_measures_states(attended, missing, state, detail):
    milestone = _milestone(SESSION_MEASURES, attended=attended, sessions_missing_measures=missing)

    assert (milestone.state, milestone.detail) == (state, detail)


@pytest.mark.parametrize(
    ("facts", "state", "detail"),
    [
        ({"attended": 12}, NOT_YET, "Draft before session 15."),
        ({"attended": 13}, DUE, "Draft before session 15."),
        ({"attended": 14}, OVERDUE, "Not drafted; it is shared in session 15."),
        ({"attended": 16}, OVERDUE, "Not drafted; it is shared in session 15."),
        ({"attended": 13, "letter_drafted": True}, DONE, "Drafted."),
        ({"attended": 14, "letter_drafted": True}, DONE, "Drafted."),
        ({"attended": 15, "letter_shared": True}, DONE, "Drafted."),
        ({"attended": 13, "letter_share_session": 16}, NOT_YET, "Draft before session 16."),
        ({"attended": 14, "letter_share_session": 16}, DUE, "Draft before session 16."),
        (
            {"attended": 15, "letter_share_session": 16},
            OVERDUE,
            "Not drafted; it is shared in session 16.",
        ),
        ({"planned": 8, "attended": 5}, DUE, "Draft before session 7."),
        ({"planned": 8, "attended": 6}, OVERDUE, "Not drafted; it is shared in session 7."),
    ],
)
def test_letter_drafted_states(facts, state, detail):
    milestone = _milestone(LETTER_DRAFTED, **facts)

    assert (milestone.state, milestone.detail) == (state, detail)


@pytest.mark.parametrize(
    ("facts", "state", "detail"),
    [
        ({"attended": 13}, NOT_YET, "Share in session 15."),
        ({"attended": 14}, DUE, "Share in session 15."),
        ({"attended": 14, "letter_drafted": True}, DUE, "Share in session 15."),
        ({"attended": 15, "letter_drafted": True}, OVERDUE, "Not shared in session 15."),
        ({"attended": 16}, OVERDUE, "Not shared in session 15."),
        ({"attended": 15, "letter_shared": True}, DONE, "Shared."),
        ({"attended": 14, "letter_shared": True}, DONE, "Shared."),
        ({"attended": 10, "letter_share_session": 12}, NOT_YET, "Share in session 12."),
        ({"attended": 11, "letter_share_session": 12}, DUE, "Share in session 12."),
        ({"attended": 12, "letter_share_session": 12}, OVERDUE, "Not shared in session 12."),
        ({"attended": 15, "letter_share_session": 16}, DUE, "Share in session 16."),
    ],
)
def test_letter_shared_states(facts, state, detail):
    milestone = _milestone(LETTER_SHARED, **facts)

    assert (milestone.state, milestone.detail) == (state, detail)


@pytest.mark.parametrize(
    ("facts", "state", "detail"),
    [
        ({"attended": 0}, NOT_YET, "Ends after session 16."),
        ({"attended": 15}, NOT_YET, "Ends after session 16."),
        ({"attended": 16}, DUE, "All 16 planned sessions attended."),
        ({"attended": 18}, DUE, "All 16 planned sessions attended."),
        ({"attended": 16, "ended": True, "end_reason": "completed"}, DONE, "Ended: completed."),
        ({"attended": 5, "ended": True, "end_reason": "dropped out"}, DONE, "Ended: dropped out."),
        ({"attended": 16, "ended": True, "end_reason": "  completed "}, DONE, "Ended: completed."),
        ({"attended": 16, "ended": True}, OVERDUE, "Ended without an end reason."),
        (
            {"attended": 3, "ended": True, "end_reason": "   "},
            OVERDUE,
            "Ended without an end reason.",
        ),
        ({"attended": 16, "end_reason": "completed"}, DUE, "All 16 planned sessions attended."),
    ],
)
def test_course_ended_states(facts, state, detail):
    milestone = _milestone(COURSE_ENDED, **facts)

    assert (milestone.state, milestone.detail) == (state, detail)


def test_overdue_lists_only_overdue_milestones_in_course_order():
    facts = CourseFacts(
        planned=16,
        attended=16,
        relationships_reviewed=True,
        sessions_missing_measures=(7,),
        letter_drafted=True,
    )

    assert [(m.key, m.detail) for m in overdue(facts)] == [
        (IPAF_AGREED, "Not agreed by session 4."),
        (SESSION_MEASURES, "Missing at session 7."),
        (LETTER_SHARED, "Not shared in session 15."),
    ]


def test_overdue_on_track_mid_course_is_empty():
    facts = CourseFacts(planned=16, attended=8, relationships_reviewed=True, ipaf_agreed=True)

    assert overdue(facts) == ()


def test_course_facts_keeps_missing_sessions_as_a_tuple():
    facts = CourseFacts(planned=16, attended=4, sessions_missing_measures=[3, 1])

    assert facts.sessions_missing_measures == (3, 1)
    assert hash(facts) == hash(
        CourseFacts(planned=16, attended=4, sessions_missing_measures=(3, 1))
    )


def test_course_facts_defaults_letter_to_the_penultimate_session():
    assert [CourseFacts(planned=n, attended=0).share_session for n in (8, 16, 30)] == [7, 15, 29]


@pytest.mark.parametrize(
    ("facts", "message"),
    [
        ({"planned": 7, "attended": 0}, "Planned sessions must be"),
        ({"planned": 31, "attended": 0}, "Planned sessions must be"),
        ({"planned": 16, "attended": -1}, "Attended sessions must be"),
        ({"planned": 16, "attended": 3, "letter_share_session": 0}, LETTER_SESSION_INVALID),
        ({"planned": 16, "attended": 3, "letter_share_session": 17}, LETTER_SESSION_INVALID),
        (
            {"planned": 16, "attended": 3, "sessions_missing_measures": (0,)},
            MISSING_MEASURES_INVALID,
        ),
        (
            {"planned": 16, "attended": 3, "sessions_missing_measures": (4,)},
            MISSING_MEASURES_INVALID,
        ),
        (
            {"planned": 16, "attended": 0, "sessions_missing_measures": (1,)},
            MISSING_MEASURES_INVALID,
        ),
    ],
)
def test_course_facts_rejects_inconsistent_facts(facts, message):
    with pytest.raises(ValueError, match=message):
        CourseFacts(**facts)


def test_every_milestone_has_an_overdue_label():
    from patternwork.treatment.plan import OVERDUE_LABELS, CourseFacts, milestones

    keys = {m.key for m in milestones(CourseFacts(planned=16, attended=16))}

    assert keys == set(OVERDUE_LABELS)
    assert OVERDUE_LABELS["ipaf_agreed"] == "IPAF not agreed"
