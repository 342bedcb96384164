"""Create the instance's secret key and encryption key under var/ once, and keep them."""

from __future__ import annotations

import base64
import os
import secrets
import sys
from pathlib import Path


def write_once(path: Path, value: str) -> None:
    if path.exists():
        return
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    print(f"Generated {path} (keep it safe and back it up: without it the data cannot be read).")


def main() -> int:
    var = Path(sys.argv[1] if len(sys.argv) > 1 else "var")
    var.mkdir(mode=0o700, parents=True, exist_ok=True)
    # The folder holds the keys, the database and its journals: owner only.
    var.chmod(0o700)
    write_once(var / "secret_key", secrets.token_urlsafe(50))
    write_once(var / "encryption_keys", base64.urlsafe_b64encode(os.urandom(32)).decode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
