"""Fixed words translated once per language and process, for markup and figures written
in Python.

`gettext` walks the catalogue and its fallbacks on every call (a few dozen Python calls
each); a page that names twenty fixed labels paid that twenty times per request. The
catalogues are loaded once per process, so a msgid's translation in a language does not
change while the process runs.
"""

from collections.abc import Callable

from django.utils.translation import get_language, gettext

_WORDS: dict[str | None, dict[str, str]] = {}


def translator() -> Callable[[str], str]:
    """`gettext` of a fixed msgid (a literal, or one marked with `gettext_noop`) in the
    active language, kept for that language."""
    words = _WORDS.setdefault(get_language(), {})

    def translated(msgid: str) -> str:
        text = words.get(msgid)
        if text is None:
            text = words[msgid] = gettext(msgid)
        return text

    return translated
