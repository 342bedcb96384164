"""Figures of the pattern page: the pure statistics turned into what the page shows.

Each figure carries the episodes behind it and a key naming it, so every figure can be
traced back to what the client said (docs/relationship-patterns.md). The page links each
figure by its key; the evidence view rebuilds the figures and opens that one's episodes
in place. The page itself therefore grows with the categories, not with figures times
episodes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from patternwork.core.escaping import conditional_escape
from patternwork.formulation import selectors
from patternwork.formulation.models import Episode, Person
from patternwork.formulation.patterns import (
    ByPhase,
    CategoryCounts,
    CategoryProfile,
    Counted,
    PatternReport,
    Share,
    ValenceProfile,
)

PHASES = ("initial", "middle", "ending")
PART_TITLES = {
    "wish": gettext_lazy("Wish: what the client wanted"),
    "ro": gettext_lazy("Response of other: how the other responded"),
    "rs": gettext_lazy("Response of self: how the client responded"),
}
PART_SHORT = {
    "wish": gettext_lazy("Wish"),
    "ro": gettext_lazy("Response of other"),
    "rs": gettext_lazy("Response of self"),
}


# The pattern page: figures with the episodes behind them


@dataclass(frozen=True)
class EpisodeRef:
    number: int
    anchor: str


@dataclass(frozen=True)
class Figure:
    """A figure and the episodes behind it, by id; their refs (number and anchor) are
    looked up only when read, since the page links a figure by its key alone.

    A counted figure (the page's: `pattern_view(client, models=False)`) holds no ids:
    its episodes are found when first read, by its key (`find`), among the figures made
    again with their episodes, as the evidence view finds them."""

    text: str
    count: int
    episode_ids: tuple = ()
    key: str = ""
    lookup: Mapping[str, EpisodeRef] | None = field(default=None, repr=False, compare=False)
    find: Callable[[str], tuple[EpisodeRef, ...]] | None = field(
        default=None, repr=False, compare=False
    )

    @cached_property
    def refs(self) -> tuple[EpisodeRef, ...]:
        if self.find is not None and self.count and not self.episode_ids:
            return self.find(self.key)
        lookup = self.lookup
        return tuple(lookup[i] for i in self.episode_ids) if lookup is not None else ()


@dataclass(frozen=True)
class HeatCell:
    """One phase of one category: its share as a percentage and a shade from 0 to 5."""

    figure: Figure | None
    percent: int | None
    shade: int


# The cell of a phase with no episodes: the same in every row (it is frozen).
_NO_EPISODES = HeatCell(figure=None, percent=None, shade=0)


@dataclass(frozen=True)
class HeatRow:
    label: CategoryLabel
    overall: Figure
    percent: int
    cells: tuple[HeatCell, ...]


@dataclass(frozen=True)
class HeatPart:
    part: str
    title: str
    rows: tuple[HeatRow, ...]


@dataclass(frozen=True)
class CategoryLabel:
    text: str
    retired: bool
    # The text escaped for HTML, made with the label (`labelled`): the page writes a
    # category's label in its heat strip, in the theme and in the sequences.
    escaped: str = field(repr=False, compare=False)


def labelled(text: str, retired: bool) -> CategoryLabel:
    return CategoryLabel(text, retired, conditional_escape(text))


@dataclass(frozen=True)
class Row:
    """One line of a pervasiveness table: a category or a positive/negative mark."""

    label: CategoryLabel
    overall: Figure
    phases: tuple[Figure | None, ...]
    change: str


@dataclass(frozen=True)
class Spread:
    """Who, when and from which era a category appears with, and whether it recurs.

    The page shows a theme category's people and recurrence; its whens and eras are
    made when first read (the evidence view reads them all)."""

    label: CategoryLabel
    people: tuple[Figure, ...]
    recurs: bool
    earlier: Figure
    later: Figure
    make_whens: Callable[[], tuple[Figure, ...]] = field(repr=False, compare=False)
    make_eras: Callable[[], tuple[Figure, ...]] = field(repr=False, compare=False)

    @cached_property
    def whens(self) -> tuple[Figure, ...]:
        return self.make_whens()

    @cached_property
    def eras(self) -> tuple[Figure, ...]:
        return self.make_eras()


@dataclass(frozen=True)
class PartSection:
    part: str
    title: str
    rows: tuple[Row, ...]
    valences: tuple[Row, ...]
    # Every category's spread, made when first read: the page shows only the theme's.
    make_spreads: Callable[[], tuple[Spread, ...]] = field(repr=False, compare=False)

    @cached_property
    def spreads(self) -> tuple[Spread, ...]:
        return self.make_spreads()


@dataclass(frozen=True)
class ThemePart:
    part: str
    title: str
    labels: tuple[CategoryLabel, ...]
    is_tie: bool
    overall: Figure | None
    tied: tuple[Row, ...]
    percent: int = 0
    spreads: tuple[Spread, ...] = ()


@dataclass(frozen=True)
class Sequence:
    rank: int
    wish: CategoryLabel
    ro: CategoryLabel
    rs: CategoryLabel
    figure: Figure


@dataclass(frozen=True)
class PartCodes:
    title: str
    labels: tuple[CategoryLabel, ...]
    valence: str


@dataclass(frozen=True)
class EpisodeItem:
    ref: EpisodeRef
    episode: Episode
    other: str
    codes: tuple[PartCodes, ...]


@dataclass(frozen=True)
class PatternPage:
    total: int
    min_episodes: int
    too_few: bool
    phase_counts: tuple[tuple[str, Figure], ...]
    theme: tuple[ThemePart, ...] | None
    sequences: tuple[Sequence, ...] | None
    parts: tuple[PartSection, ...]
    heat: tuple[HeatPart, ...] = ()
    everything: Figure | None = None


def _percent(value: Fraction) -> int:
    return _percent_of(value.numerator, value.denominator)


def _percent_of(count: int, total: int) -> int:
    """count / total as a whole percentage, rounded half up as people round: 2/3 is 67%
    and 1/8 is 13%. In integers: the figures round a few hundred shares a page."""
    # int(count / total * 100 + 1/2), which truncates toward zero, with a positive total.
    scaled = 200 * count + total
    return scaled // (2 * total) if scaled >= 0 else -(-scaled // (2 * total))


def _shade(percent: int | None) -> int:
    # Six steps are enough to see a trend at a glance; the number is printed beside it.
    if not percent:
        return 0
    step = 1 + (percent - 1) // 20
    return step if step < 5 else 5


class _Refs(dict):
    """Each episode's ref by id, numbered in the order listed; made on the first lookup,
    so a page that only links figures by key numbers no episode."""

    def __init__(self, order) -> None:
        super().__init__()
        self._order = order

    def __missing__(self, episode_id):
        if self or not self._order:
            raise KeyError(episode_id)
        self.update(
            (i, EpisodeRef(number=number, anchor=f"episode-{i}"))
            for number, i in enumerate(self._order, start=1)
        )
        return self[episode_id]


class PatternFigures:
    """Turn a PatternView into the figures the template shows."""

    def __init__(self, view: selectors.PatternView) -> None:
        self.view = view
        # The statistics with the episodes behind each figure (a PatternReport), or only
        # their counts (PatternCounts) for the page, which links each figure by its key.
        self.report = view.report
        report = view.report
        traced = isinstance(report, PatternReport)
        self.phase_ids = report.phase_episode_ids if traced else None
        self._find = None if traced else self._traced_refs
        # A label is marked retired by its category, whichever episode it is coded in.
        self.retired = {str(c.public_id) for c in view.categories if c.retired_at is not None}
        # A figure names its episodes by number and anchor; the episodes themselves (their
        # text, people and codes) are built only for the list that shows them.
        self.refs = _Refs(view.order)
        # Every figure made, by its key: the evidence view finds a figure's episodes here.
        self.index: dict[str, Figure] = {}
        self._labels: dict[str, CategoryLabel] = {}
        self._code_labels: dict[tuple[str, bool], CategoryLabel] = {}
        self._rows: dict[str, Row] = {}
        # Words translated once per page: the figures repeat a few dozen of them.
        self._words: dict = {}

    # Each lookup below reads its dict by `in` and a subscript, which call nothing: a page
    # looks up its words and labels a few hundred times.

    def _(self, message: str) -> str:
        words = self._words
        if message not in words:
            words[message] = _(message)
        return words[message]

    def _n(self, singular: str, plural: str, number: int) -> str:
        key = (singular, number)
        words = self._words
        if key not in words:
            words[key] = ngettext(singular, plural, number)
        return words[key]

    def _str(self, lazy) -> str:
        """A lazy translation (a part's title, a choice's label) as text, once per page."""
        key = id(lazy)
        words = self._words
        if key not in words:
            words[key] = str(lazy)
        return words[key]

    def _points(self, change: Fraction | None) -> str:
        if change is None:
            return "—"
        points = _percent(abs(change))
        if points == 0:
            return self._("no change")
        sign = "+" if change > 0 else "\N{MINUS SIGN}"
        return self._n("%(sign)s%(points)s point", "%(sign)s%(points)s points", points) % {
            "sign": sign,
            "points": points,
        }

    def label(self, category_id: str) -> CategoryLabel:
        labels = self._labels
        if category_id not in labels:
            text = self.view.labels.get(category_id)
            if text is None:
                text = self._("(unknown category)")
            labels[category_id] = labelled(text, category_id in self.retired)
        return labels[category_id]

    def _code_label(self, text: str, retired: bool) -> CategoryLabel:
        """A code's label in the evidence list, made once per category shown: the list
        names the same few categories for hundreds of episodes."""
        found = self._code_labels.get((text, retired))
        if found is None:
            found = self._code_labels[text, retired] = labelled(text, retired)
        return found

    def _other(self, episode: Episode) -> str:
        if episode.with_therapist:
            return _("the therapist")
        return f"{episode.person.label} ({episode.person.relationship})"

    @cached_property
    def items(self) -> tuple[EpisodeItem, ...]:
        """Each episode as the evidence list shows it (needs the view read as models)."""
        return tuple(self._item(e) for e in self.view.episodes)

    def _item(self, episode: Episode) -> EpisodeItem:
        ref = self.refs[str(episode.public_id)]
        by_part: dict[str, list[CategoryLabel]] = {part: [] for part in PART_SHORT}
        for code in episode.codes.all():
            by_part[code.part].append(
                self._code_label(code.category.label, code.category.retired_at is not None)
            )
        codes = tuple(
            PartCodes(
                title=self._str(PART_SHORT[part]),
                labels=tuple(sorted(labels, key=lambda c: c.text.casefold())),
                valence=getattr(episode, f"get_{part}_valence_display")(),
            )
            for part, labels in by_part.items()
        )
        return EpisodeItem(ref=ref, episode=episode, other=self._other(episode), codes=codes)

    def figure(self, text: str, episode_ids, key: str = "", count: int | None = None) -> Figure:
        # A counted view's figures name no episodes (`episode_ids` is empty): their count
        # is given.
        figure = Figure(
            text=text,
            count=len(episode_ids) if count is None else count,
            episode_ids=tuple(episode_ids),
            key=key,
            lookup=self.refs,
            find=self._find,
        )
        if key:
            self.index[key] = figure
        return figure

    def share(self, share: Share | Counted | None, key: str = "") -> Figure | None:
        if share is None:
            return None
        text = self._n(
            "%(count)s of %(total)s episode", "%(count)s of %(total)s episodes", share.total
        ) % {"count": share.count, "total": share.total}
        if not self.report.too_few_episodes:
            text = f"{text} ({_percent_of(share.count, share.total)}%)"
        return self.figure(text, share.episode_ids, key, share.count)

    def row(
        self,
        label: CategoryLabel,
        profile: CategoryProfile | CategoryCounts | ValenceProfile,
        key: str = "",
    ) -> Row:
        # A theme's category is also a row of its part: its figures are made once.
        if key and key in self._rows:
            return self._rows[key]
        by_phase: ByPhase = profile.by_phase
        row = Row(
            label=label,
            overall=self.share(profile.overall, key),
            phases=tuple(
                [
                    self.share(share, f"{key}:{phase}" if key else "")
                    for phase, share in zip(PHASES, by_phase.in_order(), strict=True)
                ]
            ),
            change=self._points(profile.change.initial_to_ending),
        )
        if key:
            self._rows[key] = row
        return row

    def tally(self, label: str, episode_ids, key: str = "", count: int | None = None) -> Figure:
        count = len(episode_ids) if count is None else count
        return self.figure(f"{label}: {count}", episode_ids, key, count)

    def spread(self, profile: CategoryProfile | CategoryCounts) -> Spread:
        recurrence = profile.recurrence
        part, category = profile.part, profile.category
        key = f"cat:{part}:{category}"

        def make_whens() -> tuple[Figure, ...]:
            if isinstance(profile, CategoryCounts):
                # A counted profile has no whens or eras (the page shows neither): they
                # are the category's in the figures made with their episodes.
                return self._traced_spread(part, category).whens
            return tuple(
                self.tally(
                    self._str(Episode.When(t.key).label), t.episode_ids, f"{key}:when:{t.key}"
                )
                for t in profile.whens
            )

        def make_eras() -> tuple[Figure, ...]:
            if isinstance(profile, CategoryCounts):
                return self._traced_spread(part, category).eras
            return tuple(
                self.tally(
                    self._str(Person.Era(t.key).label)
                    if t.key
                    else self._("the therapist (no era)"),
                    t.episode_ids,
                    f"{key}:era:{t.key or 'none'}",
                )
                for t in profile.eras
            )

        return Spread(
            label=self.label(category),
            people=tuple(
                self.tally(t.person_label, t.episode_ids, f"{key}:who:{t.person_key}", t.count)
                for t in profile.people
            ),
            make_whens=make_whens,
            make_eras=make_eras,
            recurs=recurrence.recurs,
            earlier=self.tally(
                self._("childhood or past"),
                recurrence.earlier_episode_ids,
                f"{key}:earlier",
                recurrence.earlier_count,
            ),
            later=self.tally(
                self._("current or in the session"),
                recurrence.later_episode_ids,
                f"{key}:later",
                recurrence.later_count,
            ),
        )

    def by_label(self, category_ids) -> list[str]:
        return sorted(category_ids, key=lambda c: self.label(c).text.casefold())

    def part(self, part: str) -> PartSection:
        # The statistics order equal counts by category id; people read labels.
        found = self.report.profiles(part)
        labels = {p.category: self.label(p.category) for p in found}
        profiles = sorted(
            found, key=lambda p: (-p.overall.count, labels[p.category].text.casefold())
        )
        valences = [v for v in self.report.valences if v.part == part]
        return PartSection(
            part=part,
            title=self._str(PART_TITLES[part]),
            rows=tuple(
                [self.row(labels[p.category], p, f"cat:{part}:{p.category}") for p in profiles]
            ),
            valences=tuple(
                self.row(
                    labelled(self._str(Episode.Valence(v.valence).label), False),
                    v,
                    f"val:{part}:{v.valence}",
                )
                for v in valences
            ),
            make_spreads=lambda: tuple(self.spread(p) for p in profiles),
        )

    def theme(self) -> tuple[ThemePart, ...] | None:
        core = self.report.core_theme
        if core is None:
            return None
        parts = []
        for part in PART_SHORT:
            candidate = core[part]
            if candidate is None:
                parts.append(ThemePart(part, self._str(PART_SHORT[part]), (), False, None, ()))
                continue
            categories = self.by_label(candidate.categories)
            profiles = [self.report.profile(part, c) for c in categories]
            labels = tuple([self.label(c) for c in categories])
            tied = tuple(
                [
                    self.row(label, profile, f"cat:{part}:{c}")
                    for c, label, profile in zip(categories, labels, profiles, strict=True)
                ]
            )
            text = self._n(
                "%(count)s of %(total)s episode (%(percent)s%%)",
                "%(count)s of %(total)s episodes (%(percent)s%%)",
                candidate.total,
            ) % {
                "count": candidate.count,
                "total": candidate.total,
                "percent": _percent(candidate.value),
            }
            parts.append(
                ThemePart(
                    part=part,
                    title=self._str(PART_SHORT[part]),
                    labels=labels,
                    is_tie=candidate.is_tie,
                    overall=self.figure(
                        text, candidate.episode_ids, f"theme:{part}", candidate.episode_count
                    ),
                    tied=tied,
                    percent=_percent(candidate.value),
                    spreads=tuple([self.spread(profile) for profile in profiles]),
                )
            )
        return tuple(parts)

    def sequences(self) -> tuple[Sequence, ...] | None:
        if self.report.sequences is None:
            return None
        sequences = [
            Sequence(
                rank=t.rank,
                wish=self.label(t.wish),
                ro=self.label(t.ro),
                rs=self.label(t.rs),
                figure=self.share(t.share, f"seq:{t.wish}:{t.ro}:{t.rs}"),
            )
            for t in self.report.sequences
        ]
        return tuple(sorted(sequences, key=lambda q: (q.rank, q.wish.text, q.ro.text, q.rs.text)))

    def page(self) -> PatternPage:
        report = self.report
        phase_ids = self.phase_ids
        phase_counts = tuple(
            (
                phase,
                self.figure(
                    self._n("%(count)s episode", "%(count)s episodes", count) % {"count": count},
                    phase_ids[phase] if phase_ids else (),
                    f"phase:{phase}",
                    count,
                ),
            )
            for phase in PHASES
            for count in (report.phase_totals[phase],)
        )
        everything = self.figure(
            self._n("%(count)s episode", "%(count)s episodes", report.total)
            % {"count": report.total},
            report.episode_ids,
            "all",
            report.total,
        )
        parts = tuple(self.part(part) for part in PART_SHORT)
        return PatternPage(
            total=report.total,
            min_episodes=report.min_episodes,
            too_few=report.too_few_episodes,
            phase_counts=phase_counts,
            theme=self.theme(),
            sequences=self.sequences(),
            parts=parts,
            heat=tuple(self.heat(section) for section in parts),
            everything=everything,
        )

    def heat(self, section: PartSection) -> HeatPart:
        """Every offered category of the part, coded or not, and any retired one still on
        an episode: the whole set in a fixed order, so the strip reads the same each visit."""
        rows = {row.label.text: row for row in section.rows}
        ordered = []
        for category in self.view.categories:
            if category.part != section.part:
                continue
            category_id = str(category.public_id)
            row = rows.pop(category.label, None)
            if row is None and category.retired_at is not None:
                continue
            ordered.append(self._heat_row(category_id, row))
        # A code on a category the practice no longer lists still shows.
        ordered += [self._heat_row("", row) for row in rows.values()]
        return HeatPart(
            part=section.part, title=self._str(PART_SHORT[section.part]), rows=tuple(ordered)
        )

    def _heat_row(self, category_id: str, row: Row | None) -> HeatRow:
        if row is None:
            overall, cells = self._zero_row
            return HeatRow(label=self.label(category_id), overall=overall, percent=0, cells=cells)
        cells = tuple(
            [
                _NO_EPISODES
                if figure is None
                else HeatCell(
                    figure=figure,
                    percent=(percent := _percent_of(figure.count, total)),
                    shade=_shade(percent),
                )
                for figure, total in zip(
                    row.phases, self.report.phase_totals.in_order(), strict=True
                )
            ]
        )
        return HeatRow(
            label=row.label,
            overall=row.overall,
            percent=_percent_of(row.overall.count, self.report.total),
            cells=cells,
        )

    @cached_property
    def _zero_row(self) -> tuple[Figure, tuple[HeatCell, ...]]:
        """The figures of a category no episode is coded with, the same for every such
        row (they are frozen): the strips list every offered category, coded or not."""
        phase_totals = self.report.phase_totals
        zero = self._("0 of %(total)s") % {"total": self.report.total}
        return Figure(text=zero, count=0), tuple(
            HeatCell(
                figure=Figure(text="0", count=0) if phase_totals[p] else None,
                percent=0 if phase_totals[p] else None,
                shade=0,
            )
            for p in PHASES
        )

    @cached_property
    def _traced(self) -> PatternFigures:
        """The figures made again with their episodes, every one indexed by key: made
        only when a counted figure's episodes, whens or eras are read (the page itself
        reads none of them)."""
        figures = PatternFigures(self.view.traced())
        figures.evidence("all")
        return figures

    def _traced_refs(self, key: str) -> tuple[EpisodeRef, ...]:
        figure = self._traced.index.get(key)
        return () if figure is None else figure.refs

    def _traced_spread(self, part: str, category: str) -> Spread:
        traced = self._traced
        return traced.spread(traced.report.profile(part, category))

    def evidence(self, key: str) -> Figure | None:
        """The figure a key names, with its episodes; None for a key the page never made."""
        for section in self.page().parts:
            # Every category's spread names its figures, its whens and eras too.
            for spread in section.spreads:
                spread.whens  # noqa: B018
                spread.eras  # noqa: B018
        return self.index.get(key)
