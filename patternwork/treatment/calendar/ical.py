"""Render appointments as an iCalendar (RFC 5545) feed or download.

Pure module: standard library only, no Django import. The feed is published with
METHOD:PUBLISH; cancelled appointments stay in it with STATUS:CANCELLED so that
subscribed calendar clients remove them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIME_ZONE = "Europe/London"
CRLF = "\r\n"
MAX_LINE_OCTETS = 75
DEFAULT_FILENAME_STEM = "calendar"
MAX_FILENAME_STEM_LENGTH = 60

NAIVE_DATETIME = "{field} must be an aware datetime (with tzinfo); naive datetimes are refused."
END_NOT_AFTER_START = "An event's end must be later than its start."
NEGATIVE_SEQUENCE = "An event's sequence must be zero or a positive integer."
BLANK_UID = "An event needs a non-blank UID."
UNKNOWN_STATUS = "An event's status must be CONFIRMED or CANCELLED."
BLANK_PRODUCT_ID = "A calendar needs a non-blank product id (PRODID)."
UNKNOWN_TIME_ZONE = "Unknown IANA time zone: {name!r}."
DUPLICATE_UID = "Two events share the UID {uid!r}; a feed holds one VEVENT per appointment."

# Sampling step for finding zone transitions. Two transitions closer together than this
# that cancel each other out would be missed; no IANA zone has two that close since 1970.
_SCAN_STEP_SECONDS = 6 * 3600
# Far enough back to find the transition in force at the start of a zone with yearly DST.
_LOOKBACK_SECONDS = 400 * 86400

# TEXT may not hold control characters other than HTAB (RFC 5545 section 3.3.11).
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_PARAMETER_NEEDS_QUOTES = re.compile(r"[:;,]")
_WINDOWS_RESERVED_STEMS = frozenset(
    {"con", "prn", "aux", "nul"}
    | {f"com{n}" for n in range(1, 10)}
    | {f"lpt{n}" for n in range(1, 10)}
)


class EventStatus(StrEnum):
    CONFIRMED = "CONFIRMED"
    CANCELLED = "CANCELLED"


@dataclass(frozen=True)
class CalendarEvent:
    """One appointment as a VEVENT; all datetimes must be aware."""

    uid: str
    start: datetime
    end: datetime
    summary: str
    dtstamp: datetime
    created: datetime
    last_modified: datetime
    sequence: int = 0
    status: EventStatus = EventStatus.CONFIRMED
    description: str | None = None
    location: str | None = None

    def __post_init__(self) -> None:
        for field in ("start", "end", "dtstamp", "created", "last_modified"):
            if not _is_aware(getattr(self, field)):
                raise ValueError(NAIVE_DATETIME.format(field=field))
        if not self.uid.strip():
            raise ValueError(BLANK_UID)
        if self.end <= self.start:
            raise ValueError(END_NOT_AFTER_START)
        if self.sequence < 0:
            raise ValueError(NEGATIVE_SEQUENCE)
        try:
            status = EventStatus(self.status)
        except ValueError:
            raise ValueError(UNKNOWN_STATUS) from None
        # Accepting the plain string "CANCELLED" is convenient for callers; store the enum.
        object.__setattr__(self, "status", status)


@dataclass(frozen=True)
class _ZoneState:
    offset: timedelta
    dst: timedelta
    name: str


@dataclass(frozen=True)
class _Observance:
    onset: int
    before: _ZoneState
    after: _ZoneState


def render_calendar(
    *,
    name: str,
    product_id: str,
    events: Iterable[CalendarEvent],
    time_zone: str = DEFAULT_TIME_ZONE,
) -> str:
    """Render events as an iCalendar object with CRLF line endings (RFC 5545)."""
    if not product_id.strip():
        raise ValueError(BLANK_PRODUCT_ID)
    zone = _load_zone(time_zone)
    ordered = sorted(events, key=lambda event: (event.start, event.uid))
    _refuse_duplicate_uids(ordered)

    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        _content_line("PRODID", escape_text(product_id)),
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        _content_line("X-WR-CALNAME", escape_text(name)),
        _content_line("X-WR-TIMEZONE", escape_text(time_zone)),
    ]
    # A VTIMEZONE is only required where a TZID is referenced (RFC 5545 section 3.6.5).
    if ordered:
        first_year = min(event.start.astimezone(zone).year for event in ordered)
        last_year = max(event.end.astimezone(zone).year for event in ordered)
        lines += _vtimezone_lines(zone, time_zone, first_year, last_year)
    for event in ordered:
        lines += _vevent_lines(event, zone, time_zone)
    lines.append("END:VCALENDAR")
    return "".join(fold_line(line) + CRLF for line in lines)


def ics_filename(name: str) -> str:
    """Return a safe ASCII download filename ending in .ics for a calendar name."""
    stem = re.sub(r"\.ics$", "", name.strip(), flags=re.IGNORECASE)
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    # Apostrophes join words ("Smith's"), so they are dropped rather than turned into "-".
    ascii_stem = re.sub(r"['`]", "", ascii_stem.lower())
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_stem).strip("-")
    slug = slug[:MAX_FILENAME_STEM_LENGTH].rstrip("-")
    if not slug:
        slug = DEFAULT_FILENAME_STEM
    # Windows refuses these device names even with an extension.
    if slug in _WINDOWS_RESERVED_STEMS:
        slug = f"{slug}-{DEFAULT_FILENAME_STEM}"
    return f"{slug}.ics"


def escape_text(value: str) -> str:
    """Escape a TEXT value: backslash, semicolon, comma and line breaks (RFC 5545 3.3.11)."""
    value = _CONTROL_CHARACTERS.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold_line(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character (RFC 5545 3.1)."""
    if len(line.encode("utf-8")) <= MAX_LINE_OCTETS:
        return line
    physical: list[str] = []
    current: list[str] = []
    size = 0
    for character in line:
        octets = len(character.encode("utf-8"))
        if size + octets > MAX_LINE_OCTETS:
            physical.append("".join(current))
            # The leading space of a continuation line counts towards its 75 octets.
            current = [" "]
            size = 1
        current.append(character)
        size += octets
    physical.append("".join(current))
    return CRLF.join(physical)


def _is_aware(value: datetime) -> bool:
    return value.tzinfo is not None and value.utcoffset() is not None


def _load_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    # A directory ("Europe") or a non-zone file in the tz database surfaces as OSError.
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(UNKNOWN_TIME_ZONE.format(name=name)) from None


def _refuse_duplicate_uids(events: Sequence[CalendarEvent]) -> None:
    seen: set[str] = set()
    for event in events:
        if event.uid in seen:
            raise ValueError(DUPLICATE_UID.format(uid=event.uid))
        seen.add(event.uid)


def _content_line(name: str, value: str, **parameters: str) -> str:
    rendered = "".join(
        f";{key}={_parameter_value(parameter)}" for key, parameter in parameters.items()
    )
    return f"{name}{rendered}:{value}"


def _parameter_value(value: str) -> str:
    if _PARAMETER_NEEDS_QUOTES.search(value):
        return f'"{value}"'
    return value


def _vevent_lines(event: CalendarEvent, zone: ZoneInfo, tzid: str) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        _content_line("UID", escape_text(event.uid)),
        _content_line("DTSTAMP", _utc_value(event.dtstamp)),
        _zoned_line("DTSTART", event.start, zone, tzid),
        _zoned_line("DTEND", event.end, zone, tzid),
        f"SEQUENCE:{event.sequence}",
        f"STATUS:{event.status}",
        _content_line("SUMMARY", escape_text(event.summary)),
    ]
    if event.description:
        lines.append(_content_line("DESCRIPTION", escape_text(event.description)))
    if event.location:
        lines.append(_content_line("LOCATION", escape_text(event.location)))
    lines += [
        _content_line("CREATED", _utc_value(event.created)),
        _content_line("LAST-MODIFIED", _utc_value(event.last_modified)),
        "END:VEVENT",
    ]
    return lines


def _zoned_line(name: str, value: datetime, zone: ZoneInfo, tzid: str) -> str:
    instant = value.astimezone(UTC).replace(microsecond=0)
    local = instant.astimezone(zone)
    # A local time repeated when clocks go back means its first occurrence
    # (RFC 5545 section 3.3.5), so the second one can only be written in UTC.
    if local.replace(fold=0).astimezone(UTC) != instant:
        return _content_line(name, _utc_value(instant))
    return _content_line(name, _local_value(local), TZID=tzid)


def _utc_value(value: datetime) -> str:
    return _local_value(value.astimezone(UTC)) + "Z"


def _local_value(value: datetime) -> str:
    return (
        f"{value.year:04d}{value.month:02d}{value.day:02d}"
        f"T{value.hour:02d}{value.minute:02d}{value.second:02d}"
    )


def _vtimezone_lines(zone: ZoneInfo, tzid: str, first_year: int, last_year: int) -> list[str]:
    return list(_vtimezone_block(zone, tzid, first_year, last_year))


# A zone's block for a span of years never changes while the process runs, and finding
# its transitions scans the span second by second in halves: every feed a therapist's
# calendar polls would otherwise repeat it. Keyed by the zone object, which ZoneInfo
# keeps one of per name (a zone made another way is its own key).
@lru_cache(maxsize=256)
def _vtimezone_block(zone: ZoneInfo, tzid: str, first_year: int, last_year: int) -> tuple[str, ...]:
    lines = ["BEGIN:VTIMEZONE", _content_line("TZID", escape_text(tzid))]
    for observance in _observances(zone, first_year, last_year):
        kind = "DAYLIGHT" if observance.after.dst else "STANDARD"
        onset_local = (
            datetime.fromtimestamp(observance.onset, UTC).replace(tzinfo=None)
            + observance.before.offset
        )
        lines += [
            f"BEGIN:{kind}",
            # The onset is written in the local time in force before it (RFC 5545 3.6.5).
            f"DTSTART:{_local_value(onset_local)}",
            f"TZOFFSETFROM:{_utc_offset_value(observance.before.offset)}",
            f"TZOFFSETTO:{_utc_offset_value(observance.after.offset)}",
            _content_line("TZNAME", escape_text(observance.after.name)),
            f"END:{kind}",
        ]
    lines.append("END:VTIMEZONE")
    return tuple(lines)


def _observances(zone: ZoneInfo, first_year: int, last_year: int) -> list[_Observance]:
    span_start = int(datetime(first_year, 1, 1, tzinfo=zone).timestamp())
    span_end = int(datetime(last_year + 1, 1, 1, tzinfo=zone).timestamp())
    found = _transitions(zone, span_start - _LOOKBACK_SECONDS, span_end)
    earlier = [observance for observance in found if observance.onset <= span_start]
    within = [observance for observance in found if observance.onset > span_start]
    if earlier:
        return [earlier[-1], *within]
    # With no transition in the last year (no DST, e.g. UTC or Asia/Kolkata), one
    # observance from the start of the span states the offset in force throughout it.
    state = _zone_state(zone, span_start)
    return [_Observance(onset=span_start, before=state, after=state), *within]


def _transitions(zone: ZoneInfo, start: int, end: int) -> list[_Observance]:
    found: list[_Observance] = []
    low, low_state = start, _zone_state(zone, start)
    while low < end:
        high = min(low + _SCAN_STEP_SECONDS, end)
        high_state = _zone_state(zone, high)
        while low_state != high_state:
            onset = _first_change(zone, low, low_state, high)
            onset_state = _zone_state(zone, onset)
            found.append(_Observance(onset=onset, before=low_state, after=onset_state))
            low, low_state = onset, onset_state
        low, low_state = high, high_state
    return found


def _first_change(zone: ZoneInfo, low: int, low_state: _ZoneState, high: int) -> int:
    while high - low > 1:
        middle = (low + high) // 2
        if _zone_state(zone, middle) == low_state:
            low = middle
        else:
            high = middle
    return high


def _zone_state(zone: ZoneInfo, timestamp: int) -> _ZoneState:
    local = datetime.fromtimestamp(timestamp, zone)
    return _ZoneState(
        offset=local.utcoffset() or timedelta(0),
        dst=local.dst() or timedelta(0),
        name=local.tzname() or "",
    )


def _utc_offset_value(offset: timedelta) -> str:
    total = int(offset.total_seconds())
    # RFC 5545 3.3.14 forbids "-0000", so a zero offset is always "+0000".
    sign = "-" if total < 0 else "+"
    hours, remainder = divmod(abs(total), 3600)
    minutes, seconds = divmod(remainder, 60)
    value = f"{sign}{hours:02d}{minutes:02d}"
    return f"{value}{seconds:02d}" if seconds else value
