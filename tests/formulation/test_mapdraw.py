import dataclasses
import itertools
import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from patternwork.formulation.mapdraw import (
    BAD_SCALE,
    CENTRE,
    CLIENT_R,
    CONTACTS,
    DUPLICATE_KEY,
    ERAS,
    LABEL_CHARS,
    MIN_DISTANCE,
    NODE_R,
    SIZE,
    UNKNOWN_CONTACT,
    UNKNOWN_ERA,
    Link,
    MapPerson,
    Node,
    draw_map,
    shorten,
)

THREE = [
    MapPerson("mum", "Mum", "childhood", closeness=4, conflict=3),
    MapPerson("dad", "Dad", "childhood", closeness=2, conflict=5, contact="died"),
    MapPerson("sam", "Sam", "current", closeness=5, conflict=1),
]


def overlap(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def inside(box, region):
    return (
        region[0] <= box[0] and region[1] <= box[1] and box[2] <= region[2] and box[3] <= region[3]
    )


def test_empty_map_has_the_client_four_labelled_sectors_and_nobody():
    drawing = draw_map([])

    assert (drawing.view_box, drawing.size, drawing.centre, drawing.client_r) == (
        "0 0 720 720",
        720,
        360.0,
        36,
    )
    assert drawing.dividers == ((360.0, 8, 360.0, 712), (8, 360.0, 712, 360.0))
    assert [(s.era, s.label_x, s.label_y, s.anchor, s.count) for s in drawing.sectors] == [
        ("childhood", 8, 23, "start", 0),
        ("adolescence", 712, 23, "end", 0),
        ("adult_past", 712, 707, "end", 0),
        ("current", 8, 707, "start", 0),
    ]
    assert [s.region for s in drawing.sectors] == [
        (8, 8, 354.0, 354.0),
        (366.0, 8, 712, 354.0),
        (366.0, 366.0, 712, 712),
        (8, 366.0, 354.0, 712),
    ]
    assert (drawing.nodes, drawing.links, drawing.order, drawing.unplaced) == ((), (), (), ())
    assert (drawing.empty, drawing.crowded) == (True, False)


def test_one_person_sits_mid_sector_on_their_closeness_arc():
    # Closeness 3 starts on the arc of radius 200. "Mum" with no small lines takes the box
    # (-12, -12, 12, 30) around her centre; in the top-left sector that box fits between
    # the angles asin(36.01 / 200) and acos(18.01 / 200) from the horizontal, and one
    # person takes the middle: (360 - 200 cos a, 360 - 200 sin a) = (225.15, 212.30).
    drawing = draw_map([MapPerson("mum", "Mum", "childhood", closeness=3, conflict=1)])

    assert drawing.nodes == (
        Node(
            key="mum",
            number=1,
            era="childhood",
            closeness=3,
            conflict=1,
            contact="in_contact",
            x=225.15,
            y=212.3,
            r=12,
            hollow=False,
            inner_r=None,
            label="Mum",
            label_y=238.3,
            conflict_y=None,
            contact_y=None,
            box=(213.15, 200.3, 237.15, 242.3),
            ring_dash="",
        ),
    )
    expected = (math.asin(36.01 / 200) + math.acos(18.01 / 200)) / 2
    assert (drawing.nodes[0].x, drawing.nodes[0].y) == (
        round(360 - 200 * math.cos(expected), 2),
        round(360 - 200 * math.sin(expected), 2),
    )


def test_three_people_exact_places_lines_and_texts():
    drawing = draw_map(THREE)

    assert [
        (n.key, n.number, n.x, n.y, n.label, n.label_y, n.conflict_y, n.contact_y)
        for n in drawing.nodes
    ] == [
        ("mum", 1, 263.73, 258.36, "Mum", 284.36, 296.36, None),
        ("dad", 2, 246.28, 126.19, "Dad", 152.19, 164.19, 176.19),
        ("sam", 3, 303.43, 416.57, "Sam", 442.57, None, None),
    ]
    assert [round(n.distance, 1) for n in drawing.nodes] == [140.0, 260.0, 80.0]
    assert drawing.links == (
        Link("mum", 3, 335.24, 333.86, 271.98, 267.07, 3.0, "7 4"),
        Link("dad", 5, 344.25, 327.63, 251.53, 136.98, 5.0, "3 4"),
        Link("sam", 1, 334.54, 385.46, 311.92, 408.08, 1.0, ""),
    )
    assert [(s.era, s.count, s.labelled) for s in drawing.sectors] == [
        ("childhood", 2, True),
        ("adolescence", 0, True),
        ("adult_past", 0, True),
        ("current", 1, True),
    ]


def test_one_person_at_closeness_five_in_each_sector():
    drawing = draw_map(MapPerson(era, "Alex", era, closeness=5, conflict=1) for era in ERAS)

    # Left and right mirror each other; below the centre the name hangs away from the
    # dividing line, above it towards it, so the top pair sits at a steeper angle.
    assert [(n.era, n.x, n.y) for n in drawing.nodes] == [
        ("childhood", 297.71, 309.8),
        ("adolescence", 422.29, 309.8),
        ("adult_past", 417.44, 415.69),
        ("current", 302.56, 415.69),
    ]
    assert {round(n.distance, 2) for n in drawing.nodes} == {80.0}


def test_numbers_follow_era_then_closeness_then_name():
    people = [
        MapPerson("1", "zoe", "current", 5, 1),
        MapPerson("2", "Amy", "current", 5, 1),
        MapPerson("3", "Bo", "current", 2, 1),
        MapPerson("4", "Cy", "adult_past", 1, 1),
        MapPerson("5", "Di", "childhood", 1, 1),
        MapPerson("6", "Ed", "adolescence", 3, 1),
    ]

    drawing = draw_map(people)

    assert [(n.number, n.key) for n in drawing.nodes] == [
        (1, "5"),
        (2, "6"),
        (3, "4"),
        (4, "2"),
        (5, "1"),
        (6, "3"),
    ]


def test_people_on_one_arc_run_clockwise_in_name_order():
    top_left = draw_map(MapPerson(k, k, "childhood", 4, 1) for k in ("Ann", "Bea", "Cal"))
    top_right = draw_map(MapPerson(k, k, "adolescence", 4, 1) for k in ("Ann", "Bea", "Cal"))

    # Clockwise from nine o'clock in the top-left sector: upwards and rightwards.
    assert [n.key for n in sorted(top_left.nodes, key=lambda n: n.x)] == ["Ann", "Bea", "Cal"]
    assert [n.key for n in sorted(top_left.nodes, key=lambda n: -n.y)] == ["Ann", "Bea", "Cal"]
    # Clockwise from twelve o'clock in the top-right sector: rightwards and downwards.
    assert [n.key for n in sorted(top_right.nodes, key=lambda n: n.x)] == ["Ann", "Bea", "Cal"]
    assert [n.key for n in sorted(top_right.nodes, key=lambda n: n.y)] == ["Ann", "Bea", "Cal"]
    assert {round(n.distance, 2) for n in top_left.nodes} == {140.0}


@pytest.mark.parametrize(
    ("contact", "hollow", "inner_r", "ring_dash", "said"),
    [
        ("in_contact", False, None, "", False),
        ("no_contact", True, None, "", True),
        ("died", True, 9, "", True),
        ("unknown", True, None, "2 2", True),
    ],
)
def test_contact_status_is_marked_by_shape_and_said_in_text(
    contact, hollow, inner_r, ring_dash, said
):
    (node,) = draw_map([MapPerson("p", "Pat", "current", 3, 1, contact)]).nodes

    assert (node.hollow, node.inner_r, node.ring_dash) == (hollow, inner_r, ring_dash)
    assert (node.contact_y is not None) == said
    assert node.contact == contact


@pytest.mark.parametrize(
    ("conflict", "width", "dash", "written"),
    [
        (1, 1.0, "", False),
        (2, 2.0, "10 3", True),
        (3, 3.0, "7 4", True),
        (4, 4.0, "5 4", True),
        (5, 5.0, "3 4", True),
    ],
)
def test_conflict_thickens_and_breaks_the_line_and_is_written(conflict, width, dash, written):
    drawing = draw_map([MapPerson("p", "Pat", "adult_past", 3, conflict)])

    (link,) = drawing.links
    assert (link.conflict, link.width, link.dash) == (conflict, width, dash)
    assert (drawing.nodes[0].conflict_y is not None) == written


def test_conflict_and_contact_lines_stack_under_the_name():
    (node,) = draw_map([MapPerson("p", "Pat", "adult_past", 3, 4, "no_contact")]).nodes

    offsets = (node.label_y - node.y, node.conflict_y - node.y, node.contact_y - node.y)
    assert tuple(round(offset, 2) for offset in offsets) == (26, 38, 50)
    assert round(node.box[3] - node.y, 2) == 54


def test_link_runs_from_the_client_circle_to_the_persons_circle():
    for link, node in zip(draw_map(THREE).links, draw_map(THREE).nodes, strict=True):
        assert math.hypot(link.x1 - CENTRE, link.y1 - CENTRE) == pytest.approx(CLIENT_R, abs=0.01)
        assert math.hypot(link.x2 - node.x, link.y2 - node.y) == pytest.approx(NODE_R, abs=0.01)


@pytest.mark.parametrize(
    ("label", "shown"),
    [
        ("Mum", "Mum"),
        ("  Uncle   Pete ", "Uncle Pete"),
        ("Sister (Amy)!!", "Sister (Amy)!!"),
        ("Mr Davies, teacher", "Mr Davies, te…"),
        ("Grandmother Rose", "Grandmother R…"),
        ("Aunt Jo        (dad's side)", "Aunt Jo (dad'…"),
    ],
)
def test_shorten_keeps_names_to_fourteen_characters(label, shown):
    assert shorten(label) == shown
    assert len(shorten(label)) <= LABEL_CHARS


def test_order_of_input_does_not_change_the_picture():
    people = [
        MapPerson(str(i), f"Person {i % 7}", ERAS[i % 4], 1 + i % 5, 1 + (i * 3) % 5)
        for i in range(12)
    ]

    assert draw_map(people) == draw_map(reversed(people))


def test_a_crowded_sector_keeps_numbered_circles_and_the_others_keep_names():
    people = [MapPerson(f"c{i}", f"Current {i}", "current", 1 + i % 5, 2) for i in range(40)]
    people.append(MapPerson("mum", "Mum", "childhood", 4, 3, "died"))

    drawing = draw_map(people)

    assert [(s.era, s.count, s.labelled) for s in drawing.sectors] == [
        ("childhood", 1, True),
        ("adolescence", 0, True),
        ("adult_past", 0, True),
        ("current", 40, False),
    ]
    assert (len(drawing.nodes), drawing.unplaced, drawing.crowded) == (41, (), True)
    crowded = [n for n in drawing.nodes if n.era == "current"]
    assert {(n.label, n.label_y, n.conflict_y, n.contact_y) for n in crowded} == {
        ("", None, None, None)
    }
    assert {round(n.box[2] - n.box[0], 2) for n in crowded} == {2 * NODE_R}
    (mum,) = [n for n in drawing.nodes if n.key == "mum"]
    assert (mum.label, mum.contact_y is not None) == ("Mum", True)


def test_more_people_than_the_picture_holds_are_left_out_not_piled_up():
    people = [MapPerson(f"{i:03}", f"Person {i}", "current", 3, 1) for i in range(120)]

    drawing = draw_map(people)

    assert len(drawing.nodes) + len(drawing.unplaced) == 120
    assert drawing.order == tuple(p.key for p in sorted(people, key=lambda p: p.label))
    assert [drawing.order.index(n.key) + 1 for n in drawing.nodes] == [
        n.number for n in drawing.nodes
    ]
    assert drawing.unplaced
    assert set(drawing.unplaced).isdisjoint(n.key for n in drawing.nodes)
    assert drawing.crowded is True
    for a, b in itertools.combinations(drawing.nodes, 2):
        assert not overlap(a.box, b.box)


@pytest.mark.parametrize(
    ("person", "message"),
    [
        (MapPerson("x", "X", "infancy", 3, 1), UNKNOWN_ERA.format(era="infancy", key="x")),
        (
            MapPerson("x", "X", "current", 3, 1, "gone"),
            UNKNOWN_CONTACT.format(contact="gone", key="x"),
        ),
        (
            MapPerson("x", "X", "current", 0, 1),
            BAD_SCALE.format(what="Closeness", key="x", value=0),
        ),
        (
            MapPerson("x", "X", "current", 3, 6),
            BAD_SCALE.format(what="Conflict", key="x", value=6),
        ),
        (
            MapPerson("x", "X", "current", "3", 1),
            BAD_SCALE.format(what="Closeness", key="x", value="3"),
        ),
        (
            MapPerson("x", "X", "current", True, 1),
            BAD_SCALE.format(what="Closeness", key="x", value=True),
        ),
    ],
)
def test_bad_people_are_refused_with_a_reason(person, message):
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        draw_map([person])


def test_two_people_with_one_key_are_refused():
    with pytest.raises(ValueError, match="share the key 'k'") as raised:
        draw_map([MapPerson("k", "A", "current", 3, 1), MapPerson("k", "B", "current", 3, 1)])

    assert str(raised.value) == DUPLICATE_KEY.format(key="k")


# Properties, for up to 40 people, spread out or many in one era.

labels = st.text(
    alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "Zs")),
    min_size=1,
    max_size=40,
)


def people_strategy(eras):
    person = st.builds(
        lambda label, era, closeness, conflict, contact: (label, era, closeness, conflict, contact),
        labels,
        eras,
        st.integers(1, 5),
        st.integers(1, 5),
        st.sampled_from(CONTACTS),
    )
    return st.lists(person, max_size=40).map(
        lambda rows: [MapPerson(f"p{i}", *row) for i, row in enumerate(rows)]
    )


spread = people_strategy(st.sampled_from(ERAS))
one_era = st.sampled_from(ERAS).flatmap(lambda era: people_strategy(st.just(era)))
any_people = st.one_of(spread, one_era)


def property_everyone_is_drawn_inside_the_picture_and_their_sector(people, drawing):
    regions = {s.era: s.region for s in drawing.sectors}
    assert drawing.unplaced == ()
    assert sorted(n.key for n in drawing.nodes) == sorted(p.key for p in people)
    for node in drawing.nodes:
        assert inside(node.box, (0, 0, SIZE, SIZE))
        assert inside(node.box, regions[node.era])
        left, top, right, bottom = regions[node.era]
        # The sector's region lies in its own quadrant of the picture.
        assert (left < CENTRE) == (right <= CENTRE)
        assert (top < CENTRE) == (bottom <= CENTRE)


def property_closer_people_are_nearer_the_centre(people, drawing):
    for a, b in itertools.permutations(drawing.nodes, 2):
        if a.closeness > b.closeness:
            assert a.distance < b.distance


def property_nobody_overlaps_anybody_or_anything(people, drawing):
    fixed = [s.label_box for s in drawing.sectors]
    fixed.append((CENTRE - CLIENT_R, CENTRE - CLIENT_R, CENTRE + CLIENT_R, CENTRE + CLIENT_R))
    for a, b in itertools.combinations(drawing.nodes, 2):
        assert not overlap(a.box, b.box)
        assert math.hypot(a.x - b.x, a.y - b.y) >= MIN_DISTANCE
    for node in drawing.nodes:
        assert not any(overlap(node.box, box) for box in fixed)
        # The circle, the name and the small lines are all inside the box (to the
        # rounding of coordinates).
        assert node.box[0] <= node.x - node.r + 0.01
        assert node.x + node.r <= node.box[2] + 0.01
        assert node.box[1] <= node.y - node.r + 0.01
        assert node.box[3] + 0.01 >= max(
            y for y in (node.y + node.r, node.label_y, node.conflict_y, node.contact_y) if y
        )


def property_numbers_match_the_table_order_and_lines_reach_everyone(people, drawing):
    order = sorted(
        people, key=lambda p: (ERAS.index(p.era), -p.closeness, p.label.casefold(), p.key)
    )
    assert [n.key for n in drawing.nodes] == [p.key for p in order]
    assert drawing.order == tuple(p.key for p in order)
    assert [n.number for n in drawing.nodes] == list(range(1, len(people) + 1))
    assert [(link.key, link.conflict) for link in drawing.links] == [
        (n.key, n.conflict) for n in drawing.nodes
    ]
    by_key = {p.key: p for p in people}
    for node in drawing.nodes:
        person = by_key[node.key]
        assert dataclasses.astuple(person)[2:] == (
            node.era,
            node.closeness,
            node.conflict,
            node.contact,
        )


# The four properties are checked on each generated map, so each example is drawn and
# laid out once for all of them.
@settings(max_examples=60)
@given(any_people)
def test_map_properties_hold_for_each_generated_map(people):
    drawing = draw_map(people)

    property_everyone_is_drawn_inside_the_picture_and_their_sector(people, drawing)
    property_closer_people_are_nearer_the_centre(people, drawing)
    property_nobody_overlaps_anybody_or_anything(people, drawing)
    property_numbers_match_the_table_order_and_lines_reach_everyone(people, drawing)
