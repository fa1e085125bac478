"""Vietnamese text folding: the one way to compare text without diacritics, đ/d, case or form."""
from __future__ import annotations

import re
import unicodedata

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
