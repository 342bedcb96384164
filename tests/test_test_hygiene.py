"""The test suite keeps its shared pieces in one place.

Fixtures used by several modules live in a conftest.py (or the plugin module it loads,
tests/course_fixtures.py), helpers in plain modules such as tests/factories.py; a test
module never imports another test module, and no fixture is copied from one to another.
"""

import ast
import collections
import functools
from pathlib import Path

TESTS = Path(__file__).resolve().parent


@functools.cache
def _test_modules() -> tuple:
    return tuple(
        (path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        for path in sorted(TESTS.rglob("test_*.py"))
    )


def _is_test_module(dotted: str) -> bool:
    parts = dotted.split(".")
    return parts[0] == "tests" and parts[-1].startswith("test_")


def _statements(nodes):
    """Every statement in these, nested ones included (an import is always a statement):
    a walk that skips the expressions, which are most of a module's nodes."""
    for node in nodes:
        yield node
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            inner = getattr(node, name, None)
            if isinstance(inner, list):
                yield from _statements(inner)


def test_no_test_module_imports_another_test_module():
    found = []
    for path, tree in _test_modules():
        for node in _statements(tree.body):
            if isinstance(node, ast.ImportFrom) and node.module and _is_test_module(node.module):
                found.append(f"{path.relative_to(TESTS)}:{node.lineno} imports {node.module}")
            elif isinstance(node, ast.Import):
                found += [
                    f"{path.relative_to(TESTS)}:{node.lineno} imports {alias.name}"
                    for alias in node.names
                    if _is_test_module(alias.name)
                ]

    assert found == []


def _is_fixture(node: ast.FunctionDef) -> bool:
    return any("fixture" in ast.unparse(decorator) for decorator in node.decorator_list)


def test_no_fixture_is_copied_between_test_modules():
    # Two fixtures with the same name, decorators and body are one fixture written twice:
    # it belongs in a conftest.py. Fixtures of the same name that differ are local choices.
    copies = collections.defaultdict(list)
    for path, tree in _test_modules():
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and _is_fixture(node):
                docless = [
                    statement
                    for statement in node.body
                    if not (
                        isinstance(statement, ast.Expr)
                        and isinstance(statement.value, ast.Constant)
                    )
                ]
                key = (node.name, ast.dump(ast.Module(body=docless, type_ignores=[])))
                key += tuple(ast.unparse(d) for d in node.decorator_list)
                copies[key].append(f"{path.relative_to(TESTS)}:{node.lineno}")

    assert {key[0]: where for key, where in copies.items() if len(where) > 1} == {}


def test_the_stopped_clock_is_the_shared_frozen_fixture():
    # One `frozen` fixture (tests/conftest.py) stops the clock at the module's NOW.
    defined = [
        f"{path.relative_to(TESTS)}:{node.lineno}"
        for path, tree in _test_modules()
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and _is_fixture(node) and "frozen" in node.name
    ]

    assert defined == []
