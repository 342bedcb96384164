"""Optimistic concurrency: two people saving the same record never overwrite silently."""


class StaleEdit(Exception):
    """The record changed since the editor loaded it; their input must be kept, not saved."""

    def __init__(self, *, current_version: int) -> None:
        super().__init__(f"The record was changed by someone else (now version {current_version}).")
        self.current_version = current_version


STALE_EDIT_MESSAGE = (
    "Someone else saved this while you were editing. Your text is kept below: copy what you "
    "need, reload to see their version, and save again."
)
