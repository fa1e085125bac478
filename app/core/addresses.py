"""Vietnamese provinces and communes (after the July 2025 reform) from vietnam-provinces."""
from __future__ import annotations

from functools import lru_cache

from vietnam_provinces import Province, ProvinceCode, Ward, WardCode

from .text import fold

HANOI = 1


@lru_cache(maxsize=1)
def provinces() -> list[tuple[int, str]]:
    """All 34 provinces as (code, name), sorted the way Vietnamese read them."""
    return sorted(((int(p.code), p.name) for p in Province.iter_all()), key=lambda item: fold(item[1]))


@lru_cache(maxsize=64)
def communes(province_code: int) -> list[tuple[int, str]]:
    """Communes and wards of one province as (code, name), sorted by folded name."""
    try:
        code = ProvinceCode(int(province_code))
    except (ValueError, TypeError):
        return []
    return sorted(((int(w.code), w.name) for w in Ward.iter_by_province(code)), key=lambda item: fold(item[1]))


def province_name(code: int | None) -> str:
    if code is None:
        return ""
    try:
        return Province.from_code(ProvinceCode(int(code))).name
    except ValueError:
        return ""


def commune_name(code: int | None) -> str:
    if code is None:
        return ""
    try:
        return Ward.from_code(WardCode(int(code))).name
    except ValueError:
        return ""


def commune_province(code: int | None) -> int | None:
    """The province a commune belongs to, or None for an unknown commune code."""
    if code is None:
        return None
    try:
        return int(Ward.from_code(WardCode(int(code))).province_code)
    except ValueError:
        return None


def find_commune(name: str, province_code: int = HANOI) -> int | None:
    """Find a commune code by its name within a province, ignoring accents: 'Xã Ô Diên' → 9817."""
    wanted = fold(name)
    for code, commune in communes(province_code):
        if fold(commune) == wanted:
            return code
    return None
