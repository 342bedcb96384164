"""The hazard log cites tests that exist, and every hazard cites at least one."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOG = ROOT / "docs/safety/hazard-log.md"
HAZARD = re.compile(r"^## (H\d+)\. ", re.MULTILINE)
NODE_ID = re.compile(r"`(tests/[\w/]+\.py::\w+)`")


def hazards() -> dict[str, list[str]]:
    text = LOG.read_text(encoding="utf-8")
    starts = [(m.group(1), m.start()) for m in HAZARD.finditer(text)]
    ends = [start for _, start in starts[1:]] + [len(text)]
    return {
        name: NODE_ID.findall(text[start:end])
        for (name, start), end in zip(starts, ends, strict=True)
    }


def defined_tests(path: Path) -> set[str]:
    """Module-level test functions, read with ast: nothing is imported or collected."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
    }


def test_the_hazard_log_lists_hazards():
    assert len(hazards()) >= 10


def test_every_hazard_cites_at_least_one_test():
    assert [name for name, ids in hazards().items() if not ids] == []


def test_every_cited_test_exists():
    missing = []
    for name, ids in hazards().items():
        for node_id in ids:
            path, function = node_id.split("::")
            file = ROOT / path
            if not file.is_file() or function not in defined_tests(file):
                missing.append(f"{name}: {node_id}")
    assert missing == []
