"""Text for the PDFs: the vendored fonts, and untrusted text made safe to lay out.

Everything the therapist or the client typed is untrusted. `prepare` makes it paragraph
markup reportlab can set: characters the fonts cannot draw are named instead of being
dropped silently, the markup characters are escaped (so "<b>" prints as "<b>"), line
breaks are kept, and Arabic and Hebrew are shaped and put in visual order, which reportlab
only does itself with optional native libraries (rlbidi, uharfbuzz).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"

MM = 72 / 25.4
PAGE_WIDTH, PAGE_HEIGHT = 210 * MM, 297 * MM  # A4
MARGIN = 25 * MM
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN

GREY = "#555555"


def _utf16_cmap(original):
    """Wrap reportlab's ToUnicode CMap writer so characters beyond U+FFFF map correctly.

    reportlab 5.1 writes them as five hex digits ("<1F600>"), which is not UTF-16: PDF
    readers then lose the character when the text is copied or searched. The entry must
    be the UTF-16BE surrogate pair ("<D83DDE00>"); every other entry is left as it is.
    """

    def fixed(fontname, subset):
        return re.sub(
            r"^<([0-9A-F]{2})> <([0-9A-F]{5,6})>$",
            lambda m: f"<{m[1]}> <{chr(int(m[2], 16)).encode('utf-16-be').hex().upper()}>",
            original(fontname, subset),
            flags=re.MULTILINE,
        )

    fixed.patternwork_utf16 = True
    return fixed


@lru_cache(maxsize=1)
def register_fonts() -> frozenset[int]:
    """Register the vendored fonts once; return the code points the regular face draws."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics, ttfonts
    from reportlab.pdfbase.ttfonts import TTFont

    if not getattr(ttfonts.makeToUnicodeCMap, "patternwork_utf16", False):
        ttfonts.makeToUnicodeCMap = _utf16_cmap(ttfonts.makeToUnicodeCMap)

    regular = TTFont(REGULAR, str(FONT_DIR / "DejaVuSans.ttf"))
    pdfmetrics.registerFont(regular)
    pdfmetrics.registerFont(TTFont(BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))
    addMapping(REGULAR, 0, 0, REGULAR)
    addMapping(REGULAR, 1, 0, BOLD)
    addMapping(REGULAR, 0, 1, REGULAR)
    addMapping(REGULAR, 1, 1, BOLD)
    return frozenset(regular.face.charToGlyph)


# Text the fonts can draw


def printable(text: str) -> str:
    """Text with what the fonts cannot draw replaced by something a reader can follow.

    Symbols the font lacks (emoji) become their name in brackets: "[grinning face]".
    Invisible formatting (joiners, variation selectors) and control characters go;
    letters of scripts the font lacks become U+FFFD. Tabs become spaces.
    """
    drawn = register_fonts()
    out = []
    for char in text.replace("\t", "    "):
        if char == "\n" or ord(char) in drawn:
            out.append(char)
            continue
        category = unicodedata.category(char)
        if category[0] == "S":
            out.append(f"[{unicodedata.name(char, '?').lower()}]")
        elif category in ("Cc", "Cf", "Cs", "Co", "Cn", "Mn", "Me", "Zl", "Zp"):
            if category in ("Zl", "Zp"):
                out.append("\n")
        else:
            out.append("\ufffd")
    return "".join(out)


def _surely_drawn(char: str) -> bool:
    # Latin, Greek, Cyrillic and general punctuation: the fonts draw all of them, so the
    # staff pages need not load the fonts (and reportlab) to check most letters.
    point = ord(char)
    return 0x20 <= point <= 0x7E or 0xA0 <= point <= 0x4FF or 0x2010 <= point <= 0x205E


def unprintable(text: str) -> list[str]:
    """The distinct characters of `text` that the PDF will show as a name or a box."""
    if all(char in "\n\t" or _surely_drawn(char) for char in text):
        return []
    drawn = register_fonts()
    seen: dict[str, None] = {}
    for char in text:
        invisible = unicodedata.category(char) in ("Cc", "Cf", "Mn", "Me")
        if ord(char) not in drawn and not invisible:
            seen.setdefault(char, None)
    return list(seen)


# Right-to-left scripts: shaping (Arabic joining forms) and visual reordering.

_FORM_TAGS = ("isolated", "final", "initial", "medial")
_LAM = "\u0644"
_TATWEEL = "\u0640"
_LAM_ALEF = range(0xFEF5, 0xFEFD)
_MIRRORED = dict(zip("()[]{}<>«»", ")(][}{><»«", strict=True))


@lru_cache(maxsize=1)
def _arabic_forms() -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]]]:
    """Joining forms of each Arabic letter, and lam-alef ligatures, from Unicode's tables."""
    forms: dict[str, dict[str, str]] = {}
    ligatures: dict[str, dict[str, str]] = {}
    for point in (*range(0xFB50, 0xFE00), *range(0xFE70, 0xFF00)):
        char = chr(point)
        parts = unicodedata.decomposition(char).split()
        if len(parts) < 2 or parts[0].strip("<>") not in _FORM_TAGS:
            continue
        tag, base = parts[0].strip("<>"), "".join(chr(int(p, 16)) for p in parts[1:])
        if len(base) == 1:
            forms.setdefault(base, {}).setdefault(tag, char)
        elif point in _LAM_ALEF:
            ligatures.setdefault(base[1], {}).setdefault(tag, char)
    return forms, ligatures


def _transparent(char: str) -> bool:
    return unicodedata.bidirectional(char) == "NSM"


def shape(text: str) -> str:
    """Give each Arabic letter its joined form (initial, medial, final or isolated)."""
    forms, ligatures = _arabic_forms()
    drawn = register_fonts()

    def links_on(char: str) -> bool:
        return char == _TATWEEL or bool({"initial", "medial"} & set(forms.get(char, ())))

    def links_back(char: str) -> bool:
        return char == _TATWEEL or bool({"final", "medial"} & set(forms.get(char, ())))

    def neighbour(index: int, step: int) -> tuple[str, int]:
        index += step
        while 0 <= index < len(text) and _transparent(text[index]):
            index += step
        return (text[index], index) if 0 <= index < len(text) else ("", index)

    out: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char not in forms:
            out.append(char)
            index += 1
            continue
        before, _ignored = neighbour(index, -1)
        after, after_index = neighbour(index, 1)
        joined_before = bool(before) and links_on(before) and links_back(char)
        if char == _LAM and after in ligatures:
            ligature = ligatures[after].get("final" if joined_before else "isolated")
            if ligature and ord(ligature) in drawn:
                out.append(ligature)
                out.extend(text[index + 1 : after_index])
                index = after_index + 1
                continue
        joined_after = bool(after) and links_on(char) and links_back(after)
        tag = {
            (True, True): "medial",
            (True, False): "final",
            (False, True): "initial",
            (False, False): "isolated",
        }[(joined_before, joined_after)]
        form = forms[char].get(tag) or forms[char].get("isolated")
        out.append(form if form and ord(form) in drawn else char)
        index += 1
    return "".join(out)


def _kind(char: str) -> str:
    bidi = unicodedata.bidirectional(char)
    if bidi in ("R", "AL"):
        return "R"
    if bidi == "L":
        return "L"
    return "EN" if bidi in ("EN", "AN") else "N"


def has_rtl(text: str) -> bool:
    return any(_kind(char) == "R" for char in text)


def base_is_rtl(text: str) -> bool:
    """The paragraph direction: that of its first strong letter (Unicode rule P2)."""
    for char in text:
        kind = _kind(char)
        if kind in ("L", "R"):
            return kind == "R"
    return False


def visual(line: str, rtl: bool) -> str:
    """One line in drawing order: a compact form of the Unicode bidi algorithm.

    Covers what letters need: strong letters, numbers (kept left to right), neutrals
    taking the direction around them, mirrored brackets, combining marks kept on their
    letter. Explicit embeddings and isolates are not interpreted.
    """
    units: list[str] = []
    for char in line:
        if units and _transparent(char):
            units[-1] += char
        else:
            units.append(char)
    kinds = [_kind(unit[0]) for unit in units]
    base = "R" if rtl else "L"
    last = base
    for index, kind in enumerate(kinds):
        if kind in ("L", "R"):
            last = kind
        elif kind == "EN" and last == "L":
            kinds[index] = "L"
    index = 0
    while index < len(kinds):
        if kinds[index] != "N":
            index += 1
            continue
        end = index
        while end < len(kinds) and kinds[end] == "N":
            end += 1
        before = kinds[index - 1] if index else base
        after = kinds[end] if end < len(kinds) else base
        before, after = ("R" if k == "EN" else k for k in (before, after))
        kinds[index:end] = [before if before == after else base] * (end - index)
        index = end
    if rtl:
        levels = [1 if kind == "R" else 2 for kind in kinds]
    else:
        levels = [{"L": 0, "R": 1, "EN": 2}[kind] for kind in kinds]
    units = [
        "".join(_MIRRORED.get(c, c) for c in unit) if level % 2 else unit
        for unit, level in zip(units, levels, strict=True)
    ]
    for level in range(max(levels, default=0), 0, -1):
        index = 0
        while index < len(units):
            if levels[index] < level:
                index += 1
                continue
            end = index
            while end < len(units) and levels[end] >= level:
                end += 1
            units[index:end] = units[index:end][::-1]
            levels[index:end] = levels[index:end][::-1]
            index = end
    return "".join(units)


def wrap(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """Break text into lines no wider than `width`, at spaces, splitting over-long words."""
    lines: list[str] = []
    for source in text.split("\n"):
        line = ""
        for word in source.split(" "):
            candidate = f"{line} {word}" if line else word
            if measure(candidate) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            line = ""
            for char in word:
                if line and measure(line + char) > width:
                    lines.append(line)
                    line = ""
                line += char
        lines.append(line)
    return lines


@dataclass(frozen=True)
class Prepared:
    markup: str
    rtl: bool


def prepare(text: str, *, font: str, size: float, width: float) -> Prepared:
    """User text as safe paragraph markup: drawable, escaped, line breaks kept.

    Text with right-to-left letters is shaped, wrapped here and put in visual order line
    by line, since the order of a line's words depends on where the line breaks.
    """
    text = printable(text)
    rtl = False
    if has_rtl(text):
        from reportlab.pdfbase.pdfmetrics import stringWidth

        rtl = base_is_rtl(text)
        shaped = shape(text)
        lines = wrap(shaped, width, lambda s: stringWidth(s, font, size))
        text = "\n".join(visual(line, rtl) for line in lines)
    return Prepared(escape(text).replace("\n", "<br/>"), rtl)
