from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from patternwork.treatment.calendar.ical import (
    BLANK_PRODUCT_ID,
    BLANK_UID,
    DUPLICATE_UID,
    END_NOT_AFTER_START,
    NAIVE_DATETIME,
    NEGATIVE_SEQUENCE,
    UNKNOWN_STATUS,
    UNKNOWN_TIME_ZONE,
    CalendarEvent,
    EventStatus,
    escape_text,
    fold_line,
    ics_filename,
    render_calendar,
)

LONDON = ZoneInfo("Europe/London")
STAMP = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)
PRODUCT_ID = "-//Patternwork//Patternwork//EN"


def _event(
    uid: str = "0b6c1e1e-0000-4000-8000-000000000001@patternwork",
    start: datetime = datetime(2025, 10, 13, 10, 0, tzinfo=LONDON),
    minutes: int = 50,
    **overrides: object,
) -> CalendarEvent:
    fields: dict[str, object] = {
        "uid": uid,
        "start": start,
        "end": start + timedelta(minutes=minutes),
        "summary": "DIT session",
        "dtstamp": STAMP,
        "created": STAMP,
        "last_modified": STAMP,
    }
    fields.update(overrides)
    return CalendarEvent(**fields)  # type: ignore[arg-type]


def _weekly(first: datetime, weeks: int) -> list[CalendarEvent]:
    # Adding timedelta to an aware datetime keeps the wall time, so each is 10:00 local.
    return [
        _event(uid=f"session-{week:02d}@patternwork", start=first + timedelta(weeks=week))
        for week in range(weeks)
    ]


def _render(events: list[CalendarEvent], time_zone: str = "Europe/London") -> str:
    return render_calendar(
        name="Appointments", product_id=PRODUCT_ID, events=events, time_zone=time_zone
    )


def _parse(text: str) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(text)


def _vevents(text: str) -> list[icalendar.Event]:
    return _parse(text).walk("VEVENT")


def _unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def _raw(value: object) -> str:
    # icalendar's to_ical() returns bytes for most value types but str for UTC offsets.
    raw = value.to_ical()  # type: ignore[attr-defined]
    return raw.decode() if isinstance(raw, bytes) else raw


def _observances(text: str) -> list[tuple[str, str, str, str, str]]:
    vtimezone = _parse(text).walk("VTIMEZONE")[0]
    return [
        (
            component.name,
            _raw(component["DTSTART"]),
            _raw(component["TZOFFSETFROM"]),
            _raw(component["TZOFFSETTO"]),
            str(component["TZNAME"]),
        )
        for component in vtimezone.subcomponents
    ]


@pytest.mark.parametrize(
    ("first", "expected_utc_hours"),
    [
        # Clocks go back on Sunday 26 October 2025: BST (UTC+1) to GMT.
        (datetime(2025, 10, 13, 10, 0, tzinfo=LONDON), [9, 9, 10, 10]),
        # Clocks go forward on Sunday 29 March 2026: GMT to BST.
        (datetime(2026, 3, 16, 10, 0, tzinfo=LONDON), [10, 10, 9, 9]),
    ],
)
def test_render_calendar_weekly_london_appointments_stay_at_ten_across_dst_change(
    first: datetime, expected_utc_hours: list[int]
) -> None:
    events = _weekly(first, 4)

    text = _render(events)
    parsed = _vevents(text)

    assert [event.decoded("DTSTART") for event in parsed] == [event.start for event in events]
    assert [event.decoded("DTEND") for event in parsed] == [event.end for event in events]
    assert [event.decoded("DTSTART").astimezone(UTC).hour for event in parsed] == (
        expected_utc_hours
    )
    assert [line for line in _unfold(text) if line.startswith("DTSTART;")] == [
        f"DTSTART;TZID=Europe/London:{event.start:%Y%m%d}T100000" for event in events
    ]


@pytest.mark.parametrize(
    "first",
    [
        datetime(2025, 10, 13, 10, 0, tzinfo=LONDON),
        datetime(2026, 3, 16, 10, 0, tzinfo=LONDON),
        datetime(2025, 12, 15, 10, 0, tzinfo=LONDON),
    ],
)
def test_render_calendar_vtimezone_alone_resolves_local_times_to_the_input_instants(
    first: datetime,
) -> None:
    events = _weekly(first, 4)
    text = _render(events)
    # lookup_tzid=False makes dateutil build the zone from the VTIMEZONE, not from tzdata.
    vtimezone_tz = _parse(text).walk("VTIMEZONE")[0].to_tz(lookup_tzid=False)

    resolved = [
        datetime.strptime(event["DTSTART"].to_ical().decode(), "%Y%m%dT%H%M%S").replace(
            tzinfo=vtimezone_tz
        )
        for event in _vevents(text)
    ]

    assert [instant.astimezone(UTC) for instant in resolved] == [
        event.start.astimezone(UTC) for event in events
    ]


def test_render_calendar_vtimezone_lists_each_london_transition_of_the_year() -> None:
    text = _render([_event(start=datetime(2025, 6, 2, 10, 0, tzinfo=LONDON))])

    assert _observances(text) == [
        ("STANDARD", "20241027T020000", "+0100", "+0000", "GMT"),
        ("DAYLIGHT", "20250330T010000", "+0000", "+0100", "BST"),
        ("STANDARD", "20251026T020000", "+0100", "+0000", "GMT"),
    ]


def test_render_calendar_vtimezone_covers_both_years_of_events_across_new_year() -> None:
    events = _weekly(datetime(2025, 12, 15, 10, 0, tzinfo=LONDON), 4)

    text = _render(events)

    assert _observances(text) == [
        ("STANDARD", "20241027T020000", "+0100", "+0000", "GMT"),
        ("DAYLIGHT", "20250330T010000", "+0000", "+0100", "BST"),
        ("STANDARD", "20251026T020000", "+0100", "+0000", "GMT"),
        ("DAYLIGHT", "20260329T010000", "+0000", "+0100", "BST"),
        ("STANDARD", "20261025T020000", "+0100", "+0000", "GMT"),
    ]
    assert [event.decoded("DTSTART") for event in _vevents(text)] == [
        event.start for event in events
    ]


@pytest.mark.parametrize(
    "time_zone",
    ["Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"],
)
def test_render_calendar_vtimezone_offsets_match_zoneinfo_throughout_the_span(
    time_zone: str,
) -> None:
    zone = ZoneInfo(time_zone)
    events = [
        _event(uid="first@patternwork", start=datetime(2025, 1, 6, 10, 0, tzinfo=zone)),
        _event(uid="last@patternwork", start=datetime(2026, 12, 28, 10, 0, tzinfo=zone)),
    ]
    vtimezone_tz = _parse(_render(events, time_zone)).walk("VTIMEZONE")[0].to_tz(lookup_tzid=False)
    span_start = datetime(2025, 1, 1, tzinfo=zone).astimezone(UTC)
    instants = [span_start + timedelta(hours=3 * step) for step in range(2 * 366 * 8)]

    mismatches = [
        instant
        for instant in instants
        if instant.astimezone(vtimezone_tz).utcoffset() != instant.astimezone(zone).utcoffset()
    ]

    assert mismatches == []


@pytest.mark.parametrize(
    ("time_zone", "local_start", "expected_observances"),
    [
        ("UTC", "20250602T100000", [("STANDARD", "20250101T000000", "+0000", "+0000", "UTC")]),
        (
            "Asia/Kolkata",
            "20250602T100000",
            [("STANDARD", "20250101T000000", "+0530", "+0530", "IST")],
        ),
    ],
)
def test_render_calendar_zone_without_dst_gets_one_fixed_standard_observance(
    time_zone: str, local_start: str, expected_observances: list[tuple[str, ...]]
) -> None:
    event = _event(start=datetime(2025, 6, 2, 10, 0, tzinfo=ZoneInfo(time_zone)))

    text = _render([event], time_zone)
    parsed = _vevents(text)[0]

    assert _observances(text) == expected_observances
    assert f"DTSTART;TZID={time_zone}:{local_start}" in _unfold(text)
    assert (parsed.decoded("DTSTART"), parsed.decoded("DTEND")) == (event.start, event.end)


def test_render_calendar_writes_start_in_the_practice_zone_whatever_the_input_zone() -> None:
    event = _event(start=datetime(2025, 7, 7, 9, 0, tzinfo=UTC))

    parsed = _vevents(_render([event]))[0]

    assert (parsed["DTSTART"].to_ical().decode(), parsed["DTEND"].to_ical().decode()) == (
        "20250707T100000",
        "20250707T105000",
    )
    assert parsed.decoded("DTSTART") == event.start


@pytest.mark.parametrize(
    ("start", "expected_line"),
    [
        (
            datetime(2025, 10, 26, 1, 30, tzinfo=LONDON, fold=0),
            "DTSTART;TZID=Europe/London:20251026T013000",
        ),
        # The second 01:30 cannot be written with TZID: clients read the first one.
        (datetime(2025, 10, 26, 1, 30, tzinfo=LONDON, fold=1), "DTSTART:20251026T013000Z"),
    ],
)
def test_render_calendar_repeated_local_hour_keeps_the_exact_instant(
    start: datetime, expected_line: str
) -> None:
    event = _event(start=start, minutes=15)

    text = _render([event])

    assert expected_line in _unfold(text)
    # Equality across zones is always False for a time in the fold (PEP 495), hence UTC.
    assert _vevents(text)[0].decoded("DTSTART").astimezone(UTC) == start.astimezone(UTC)


def test_render_calendar_whole_output_for_one_event() -> None:
    event = _event(
        uid="abc@patternwork",
        start=datetime(2025, 7, 7, 10, 0, tzinfo=LONDON),
        dtstamp=datetime(2025, 7, 1, 12, 30, 15, 999, tzinfo=LONDON),
        created=datetime(2025, 6, 1, 9, 0, tzinfo=UTC),
        last_modified=datetime(2025, 6, 2, 9, 0, tzinfo=UTC),
        description="Bring the relationship map",
        location="Room 2",
    )

    text = render_calendar(
        name="Dr Ada's clients", product_id=PRODUCT_ID, events=[event], time_zone="UTC"
    )

    assert text == (
        "BEGIN:VCALENDAR\r\n"
        "VERSION:2.0\r\n"
        "PRODID:-//Patternwork//Patternwork//EN\r\n"
        "CALSCALE:GREGORIAN\r\n"
        "METHOD:PUBLISH\r\n"
        "X-WR-CALNAME:Dr Ada's clients\r\n"
        "X-WR-TIMEZONE:UTC\r\n"
        "BEGIN:VTIMEZONE\r\n"
        "TZID:UTC\r\n"
        "BEGIN:STANDARD\r\n"
        "DTSTART:20250101T000000\r\n"
        "TZOFFSETFROM:+0000\r\n"
        "TZOFFSETTO:+0000\r\n"
        "TZNAME:UTC\r\n"
        "END:STANDARD\r\n"
        "END:VTIMEZONE\r\n"
        "BEGIN:VEVENT\r\n"
        "UID:abc@patternwork\r\n"
        "DTSTAMP:20250701T113015Z\r\n"
        "DTSTART;TZID=UTC:20250707T090000\r\n"
        "DTEND;TZID=UTC:20250707T095000\r\n"
        "SEQUENCE:0\r\n"
        "STATUS:CONFIRMED\r\n"
        "SUMMARY:DIT session\r\n"
        "DESCRIPTION:Bring the relationship map\r\n"
        "LOCATION:Room 2\r\n"
        "CREATED:20250601T090000Z\r\n"
        "LAST-MODIFIED:20250602T090000Z\r\n"
        "END:VEVENT\r\n"
        "END:VCALENDAR\r\n"
    )


def test_render_calendar_without_events_has_no_vtimezone() -> None:
    text = _render([])

    assert _unfold(text) == [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODUCT_ID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Appointments",
        "X-WR-TIMEZONE:Europe/London",
        "END:VCALENDAR",
    ]


def test_render_calendar_parsed_events_keep_uid_sequence_status_and_times() -> None:
    events = [
        _event(uid="a@patternwork", sequence=2),
        _event(
            uid="b@patternwork",
            start=datetime(2025, 10, 20, 10, 0, tzinfo=LONDON),
            status=EventStatus.CANCELLED,
        ),
    ]

    parsed = _vevents(_render(events))

    assert [
        (
            str(event["UID"]),
            event["SEQUENCE"],
            str(event["STATUS"]),
            event.decoded("DTSTART"),
            event.decoded("DTEND"),
            event.decoded("DTSTAMP"),
        )
        for event in parsed
    ] == [
        (source.uid, source.sequence, str(source.status), source.start, source.end, STAMP)
        for source in events
    ]


def test_render_calendar_keeps_cancelled_event_with_cancelled_status() -> None:
    cancelled = _event(uid="gone@patternwork", sequence=1, status="CANCELLED")

    parsed = _vevents(_render([cancelled]))

    assert [(str(event["UID"]), str(event["STATUS"]), event["SEQUENCE"]) for event in parsed] == [
        ("gone@patternwork", "CANCELLED", 1)
    ]
    assert cancelled.status is EventStatus.CANCELLED


def test_render_calendar_moved_event_keeps_uid_with_higher_sequence() -> None:
    original = _event(uid="moved@patternwork", sequence=0)
    moved = _event(
        uid="moved@patternwork",
        start=datetime(2025, 10, 15, 14, 0, tzinfo=LONDON),
        sequence=1,
        last_modified=STAMP + timedelta(days=3),
    )

    before = _vevents(_render([original]))[0]
    after = _vevents(_render([moved]))[0]

    assert (str(before["UID"]), before["SEQUENCE"], before.decoded("DTSTART")) == (
        "moved@patternwork",
        0,
        original.start,
    )
    assert (str(after["UID"]), after["SEQUENCE"], after.decoded("DTSTART")) == (
        "moved@patternwork",
        1,
        moved.start,
    )
    assert after.decoded("LAST-MODIFIED") == STAMP + timedelta(days=3)


def test_render_calendar_orders_events_by_start_then_uid_whatever_the_input_order() -> None:
    early = datetime(2025, 10, 13, 10, 0, tzinfo=LONDON)
    late = datetime(2025, 10, 20, 10, 0, tzinfo=LONDON)
    events = [
        _event(uid="c@patternwork", start=late),
        _event(uid="b@patternwork", start=early),
        _event(uid="a@patternwork", start=early.astimezone(UTC)),
    ]

    text = _render(events)

    assert [str(event["UID"]) for event in _vevents(text)] == [
        "a@patternwork",
        "b@patternwork",
        "c@patternwork",
    ]
    assert _render(list(reversed(events))) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain", "plain"),
        ("a;b", "a\\;b"),
        ("a,b", "a\\,b"),
        ("a\\b", "a\\\\b"),
        ("one\ntwo", "one\\ntwo"),
        ("one\r\ntwo\rthree", "one\\ntwo\\nthree"),
        ("tab\tstays", "tab\tstays"),
        ("bell\x07 and nul\x00 go", "bell and nul go"),
        ("a: colon", "a: colon"),
        ('"quoted"', '"quoted"'),
    ],
)
def test_escape_text_escapes_rfc5545_specials(text: str, expected: str) -> None:
    assert escape_text(text) == expected


@pytest.mark.parametrize(
    "summary",
    [
        "Session 3; review, IPAF \\ notes",
        "First line\nsecond line",
        "Συνεδρία με τον θεραπευτή",
        "جلسة العلاج النفسي",
        "Session 🎉🧠 done 👩🏽‍⚕️",
    ],
)
def test_render_calendar_summary_and_description_survive_parsing(summary: str) -> None:
    event = _event(summary=summary, description=f"{summary}\n{summary}", location=summary)

    parsed = _vevents(_render([event]))[0]

    assert (str(parsed["SUMMARY"]), str(parsed["DESCRIPTION"]), str(parsed["LOCATION"])) == (
        summary,
        f"{summary}\n{summary}",
        summary,
    )


def test_render_calendar_escapes_summary_line_exactly() -> None:
    event = _event(summary="Session 3; review, map \\ notes\nthen letter")

    assert "SUMMARY:Session 3\\; review\\, map \\\\ notes\\nthen letter" in _unfold(
        _render([event])
    )


def test_render_calendar_omits_absent_description_and_location() -> None:
    names = {line.split(":")[0] for line in _unfold(_render([_event()]))}

    assert {"DESCRIPTION", "LOCATION"} & names == set()


def test_render_calendar_folds_long_multibyte_lines_without_splitting_characters() -> None:
    description = "Σημειώσεις συνεδρίας, ملاحظات الجلسة; 🎉 notes " * 12
    text = _render([_event(description=description)])
    physical = text.split("\r\n")[:-1]

    assert max(len(line.encode("utf-8")) for line in physical) == 75
    assert all(line.encode("utf-8").decode("utf-8") == line for line in physical)
    assert f"DESCRIPTION:{escape_text(description)}" in _unfold(text)
    assert str(_vevents(text)[0]["DESCRIPTION"]) == description


def test_render_calendar_uses_crlf_line_endings_only() -> None:
    text = _render(_weekly(datetime(2025, 10, 13, 10, 0, tzinfo=LONDON), 3))

    assert text.endswith("END:VCALENDAR\r\n")
    assert re.findall(r"\r(?!\n)|(?<!\r)\n", text) == []


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("A" * 75, "A" * 75),
        ("A" * 76, "A" * 75 + "\r\n A"),
        ("A" * 75 + "B" * 74 + "C", "A" * 75 + "\r\n " + "B" * 74 + "\r\n C"),
        # The 4-octet emoji would end at octet 77, so it moves whole to the next line.
        ("A" * 73 + "🎉" + "B", "A" * 73 + "\r\n 🎉B"),
        ("é" * 38, "é" * 37 + "\r\n é"),
    ],
)
def test_fold_line_splits_at_75_octets_on_character_boundaries(line: str, expected: str) -> None:
    assert fold_line(line) == expected


@given(st.text(alphabet=st.characters(blacklist_characters="\r\n"), max_size=400))
def test_fold_line_unfolds_to_the_original_with_short_lines(line: str) -> None:
    folded = fold_line(line)
    physical = folded.split("\r\n")

    assert folded.replace("\r\n ", "") == line
    assert all(len(part.encode("utf-8")) <= 75 for part in physical)
    assert all(part.startswith(" ") for part in physical[1:])


@given(
    st.text(
        alphabet=st.characters(blacklist_categories=("Cc", "Cs"), whitelist_characters="\n\t"),
        max_size=200,
    )
)
def test_render_calendar_summary_round_trips_through_icalendar(summary: str) -> None:
    parsed = _vevents(_render([_event(summary=summary)]))[0]

    assert str(parsed["SUMMARY"]) == summary


@pytest.mark.parametrize("field", ["start", "end", "dtstamp", "created", "last_modified"])
def test_calendar_event_refuses_naive_datetime(field: str) -> None:
    naive = {"start": datetime(2025, 10, 13, 10, 0), "end": datetime(2025, 10, 13, 10, 50)}
    values = {
        "start": datetime(2025, 10, 13, 10, 0, tzinfo=LONDON),
        "end": datetime(2025, 10, 13, 10, 50, tzinfo=LONDON),
        "dtstamp": STAMP,
        "created": STAMP,
        "last_modified": STAMP,
    }
    values[field] = naive.get(field, datetime(2025, 9, 1, 8, 0))

    with pytest.raises(ValueError, match=r"naive datetimes are refused") as error:
        CalendarEvent(uid="x@patternwork", summary="DIT session", **values)  # type: ignore[arg-type]

    assert str(error.value) == NAIVE_DATETIME.format(field=field)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"minutes": 0}, END_NOT_AFTER_START),
        ({"minutes": -50}, END_NOT_AFTER_START),
        ({"sequence": -1}, NEGATIVE_SEQUENCE),
        ({"uid": "  "}, BLANK_UID),
        ({"status": "TENTATIVE"}, UNKNOWN_STATUS),
    ],
)
def test_calendar_event_refuses_invalid_values(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)) as error:
        _event(**overrides)  # type: ignore[arg-type]

    assert str(error.value) == message


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"product_id": " "}, BLANK_PRODUCT_ID),
        ({"time_zone": "Mars/Olympus_Mons"}, UNKNOWN_TIME_ZONE.format(name="Mars/Olympus_Mons")),
        ({"time_zone": "../etc/passwd"}, UNKNOWN_TIME_ZONE.format(name="../etc/passwd")),
        ({"time_zone": "Europe"}, UNKNOWN_TIME_ZONE.format(name="Europe")),
        ({"time_zone": "zone.tab"}, UNKNOWN_TIME_ZONE.format(name="zone.tab")),
        ({"events": [_event(), _event()]}, DUPLICATE_UID.format(uid=_event().uid)),
    ],
)
def test_render_calendar_refuses_invalid_input(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {"name": "Appointments", "product_id": PRODUCT_ID, "events": []}
    arguments.update(kwargs)

    with pytest.raises(ValueError, match=re.escape(message)) as error:
        render_calendar(**arguments)  # type: ignore[arg-type]

    assert str(error.value) == message


def test_render_calendar_drops_sub_second_precision() -> None:
    event = _event(start=datetime(2025, 10, 13, 10, 0, 0, 999_999, tzinfo=LONDON))

    parsed = _vevents(_render([event]))[0]

    assert parsed.decoded("DTSTART") == datetime(2025, 10, 13, 10, 0, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Dr Ada Smith's appointments", "dr-ada-smiths-appointments.ics"),
        ("appointments.ICS", "appointments.ics"),
        ("Zoë Brontë / Café", "zoe-bronte-cafe.ics"),
        ("Συνεδρίες", "calendar.ics"),
        ("", "calendar.ics"),
        ("../../etc/passwd", "etc-passwd.ics"),
        ('a"b;c\r\nd', "a-b-c-d.ics"),
        ("CON", "con-calendar.ics"),
        ("x" * 100, "x" * 60 + ".ics"),
        ("a" * 59 + " b", "a" * 59 + ".ics"),
    ],
)
def test_ics_filename_is_safe_ascii(name: str, expected: str) -> None:
    assert ics_filename(name) == expected
