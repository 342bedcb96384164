"""The category ranker on synthetic fragments: top-1 and top-3 per part, for each ranker.

    bench/ranker.py [--split held|tune] [--write]

Reads bench/ranker_fragments.tsv (192 fictional fragments, 8 for each of the 24 clusters,
half marked `held`, never used for tuning) and ranks each against the default category
set of the part, matched to its cluster by the set's order (A-H). Rankers:

- keywords: the cue words alone, as the suggestions worked before the ranker; a fragment
  with no cue word gets no suggestion, so it counts as a miss;
- words + practice examples: the fallback when the model cannot load (shared words with
  the description and with the tuning fragments, plus cue words);
- semantic: all-MiniLM-L6-v2 (int8 ONNX) against each category's label and description;
- semantic + practice examples: as above, with the tuning fragments standing in for the
  practice's confirmed codes (what a practice that has coded some episodes gets).

`--write` replaces the ranker section of bench/RESULTS.md with the table.
"""

from __future__ import annotations

import argparse
import csv
import platform
import re
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from patternwork.formulation import keywords  # noqa: E402  (needs the path above)
from patternwork.formulation.categories import DEFAULT_CATEGORIES  # noqa: E402
from patternwork.formulation.ranking import (  # noqa: E402
    CategoryText,
    Example,
    chance,
    onnx_model,
    rank,
)

DATA = ROOT / "bench" / "ranker_fragments.tsv"
RESULTS = ROOT / "bench" / "RESULTS.md"
PARTS = ("wish", "ro", "rs")
PART_NAMES = {"wish": "W", "ro": "RO", "rs": "RS"}
CLUSTERS = "ABCDEFGH"
TARGET = (0.60, 0.85)
DEFAULT = "semantic + practice examples"
BEGIN = "<!-- ranker:begin -->"
END = "<!-- ranker:end -->"


@dataclass(frozen=True)
class Fragment:
    part: str
    cluster: str
    split: str
    text: str


def load_fragments(path: Path = DATA) -> list[Fragment]:
    lines = [line for line in path.read_text().splitlines() if not line.startswith("#")]
    rows = csv.DictReader(lines, delimiter="\t")
    return [Fragment(r["part"], r["cluster"], r["split"], r["text"]) for r in rows]


def category_set() -> dict[str, list[CategoryText]]:
    """The default set by part, in cluster order; ids are the cluster letters."""
    by_part: dict[str, list[CategoryText]] = defaultdict(list)
    for default in DEFAULT_CATEGORIES:
        letter = CLUSTERS[len(by_part[default.part])]
        by_part[default.part].append(
            CategoryText(
                id=letter,
                label=default.label,
                description=getattr(default, "description", ""),
                cues=tuple(default.keywords),
            )
        )
    return by_part


def keyword_order(text: str, categories: list[CategoryText]) -> list[str]:
    """Categories whose cue words occur, most matches first; the rest are not suggested."""
    found = keywords.suggest(
        text, [keywords.CategoryWords(c.id, c.label, c.cues) for c in categories]
    )
    position = {c.id: i for i, c in enumerate(categories)}
    found.sort(key=lambda s: (-len(s.words), position[s.id]))
    return [s.id for s in found]


def evaluate(fragments, split, embedder, cats):
    tuning = defaultdict(list)
    for f in fragments:
        if f.split == "tune":
            tuning[f.part].append(Example(f.cluster, f.text))
    rankers = {
        "keywords": lambda f: keyword_order(f.text, cats[f.part]),
        "words + practice examples (fallback)": lambda f: _ids(
            rank(f.text, cats[f.part], examples=_others(tuning[f.part], f), part=f.part)
        ),
    }
    if embedder is not None:
        rankers["semantic"] = lambda f: _ids(
            rank(f.text, cats[f.part], embedder=embedder, part=f.part)
        )
        rankers["semantic + practice examples"] = lambda f: _ids(
            rank(
                f.text,
                cats[f.part],
                examples=_others(tuning[f.part], f),
                embedder=embedder,
                part=f.part,
            )
        )
    chosen = [f for f in fragments if f.split == split or split == "all"]
    table = {}
    for name, order in rankers.items():
        hits = {part: [0, 0, 0] for part in PARTS}  # top-1, top-3, n
        for fragment in chosen:
            ids = order(fragment)
            counts = hits[fragment.part]
            counts[0] += ids[:1] == [fragment.cluster]
            counts[1] += fragment.cluster in ids[:3]
            counts[2] += 1
        table[name] = hits
    return table, len(chosen)


def _others(examples, fragment):
    # On the tuning half a fragment must not find itself among the practice's examples.
    return [e for e in examples if e.text != fragment.text]


def _ids(ranking) -> list[str]:
    return [item.category.id for item in ranking.items]


def render(table, n, split, cats, seconds, model_note) -> str:
    header = "| ranker | " + " | ".join(
        f"{PART_NAMES[p]} top-1 | {PART_NAMES[p]} top-3" for p in PARTS
    )
    header += " | all top-1 | all top-3 |"
    lines = [header, "| --- |" + " ---: |" * (2 * len(PARTS) + 2)]
    chance_row = "| chance (random order) | "
    chance_row += " | ".join(
        f"{chance(len(cats[p]), 1):.2f} | {chance(len(cats[p]), 3):.2f}" for p in PARTS
    )
    chance_row += f" | {chance(8, 1):.2f} | {chance(8, 3):.2f} |"
    lines.append(chance_row)
    for name, hits in table.items():
        row = f"| {name} | "
        row += " | ".join(f"{h[0] / h[2]:.2f} | {h[1] / h[2]:.2f}" for h in hits.values())
        total = sum(h[2] for h in hits.values())
        row += f" | {sum(h[0] for h in hits.values()) / total:.2f}"
        row += f" | {sum(h[1] for h in hits.values()) / total:.2f} |"
        lines.append(row)
    verdict = ""
    if DEFAULT in table:
        hits = table[DEFAULT].values()
        total = sum(h[2] for h in hits)
        top1 = sum(h[0] for h in hits) / total
        top3 = sum(h[1] for h in hits) / total
        reached = top1 >= TARGET[0] and top3 >= TARGET[1]
        verdict = (
            f"\nTarget for the default ranker ({DEFAULT}): top-1 >= {TARGET[0]:.2f} and "
            f"top-3 >= {TARGET[1]:.2f}: {'reached' if reached else 'NOT reached'} "
            f"({top1:.2f}, {top3:.2f}).\n"
        )
    return (
        f"Split `{split}`: {n} fragments ({n // 3} per part). {model_note} "
        f"Ranked in {seconds:.1f} s on {platform.machine()}, Python {platform.python_version()}.\n\n"
        + "\n".join(lines)
        + "\n"
        + verdict
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=["held", "tune", "all"], default="held")
    parser.add_argument("--write", action="store_true", help="update bench/RESULTS.md")
    args = parser.parse_args(argv)
    fragments = load_fragments()
    cats = category_set()
    try:
        started = time.perf_counter()
        embedder = onnx_model.load()
        model_note = f"Model `{embedder.version}` loaded in {time.perf_counter() - started:.2f} s."
    except onnx_model.ModelUnavailable as exc:
        embedder, model_note = None, f"The model did not load ({exc}): semantic rows are missing."
    described = sum(1 for part in cats.values() for c in part if c.description)
    model_note += f" Categories with a description: {described} of 24."
    started = time.perf_counter()
    table, n = evaluate(fragments, args.split, embedder, cats)
    text = render(table, n, args.split, cats, time.perf_counter() - started, model_note)
    print(text)
    if args.write:
        current = RESULTS.read_text()
        block = f"{BEGIN}\n{text}{END}"
        if BEGIN in current:
            current = re.sub(
                re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: block, current, flags=re.S
            )
        else:
            current = current.rstrip("\n") + "\n\n" + block + "\n"
        RESULTS.write_text(current)
    return 0


if __name__ == "__main__":
    sys.exit(main())
