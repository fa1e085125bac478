"""Two-level addresses (province → commune, after the July 2025 reform) mapped to the pre-reform province,
district and ward that carriers' APIs may still ask for (data/old_areas.json, built by
tools/build_carrier_areas.py from vietnam-provinces), and name matching against a carrier's own area lists."""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ...core.text import fold

DATA = Path(__file__).resolve().parent / "data" / "old_areas.json"
_PREFIX = re.compile(r"^(tinh|thanh pho|tp\.?|quan|huyen|thi xa|phuong|xa|thi tran|dac khu)\s+")


@dataclass(frozen=True)
class OldArea:
    province_code: int
    province: str
    district_code: int
    district: str
    ward_code: int
    ward: str


@lru_cache(maxsize=1)
def _table() -> dict[str, list]:
    return json.loads(DATA.read_text(encoding="utf-8"))["communes"]


@lru_cache(maxsize=1)
def unmapped() -> list[list]:
    """Communes with no pre-reform ward of the same code (new special zones, a few new wards): carriers that
    still want districts cannot take these without a hand-made entry."""
    return json.loads(DATA.read_text(encoding="utf-8"))["unmapped"]


def old_area(commune_code: int | None) -> OldArea | None:
    row = _table().get(str(commune_code)) if commune_code else None
    return OldArea(*row) if row else None


def bare(name: str | None) -> str:
    """'Huyện Đan Phượng' → 'dan phuong', 'TP. Hồ Chí Minh' → 'ho chi minh': how carriers' lists are matched."""
    text = fold(name or "")
    previous = None
    while previous != text:
        previous, text = text, _PREFIX.sub("", text).strip()
    return text


def match(name: str, items: list[dict], key: str) -> dict | None:
    """The item of a carrier's list whose `key` names the same place as `name` (accents, prefixes ignored)."""
    wanted = bare(name)
    return next((item for item in items if bare(str(item.get(key) or "")) == wanted), None)


def walk(carrier: str, old: OldArea, steps: list[tuple[Callable[[dict | None], list[dict]], str]],
         ward_required: bool = True) -> list[dict | None]:
    """Find the old province, district and ward in a carrier's own lists, each list read from the item found one
    level up (`steps`: (load(parent) → items, name key) for province, district, ward)."""
    from .carriers import refused

    found: list[dict | None] = []
    parent = None
    levels = ("province", "district", "ward")
    for (load, key), name, level in zip(steps, (old.province, old.district, old.ward), levels, strict=False):
        parent = match(name, load(parent) or [], key)
        if parent is None and (level != "ward" or ward_required):
            raise refused(carrier, f"{level} {name} not in its list")
        found.append(parent)
    return found
