"""Lay out a client's relationship map as an SVG picture (pure Python, no Django).

The result is a description in a fixed square viewBox (coordinates, texts to show, classes)
that a template draws; nothing here knows about requests, models or translation, so words
such as the era names are left to the template.

How the picture reads:
- The client is at the centre. Four sectors, one per era, run clockwise from nine o'clock
  like the hands of a clock: childhood (top left), adolescence (top right), adult life in
  the past (bottom right), current (bottom left). Current people sit next to childhood
  ones, where DIT looks for the pattern recurring.
- Distance from the centre follows closeness, across the whole picture: anyone closer
  (5 is closest) is strictly nearer the centre than anyone less close. People of one
  closeness sit on one or more arcs; each closeness starts at its own radius
  (NOMINAL_RADIUS) while there is room, and the radii are drawn in when it is crowded.
- Along an arc, people are spread evenly and ordered clockwise by name; the whole arc
  slides along the sector, or moves a little outwards, where that keeps its lines off
  other people's names. Each person takes a box (circle, name and the small lines under
  it) that overlaps no other box, no sector name, the client and no other sector, so no
  two labels overlap and no two people are nearer each other than MIN_DISTANCE.
- Each person is numbered in the order of the table beside the picture (era, then
  closeness, then name); the number is written in their circle.
- A line joins the client to each person: thicker and more broken as conflict rises,
  and from conflict 2 the number is written under the name ("not by style alone").
- Someone who died, is out of contact, or whose contact is not known is drawn hollow
  (with a double ring, a plain ring and a dotted ring) and the status is written under
  the name.
- A crowded sector drops the names and small lines and keeps the numbered circles: the
  table beside the picture gives their details. Beyond what even that can hold, people
  are left out of the picture and reported in `unplaced`, never drawn on top of others.

Text widths are estimated from the number of characters (names are shortened to
LABEL_CHARS); the estimate allows for the average glyph at the sizes the stylesheet uses.
All coordinates are rounded to 2 decimal places.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

SIZE = 720
CENTRE = SIZE / 2
VIEW_BOX = f"0 0 {SIZE} {SIZE}"
MARGIN = 8  # between the picture's edge and anything drawn near it
AXIS_GAP = 6  # between a sector's people and the lines that divide the sectors
CLIENT_R = 36
NODE_R = 12
DIED_INNER_R = 9
RING_DASH = "2 2"
PAD = 4  # clear space between two boxes
EPSILON = 0.01
MIN_DISTANCE = 2 * NODE_R + PAD  # no two people's centres are ever closer than this

LABEL_CHARS = 14
ELLIPSIS = "…"
LABEL_CHAR_W = 7.2  # at the 12-unit font of a name
LABEL_BASELINE = NODE_R + 14
DESCENT = 4

SECTOR_LABEL_W = 150
SECTOR_LABEL_H = 20
SECTOR_LABEL_SIZE = 15

CLOSENESS = (5, 4, 3, 2, 1)
# Radius of the first arc of each closeness while there is room; crowding draws them in.
NOMINAL_RADIUS = {5: 80, 4: 140, 3: 200, 2: 260, 1: 320}
MIN_RADIUS = CLIENT_R + NODE_R + PAD + 2
LEVEL_GAP = 6  # a less close arc starts at least this much further out
RADIUS_STEP = 4
# How much further out a named person may go to keep their line off other people's boxes
# (a crowded sector of numbered circles packs them instead).
LOOKAHEAD = 40
# Past this radius no box fits in any sector.
MAX_RADIUS = math.hypot(CENTRE - MARGIN, CENTRE - MARGIN)
SCALES = (1.0, 0.5, 0.0)

# (stroke width, dash pattern) of the client's line to a person, by conflict.
CONFLICT_STYLE = {1: (1.0, ""), 2: (2.0, "10 3"), 3: (3.0, "7 4"), 4: (4.0, "5 4"), 5: (5.0, "3 4")}
SHOW_CONFLICT_FROM = 2

CHILDHOOD, ADOLESCENCE, ADULT_PAST, CURRENT = "childhood", "adolescence", "adult_past", "current"
ERAS = (CHILDHOOD, ADOLESCENCE, ADULT_PAST, CURRENT)
# Which quadrant each era takes, as the signs of x and y from the centre (y grows down).
QUADRANT = {CHILDHOOD: (-1, -1), ADOLESCENCE: (1, -1), ADULT_PAST: (1, 1), CURRENT: (-1, 1)}

IN_CONTACT, NO_CONTACT, DIED, UNKNOWN = "in_contact", "no_contact", "died", "unknown"
CONTACTS = (IN_CONTACT, NO_CONTACT, DIED, UNKNOWN)
HOLLOW = frozenset({NO_CONTACT, DIED, UNKNOWN})

SUB_LINE_STEP = 12  # the small lines (conflict, contact) at a 10-unit font
SUB_CHAR_W = 5.8
# Characters of room for each small line: its English words ("conflict 5", "died",
# "no contact", "contact unknown") and a little more for a translation.
SUB_LINE_CHARS = {"conflict": 12, DIED: 8, NO_CONTACT: 12, UNKNOWN: 16}

LABELLED, NUMBERED = "labelled", "numbered"

UNKNOWN_ERA = "Unknown era {era!r} for {key!r}."
UNKNOWN_CONTACT = "Unknown contact status {contact!r} for {key!r}."
BAD_SCALE = "{what} of {key!r} must be a whole number from 1 to 5, not {value!r}."
DUPLICATE_KEY = "Two people share the key {key!r}."

Box = tuple[float, float, float, float]  # x0, y0, x1, y1


@dataclass(frozen=True)
class MapPerson:
    """Someone to draw: what the picture needs to know of them."""

    key: str
    label: str
    era: str
    closeness: int
    conflict: int
    contact: str = IN_CONTACT


@dataclass(frozen=True)
class Node:
    key: str
    number: int
    era: str
    closeness: int
    conflict: int
    contact: str
    x: float
    y: float
    r: int
    hollow: bool
    inner_r: int | None  # a second ring for someone who died
    label: str  # the name as shown (shortened); empty in a crowded sector
    label_y: float | None
    conflict_y: float | None  # where "conflict N" is written, if it is
    contact_y: float | None  # where the contact status is written, if it is
    box: Box  # everything drawn for this person lies inside it
    ring_dash: str  # the dotted ring of someone whose contact is not known

    @property
    def distance(self) -> float:
        return math.hypot(self.x - CENTRE, self.y - CENTRE)


@dataclass(frozen=True)
class Link:
    key: str
    conflict: int
    x1: float
    y1: float
    x2: float
    y2: float
    width: float
    dash: str


@dataclass(frozen=True)
class Sector:
    era: str
    label_x: float
    label_y: float
    anchor: str  # text-anchor of the sector's name
    label_box: Box
    region: Box  # the quadrant the sector's people are drawn in
    count: int
    labelled: bool  # False when crowding left only numbered circles


@dataclass(frozen=True)
class Drawing:
    size: int
    view_box: str
    centre: float
    client_r: int
    dividers: tuple[tuple[float, float, float, float], ...]
    sectors: tuple[Sector, ...]
    nodes: tuple[Node, ...]
    links: tuple[Link, ...]
    order: tuple[str, ...]  # everyone's key in the order of the table; numbers count from 1
    unplaced: tuple[str, ...]  # keys of people the picture had no room for

    @property
    def empty(self) -> bool:
        return not self.nodes and not self.unplaced

    @property
    def crowded(self) -> bool:
        return bool(self.unplaced) or any(not s.labelled for s in self.sectors if s.count)


def shorten(label: str) -> str:
    """Shorten a name to LABEL_CHARS characters, ending in an ellipsis when cut."""
    label = " ".join(label.split())
    if len(label) <= LABEL_CHARS:
        return label
    return label[: LABEL_CHARS - 1].rstrip() + ELLIPSIS


def _check(people: Sequence[MapPerson]) -> None:
    seen: set[str] = set()
    for person in people:
        if person.key in seen:
            raise ValueError(DUPLICATE_KEY.format(key=person.key))
        seen.add(person.key)
        if person.era not in QUADRANT:
            raise ValueError(UNKNOWN_ERA.format(era=person.era, key=person.key))
        if person.contact not in CONTACTS:
            raise ValueError(UNKNOWN_CONTACT.format(contact=person.contact, key=person.key))
        for what, value in (("Closeness", person.closeness), ("Conflict", person.conflict)):
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
                raise ValueError(BAD_SCALE.format(what=what, key=person.key, value=value))


def _order(person: MapPerson) -> tuple:
    return (ERAS.index(person.era), -person.closeness, person.label.casefold(), person.key)


# Boxes, in offsets from a person's centre: (left, top, right, bottom).


def _sub_lines(person: MapPerson) -> tuple[bool, bool]:
    return person.conflict >= SHOW_CONFLICT_FROM, person.contact != IN_CONTACT


def _offsets(person: MapPerson, mode: str) -> Box:
    if mode == NUMBERED:
        return (-NODE_R, -NODE_R, NODE_R, NODE_R)
    conflict_line, contact_line = _sub_lines(person)
    chars = [
        SUB_LINE_CHARS["conflict"] if conflict_line else 0,
        SUB_LINE_CHARS[person.contact] if contact_line else 0,
    ]
    width = max(2 * NODE_R, len(shorten(person.label)) * LABEL_CHAR_W, max(chars) * SUB_CHAR_W)
    lines = conflict_line + contact_line
    bottom = LABEL_BASELINE + lines * SUB_LINE_STEP + DESCENT
    return (-width / 2, -NODE_R, width / 2, bottom)


def _bounds(offsets: Iterable[Box]) -> Box:
    """The smallest box shape holding each of these box shapes."""
    offsets = list(offsets)
    return (
        min(b[0] for b in offsets),
        min(b[1] for b in offsets),
        max(b[2] for b in offsets),
        max(b[3] for b in offsets),
    )


def _at(x: float, y: float, offsets: Box) -> Box:
    return (x + offsets[0], y + offsets[1], x + offsets[2], y + offsets[3])


def _overlap(a: Box, b: Box, pad: float = PAD) -> bool:
    return a[0] < b[2] + pad and b[0] < a[2] + pad and a[1] < b[3] + pad and b[1] < a[3] + pad


def _round(box: Box) -> Box:
    return (round(box[0], 2), round(box[1], 2), round(box[2], 2), round(box[3], 2))


def _region(era: str) -> Box:
    sx, sy = QUADRANT[era]
    xs = (MARGIN, CENTRE - AXIS_GAP) if sx < 0 else (CENTRE + AXIS_GAP, SIZE - MARGIN)
    ys = (MARGIN, CENTRE - AXIS_GAP) if sy < 0 else (CENTRE + AXIS_GAP, SIZE - MARGIN)
    return (xs[0], ys[0], xs[1], ys[1])


def _sector_label(era: str) -> tuple[float, float, str, Box]:
    sx, sy = QUADRANT[era]
    x = MARGIN if sx < 0 else SIZE - MARGIN
    top = MARGIN if sy < 0 else SIZE - MARGIN - SECTOR_LABEL_H
    baseline = top + SECTOR_LABEL_SIZE
    left = x if sx < 0 else x - SECTOR_LABEL_W
    return (
        x,
        baseline,
        "start" if sx < 0 else "end",
        (left, top, left + SECTOR_LABEL_W, top + SECTOR_LABEL_H),
    )


CLIENT_BOX: Box = (CENTRE - CLIENT_R, CENTRE - CLIENT_R, CENTRE + CLIENT_R, CENTRE + CLIENT_R)


# Arcs


def _angles(radius: float, era: str, slot: Box) -> tuple[float, float] | None:
    """The range of angles (0 on the horizontal axis) where a box fits in the sector."""
    sx, sy = QUADRANT[era]
    x0, y0, x1, y1 = _region(era)
    # Rounding a place to 2 decimals must not take its box out of the region.
    region = (x0 + EPSILON, y0 + EPSILON, x1 - EPSILON, y1 - EPSILON)
    # In the sector's own frame, u and v grow away from the centre along each axis.
    if sx > 0:
        u_lo, u_hi = region[0] - CENTRE - slot[0], region[2] - CENTRE - slot[2]
    else:
        u_lo, u_hi = CENTRE - region[2] + slot[2], CENTRE - region[0] + slot[0]
    if sy > 0:
        v_lo, v_hi = region[1] - CENTRE - slot[1], region[3] - CENTRE - slot[3]
    else:
        v_lo, v_hi = CENTRE - region[3] + slot[3], CENTRE - region[1] + slot[1]
    if u_lo > radius or v_lo > radius or u_hi < 0 or v_hi < 0:
        return None
    low = max(math.acos(min(1.0, u_hi / radius)), math.asin(max(0.0, v_lo / radius)))
    high = min(math.acos(max(0.0, u_lo / radius)), math.asin(min(1.0, v_hi / radius)))
    return (low, high) if low <= high else None


def _arc(
    radius: float, count: int, era: str, span: tuple[float, float], phase: float
) -> list[tuple[float, float]]:
    """`count` places a whole step apart on an arc; `phase` slides them along (0.5 centres)."""
    sx, sy = QUADRANT[era]
    low, high = span
    step = (high - low) / count
    angles = [low + (i + phase) * step for i in range(count)]
    # Clockwise on the page: outwards from the horizontal axis in the top-left and
    # bottom-right sectors, towards it in the other two.
    if sx * sy < 0:
        angles.reverse()
    return [
        (
            round(CENTRE + sx * radius * math.cos(angle), 2),
            round(CENTRE + sy * radius * math.sin(angle), 2),
        )
        for angle in angles
    ]


def _apart(boxes: Sequence[Box]) -> bool:
    return not any(
        _overlap(boxes[i], boxes[j]) for i in range(len(boxes)) for j in range(i + 1, len(boxes))
    )


def _crosses(x1: float, y1: float, x2: float, y2: float, box: Box) -> bool:
    """Whether the segment from (x1, y1) to (x2, y2) passes through the box (Liang-Barsky)."""
    low, high = 0.0, 1.0
    dx, dy = x2 - x1, y2 - y1
    for p, q in ((-dx, x1 - box[0]), (dx, box[2] - x1), (-dy, y1 - box[1]), (dy, box[3] - y1)):
        if p == 0:
            if q < 0:
                return False
            continue
        t = q / p
        if p < 0:
            low = max(low, t)
        else:
            high = min(high, t)
        if low > high:
            return False
    return True


@dataclass
class _Sector:
    """What is already drawn in one sector while people are being placed."""

    obstacles: list[Box]  # the client and the sector's name
    boxes: list[Box]
    centres: list[tuple[float, float]]

    def clear(self, boxes: Iterable[Box]) -> bool:
        return not any(
            _overlap(box, other) for box in boxes for other in (*self.obstacles, *self.boxes)
        )

    def crossings(self, points: Sequence[tuple[float, float]], boxes: Sequence[Box]) -> int:
        """How often a new line runs through someone's box, or a new box covers a line."""
        lines = sum(_crosses(CENTRE, CENTRE, x, y, box) for x, y in points for box in self.boxes)
        covered = sum(_crosses(CENTRE, CENTRE, x, y, box) for x, y in self.centres for box in boxes)
        return lines + covered


PHASES = (0.5, 0.25, 0.75, 0.0, 1.0)


def _fit_arc(
    radius: float, offsets: Sequence[Box], era: str, sector: _Sector
) -> tuple[list[tuple[float, float]], int] | None:
    """Places on one arc for the first of the people waiting, clear of everything drawn.

    As many as fit, shared out evenly over the arcs they will need; of the ways to slide
    them along the arc, the one whose lines and boxes cross the fewest others.
    """
    waiting = len(offsets)
    widest = _angles(radius, era, (-NODE_R, -NODE_R, NODE_R, NODE_R))
    if widest is None:
        return None
    room = int((widest[1] - widest[0]) * radius / MIN_DISTANCE) + 1
    fits = 0
    for count in range(min(waiting, room), 0, -1):
        span = _angles(radius, era, _bounds(offsets[:count]))
        if span is None:
            continue
        points = _arc(radius, count, era, span, 0.5)
        if _apart([_at(x, y, o) for (x, y), o in zip(points, offsets, strict=False)]):
            fits = count
            break
    if not fits:
        return None
    arcs = math.ceil(waiting / fits)
    best, best_score = None, None
    for count in dict.fromkeys((math.ceil(waiting / arcs), fits)):
        span = _angles(radius, era, _bounds(offsets[:count]))
        if span is None:
            continue
        for phase in PHASES:
            points = _arc(radius, count, era, span, phase)
            boxes = [_at(x, y, o) for (x, y), o in zip(points, offsets, strict=False)]
            if not (_apart(boxes) and sector.clear(boxes)):
                continue
            score = sector.crossings(points, boxes)
            if best_score is None or score < best_score:
                best, best_score = points, score
            if score == 0:
                return best, 0
        if best is not None:
            return best, best_score
    return None


def _next_arc(
    radius: float, offsets: Sequence[Box], era: str, sector: _Sector, lookahead: float
) -> tuple[list[tuple[float, float]] | None, float]:
    """The first arc from `radius` outwards with room; a little further if that avoids lines."""
    found: tuple[list[tuple[float, float]], float] | None = None
    while radius <= MAX_RADIUS:
        fit = _fit_arc(radius, offsets, era, sector)
        if fit is not None:
            if fit[1] == 0:
                return fit[0], radius
            if found is None:
                found = fit[0], radius
        if found is not None and radius >= found[1] + lookahead:
            break
        radius += RADIUS_STEP
    return found if found is not None else (None, radius)


@dataclass
class _Attempt:
    places: dict[str, tuple[float, float]]
    unplaced: list[str]
    complete: bool


def _place(
    groups: dict[str, dict[int, list[MapPerson]]],
    modes: dict[str, str],
    scale: float,
    *,
    partial: bool,
) -> _Attempt:
    """Place everyone, closest first; without `partial`, stop at the first who does not fit."""
    sectors = {era: _Sector([CLIENT_BOX, _sector_label(era)[3]], [], []) for era in ERAS}
    offsets = {
        person.key: _offsets(person, modes[era])
        for era in ERAS
        for level in CLOSENESS
        for person in groups[era][level]
    }
    places: dict[str, tuple[float, float]] = {}
    unplaced: list[str] = []
    inner = 0.0  # the furthest radius used by the closer levels
    for level in CLOSENESS:
        start = max(MIN_RADIUS, scale * NOMINAL_RADIUS[level], inner + LEVEL_GAP if inner else 0)
        furthest = 0.0
        for era in ERAS:
            waiting = groups[era][level]
            sector = sectors[era]
            radius = start
            while waiting:
                points, radius = _next_arc(
                    radius,
                    [offsets[p.key] for p in waiting],
                    era,
                    sector,
                    LOOKAHEAD if modes[era] == LABELLED else 0,
                )
                if not points:
                    unplaced.extend(p.key for p in waiting)
                    if not partial:
                        return _Attempt(places, unplaced, complete=False)
                    break
                for person, (x, y) in zip(waiting, points, strict=False):
                    places[person.key] = (x, y)
                    sector.boxes.append(_at(x, y, offsets[person.key]))
                    sector.centres.append((x, y))
                    furthest = max(furthest, math.hypot(x - CENTRE, y - CENTRE))
                waiting = waiting[len(points) :]
                radius += RADIUS_STEP
        inner = max(inner, furthest)
    return _Attempt(places, unplaced, complete=not unplaced)


def _layout(people: Sequence[MapPerson]) -> tuple[_Attempt, dict[str, str]]:
    groups: dict[str, dict[int, list[MapPerson]]] = {
        era: {level: [] for level in CLOSENESS} for era in ERAS
    }
    for person in people:
        groups[person.era][person.closeness].append(person)
    count = {era: sum(len(g) for g in groups[era].values()) for era in ERAS}
    modes = dict.fromkeys(ERAS, LABELLED)
    while True:
        for scale in SCALES:
            attempt = _place(groups, modes, scale, partial=False)
            if attempt.complete:
                return attempt, modes
        labelled = [era for era in ERAS if count[era] and modes[era] == LABELLED]
        if not labelled:
            break
        # The busiest sector gives up its names first (the earlier era on a tie).
        modes[max(labelled, key=lambda era: (count[era], -ERAS.index(era)))] = NUMBERED
    return _place(groups, modes, 0.0, partial=True), modes


def _node(person: MapPerson, number: int, x: float, y: float, mode: str) -> Node:
    conflict_line, contact_line = _sub_lines(person)
    labelled = mode == LABELLED
    line = LABEL_BASELINE + SUB_LINE_STEP
    conflict_y = round(y + line, 2) if labelled and conflict_line else None
    if conflict_y is not None:
        line += SUB_LINE_STEP
    return Node(
        key=person.key,
        number=number,
        era=person.era,
        closeness=person.closeness,
        conflict=person.conflict,
        contact=person.contact,
        x=x,
        y=y,
        r=NODE_R,
        hollow=person.contact in HOLLOW,
        inner_r=DIED_INNER_R if person.contact == DIED else None,
        label=shorten(person.label) if labelled else "",
        label_y=round(y + LABEL_BASELINE, 2) if labelled else None,
        conflict_y=conflict_y,
        contact_y=round(y + line, 2) if labelled and contact_line else None,
        box=_round(_at(x, y, _offsets(person, mode))),
        ring_dash=RING_DASH if person.contact == UNKNOWN else "",
    )


def _link(node: Node) -> Link:
    dx, dy = node.x - CENTRE, node.y - CENTRE
    distance = math.hypot(dx, dy)
    ux, uy = dx / distance, dy / distance
    width, dash = CONFLICT_STYLE[node.conflict]
    return Link(
        key=node.key,
        conflict=node.conflict,
        x1=round(CENTRE + ux * CLIENT_R, 2),
        y1=round(CENTRE + uy * CLIENT_R, 2),
        x2=round(node.x - ux * node.r, 2),
        y2=round(node.y - uy * node.r, 2),
        width=width,
        dash=dash,
    )


def draw_map(people: Iterable[MapPerson]) -> Drawing:
    """Lay out the relationship map of the people given; see the module docstring.

    The layout searches many arcs, at some milliseconds for a few people, and it depends
    on nothing but the people given; a drawing is immutable, so the same people are laid
    out once and their drawing reused (a bounded number of drawings, in this process).
    """
    people = tuple(people)
    try:
        return _draw_once(people)
    except TypeError:  # a person who cannot be hashed: laid out without the reuse
        return _draw(people)


@lru_cache(maxsize=256)
def _draw_once(people: tuple[MapPerson, ...]) -> Drawing:
    return _draw(people)


def _draw(people: Sequence[MapPerson]) -> Drawing:
    people = list(people)
    _check(people)
    people.sort(key=_order)
    attempt, modes = _layout(people)
    nodes = tuple(
        _node(person, number, *attempt.places[person.key], modes[person.era])
        for number, person in enumerate(people, start=1)
        if person.key in attempt.places
    )
    sectors = []
    for era in ERAS:
        x, y, anchor, box = _sector_label(era)
        sectors.append(
            Sector(
                era=era,
                label_x=x,
                label_y=y,
                anchor=anchor,
                label_box=box,
                region=_region(era),
                count=sum(1 for p in people if p.era == era),
                labelled=modes[era] == LABELLED,
            )
        )
    return Drawing(
        size=SIZE,
        view_box=VIEW_BOX,
        centre=CENTRE,
        client_r=CLIENT_R,
        dividers=((CENTRE, MARGIN, CENTRE, SIZE - MARGIN), (MARGIN, CENTRE, SIZE - MARGIN, CENTRE)),
        sectors=tuple(sectors),
        nodes=nodes,
        links=tuple(_link(node) for node in nodes),
        order=tuple(person.key for person in people),
        unplaced=tuple(attempt.unplaced),
    )
