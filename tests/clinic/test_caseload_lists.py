"""The caseload's and oversight's lists written in Python give their partials' markup."""

import re

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from patternwork.clinic import caseload_rows
from patternwork.measures.flag_selectors import open_flags_listed
from patternwork.measures.track_selectors import not_on_track_for
from tests.factories import RiskFlagFactory


def _words(html: str) -> list[str]:
    # The same markup, whatever the runs of whitespace between its parts.
    return re.split(r"\s+", str(html).strip())


@pytest.mark.parametrize("discussed", [False, True])
@pytest.mark.parametrize("role", ["therapist", "supervisor"])
def test_the_not_on_track_list_is_its_partials_markup(request, therapist, flagged, discussed, role):
    flagged.client.full_name = 'Jo "<b>" & Co'
    flagged.client.save()
    if discussed:
        flagged.discussed_at = timezone.now()
        flagged.save()
    member = request.getfixturevalue(role)
    rows = not_on_track_for(member)
    assert len(rows) == 1

    written = caseload_rows.not_on_track_list(rows, show_therapist=role != "therapist")
    partial = render_to_string(
        "clinic/partials/not_on_track_list.html", {"not_on_track": rows, "membership": member}
    )
    assert _words(written) == _words(partial)
    assert "&lt;b&gt;" in written
    assert ("Discussed in supervision on" in written) == discussed


def test_no_not_on_track_rows_write_nothing():
    assert caseload_rows.not_on_track_list([], show_therapist=True) == ""


@pytest.mark.parametrize("role", ["therapist", "supervisor"])
def test_the_risk_flag_list_is_its_partials_markup(request, therapist, role):
    for name, text in (("Amy <i>&</i>", "short"), ("Bo 'B'", "x" * 80)):
        RiskFlagFactory(
            response__appointment__course__client__practice=therapist.practice,
            response__appointment__course__client__therapist=therapist,
            response__appointment__course__client__full_name=name,
            item_text=text,
        )
    member = request.getfixturevalue(role)
    flags = list(open_flags_listed(member))
    assert len(flags) == 2

    written = caseload_rows.risk_flag_list(flags, show_therapist=role != "therapist")
    partial = render_to_string(
        "clinic/partials/risk_flags.html", {"flags": flags, "membership": member}
    )
    assert _words(written) == _words(partial)
    assert "&lt;i&gt;" in written


def test_no_risk_flags_write_nothing():
    assert caseload_rows.risk_flag_list([], show_therapist=False) == ""
