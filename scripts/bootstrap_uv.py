"""Fetch the pinned uv installer with nothing but Python and pip.

A fresh Debian/Ubuntu machine may lack `python3-venv` (ensurepip) and refuse
`pip install` outside a virtual environment (PEP 668), but `pip download` always
works. uv's wheel carries a static binary; unpack it to .tools/bin/uv.
"""

from __future__ import annotations

import stat
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

VERSION = sys.argv[1]
TARGET = Path(sys.argv[2])


def main() -> int:
    if TARGET.exists():
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(  # noqa: S603  (fixed command, pinned version)
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--only-binary=:all:",
                "--dest",
                tmp,
                f"uv=={VERSION}",
            ],
            check=True,
        )
        wheels = list(Path(tmp).glob("uv-*.whl"))
        if len(wheels) != 1:
            print(f"expected one uv wheel, found {wheels}", file=sys.stderr)
            return 1
        with zipfile.ZipFile(wheels[0]) as wheel:
            binary = wheel.read(f"uv-{VERSION}.data/scripts/uv")
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    partial = TARGET.with_suffix(".partial")
    partial.write_bytes(binary)
    partial.chmod(partial.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    partial.replace(TARGET)
    return 0


if __name__ == "__main__":
    sys.exit(main())
