"""The caseload's "From supervision" section, written in Python, is its partial's markup."""

import datetime as dt
import re

import pytest
from django.template.loader import render_to_string

from patternwork.clinic import caseload_rows
from patternwork.supervision import selectors
from patternwork.supervision import services as supervision


def _words(html: str) -> list[str]:
    # The same markup, whatever the runs of whitespace between its parts.
    return re.split(r"\s+", str(html).strip())


@pytest.mark.parametrize("role", ["therapist", "supervisor"])
def test_the_supervision_section_is_its_partials_markup(
    request, role, therapist, supervisor, attended, cosigning, signed_note
):
    held = supervision.record_supervision(
        supervisor=supervisor,
        held_on=dt.date(2026, 4, 1),
        supervisees=[therapist],
        clients=[attended.course.client],
    )
    for client in (attended.course.client, None):
        supervision.add_action(
            session=held,
            owner=therapist,
            text='Bring the <draft> & "notes"',
            due_on=dt.date(2026, 4, 8),
            client=client,
            actor=supervisor,
        )
    member = request.getfixturevalue(role)
    actions = list(selectors.open_actions_listed(member))
    notes = list(selectors.notes_waiting_listed(member))
    assert notes
    assert len(actions) == (2 if role == "therapist" else 0)

    written = caseload_rows.supervision_section(
        actions, notes, show_therapist=role != "therapist", csrf_token="TOKEN"
    )
    partial = render_to_string(
        "clinic/supervision/partials/caseload_supervision.html",
        {
            "open_actions": actions,
            "waiting_cosign": notes,
            "membership": member,
            "csrf_token": "TOKEN",
        },
    )
    assert _words(written) == _words(partial)
    if actions:
        assert "&lt;draft&gt;" in written


def test_nothing_from_supervision_writes_nothing():
    assert caseload_rows.supervision_section([], [], show_therapist=False, csrf_token="x") == ""
