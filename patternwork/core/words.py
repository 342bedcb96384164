"""Fixed words translated once per language and process, for markup and figures written
in Python.

`gettext` walks the catalogue and its fallbacks on every call (a few dozen Python calls
each); a page that names twenty fixed labels paid that twenty times per request. The
catalogues are loaded once per process, so a msgid's translation in a language does not
change while the process runs, and neither does anything made only from translations
(a table's escaped headings, a field's choice labels, the names of days and months).

`kept` is the one place such things are kept: each caller names what it keeps by a key
and says how to make it, and it is made once per language. `translator` is `gettext`
through it, one msgid at a time.
"""

from collections.abc import Callable, Hashable
from typing import TypeVar

from django.utils.translation import get_language, gettext

T = TypeVar("T")

_KEPT: dict[tuple[str | None, Hashable], object] = {}


def kept(key: Hashable, build: Callable[[], T], language: str | None = None) -> T:
    """What `build()` makes for `key` in the active language, made once per language and
    process. `build` may use only translations and fixed values (nothing of a request).

    A caller that has asked the active language already passes it as `language`.
    """
    where = (get_language() if language is None else language, key)
    try:
        return _KEPT[where]  # type: ignore[return-value]
    except KeyError:
        made = _KEPT[where] = build()
        return made


def translator() -> Callable[[str], str]:
    """`gettext` of a fixed msgid (a literal, or one marked with `gettext_noop`) in the
    active language, kept for that language."""
    words: dict[str, str] = kept(translator, dict)

    def translated(msgid: str) -> str:
        text = words.get(msgid)
        if text is None:
            text = words[msgid] = gettext(msgid)
        return text

    return translated
