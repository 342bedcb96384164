"""Links to many rows of one kind, built once per page rather than reversed per row."""

from uuid import UUID

from patternwork.core.navigation import cached_reverse

_PLACEHOLDER = UUID(int=0)


def path_prefix(name: str) -> str:
    """The path of the named page up to its one public id, for `prefix + id + "/"`.

    A table of fifty courses then reverses one URL, not fifty. Only for a URL whose last
    part is the public id followed by a slash; any other shape is refused here.
    """
    path = cached_reverse(name, _PLACEHOLDER)
    prefix, found, rest = path.partition(str(_PLACEHOLDER))
    if not found or rest != "/":
        raise ValueError(f"{name} does not end in its public id: {path}")
    return prefix
