"""Comments and documents point only at things a reader of the repository can open."""

import functools
import os
import re
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# The files are those git tracks or would add. Without a git checkout the tree is walked,
# leaving out folders of installed tools, local data and caches (hidden folders too, except
# the CI script's).
SKIPPED_DIRS = {"var", "node_modules", "__pycache__", "htmlcov"}
SKIPPED_PATHS = {REPO / "bench" / "data"}
KEPT_HIDDEN_DIRS = {".ci"}
# Generated or binary files, and the local settings file, which may hold secrets.
SKIPPED_FILES = {".git", "uv.lock", ".env", ".coverage"}
BINARY_SUFFIXES = {".ttf", ".woff", ".woff2", ".png", ".jpg", ".ico", ".pdf", ".sqlite3", ".pyc"}

URL = re.compile(r"\b[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE)
MARKDOWN_SUFFIX = re.compile(r"\.md\b")
NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./-")
# Numbered references to documents that are not in the repository: the issue tracker's
# issues, numbered sections, numbered hazards, and source tags (an S and a number in
# square brackets) that point into a reference list kept elsewhere.
# Each pattern comes with a cheap test of the lower-cased text that it can only match after.
NUMBERED_CITATIONS = (
    ("issue", re.compile(r"\bissues?\s+#?\d", re.IGNORECASE)),
    ("\u00a7", re.compile(r"\u00a7\s*\d")),
    ("hazard", re.compile(r"\bhazard\s+\d", re.IGNORECASE)),
    ("[s", re.compile(r"\[S\d+[a-z]?\]")),
)


def _git_paths():
    """Return the files git tracks or would add, or None where there is no git checkout."""
    git = shutil.which("git")
    if git is None:
        return None
    try:
        # The arguments are fixed, so nothing from outside reaches the command line.
        listed = subprocess.run(  # noqa: S603
            [git, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=REPO,
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return [REPO / name for name in sorted(set(listed.decode().split("\0"))) if name]


def _walked_paths():
    for folder, dirs, files in os.walk(REPO):
        here = Path(folder)
        dirs[:] = sorted(
            name
            for name in dirs
            if name not in SKIPPED_DIRS
            and (not name.startswith(".") or name in KEPT_HIDDEN_DIRS)
            and here / name not in SKIPPED_PATHS
        )
        yield from (here / name for name in sorted(files))


def _text_files():
    paths = _git_paths()
    for path in _walked_paths() if paths is None else paths:
        if path.name in SKIPPED_FILES or path.suffix in BINARY_SUFFIXES or not path.is_file():
            continue
        data = path.read_bytes()
        if b"\0" not in data:
            yield path, data.decode("utf-8", errors="replace")


@functools.cache
def _texts():
    return tuple(_text_files())


def _lines(might_match):
    """Yield (path, line number, line less its web addresses) of the files that might match."""
    for path, text in _texts():
        if might_match(text, text.lower()):
            for number, line in enumerate(text.splitlines(), start=1):
                yield path, number, URL.sub("", line) if "://" in line else line


def _markdown_names(line):
    # Walk back from each ".md" over the characters a path may hold: a plain regular
    # expression for the whole name is slow on long lines.
    for match in MARKDOWN_SUFFIX.finditer(line):
        start = match.start()
        while start and line[start - 1] in NAME_CHARS:
            start -= 1
        before = line[match.start() - 1 : match.start()]
        if before.isalnum() or before == "_":
            yield line[start : match.end()]


def _where(path, number, line):
    return f"{path.relative_to(REPO)}:{number}: {line.strip()}"


def _resolves(path, name):
    return (REPO / name).is_file() or (path.parent / name).is_file()


def test_every_cited_markdown_file_is_in_the_repository():
    missing = [
        _where(path, number, line)
        for path, number, line in _lines(lambda text, lower: ".md" in text)
        if any(not _resolves(path, name) for name in _markdown_names(line))
    ]

    assert not missing, "\n".join(missing)


def test_nothing_cites_a_numbered_issue_section_hazard_or_source_tag():
    def might_match(text, lower):
        return any(hint in lower and pattern.search(text) for hint, pattern in NUMBERED_CITATIONS)

    citing = [
        _where(path, number, line)
        for path, number, line in _lines(might_match)
        if any(pattern.search(line) for _, pattern in NUMBERED_CITATIONS)
    ]

    assert not citing, "\n".join(citing)
