"""Text helpers: Vietnamese folding (the one way to compare text without diacritics, đ/d, case or form), slugs, and
the one filter of invisible characters."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

_SPACES = re.compile(r"\s+")
_D_MAP = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "Ð": "d"})


def fold(text: str) -> str:
    """Lower-case, strip diacritics (đ → d) and collapse spaces: 'Bưởi  Diễn' → 'buoi dien'."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", str(text).translate(_D_MAP))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped.translate(_D_MAP).casefold()).strip()


def slugify(text: str, max_length: int = 60) -> str:
    """A URL slug from any text: 'Hợp tác xã Bưởi Diễn' → 'hop-tac-xa-buoi-dien'."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")
    return slug[:max_length].strip("-") or "x"


def char_class(wanted: Callable[[str], bool], code_points: Iterable[int]) -> str:
    """A regex character class ("[a-cx-z]+") of the code points for which `wanted(chr(c))` is true, as ranges."""
    ranges: list[list[int]] = []
    for c in code_points:
        if not wanted(chr(c)):
            continue
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])
    return "[" + "".join(re.escape(chr(a)) + (f"-{re.escape(chr(b))}" if b > a else "") for a, b in ranges) + "]+"


# Control (Cc), format (Cf: zero-width, bidi overrides, soft hyphen, tags) and line/paragraph separators (Zl, Zp):
# invisible, and used to disguise text (a chat line, a redirect target). Planes 0, 1 and 14 hold every one of them.
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
INVISIBLE = re.compile(char_class(lambda ch: unicodedata.category(ch) in INVISIBLE_CATEGORIES,
                                  (*range(0x20000), *range(0xE0000, 0xE1000))))


def strip_invisible(text: str, replacement: str = "") -> str:
    """`text` with every invisible character replaced (dropped, by default)."""
    return INVISIBLE.sub(replacement, text)


def squeeze(text: str) -> str:
    """One line as stored: invisible characters become spaces, whitespace runs one space, no space at either end."""
    return " ".join(INVISIBLE.sub(" ", text).split())
