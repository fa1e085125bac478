"""Live-chat comment parser: a viewer's comment → ordered items (by code or product name), cancels, phone, payment,
question flag, the products an ambiguous name may mean, and whether it looked like an order that named nothing."""
from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from app.core.text import fold

from .parser_names import NO_NAMES, _filler, _match_names, _Names
from .parser_tokens import (
    AMBIG,
    CANCEL,
    CANCEL_ALL,
    CODE,
    CONNECTORS,
    MAX_CHARS,
    MAX_QTY,
    MIN_QTY,
    NAO_AFTER,
    NEG,
    NEG_QUESTION,
    NON_ALNUM,
    NUM,
    ORDER,
    PARTICLES,
    PHONE_RE,
    PRONOUNS,
    QTY_MARKERS,
    QUESTION,
    TOKEN_RE,
    TRANSFER,
    UNITS,
    UNKNOWN,
    VARIANT_PREFIX,
    WORD,
    WORDNUM,
    _classify,
    _coerce,
    _fold,
    _key,
    _phone_cached,
    _raw_tokens,
    _variant_at,
)

__all__ = ["ParsedComment", "ParsedItem", "parse_comment"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ParsedItem:
    code: str  # as written in the catalog
    quantity: int = 1
    variant: str | None = None  # as written in the catalog


@dataclass(frozen=True)
class NameChoice:
    """A product name that fits several products ("chốt bưởi"): the codes it may mean, in catalog order."""

    codes: tuple[str, ...]
    quantity: int = 1


@dataclass(frozen=True)
class ParsedComment:
    items: list[ParsedItem] = field(default_factory=list)
    cancels: list[str] = field(default_factory=list)
    unknown_codes: list[str] = field(default_factory=list)
    phone: str | None = None
    payment: str | None = None  # "cod", "transfer" or None
    is_question: bool = False
    cancel_all: bool = False  # "hủy đơn" / "hủy hết" with no code named
    ambiguous: list[NameChoice] = field(default_factory=list)  # names that fit more than one product
    order_hint: bool = False  # an order word ("chốt", "lấy 2 cái") with nothing the live sells in it

    @property
    def is_order(self) -> bool:
        return bool(self.items)


@lru_cache(maxsize=256)
def _index(frozen: tuple) -> tuple[dict[str, str], dict[str, dict[str, str]], _Names]:
    """Folded code → code as written, folded code → {folded label → label as written}, and the names."""
    codes: dict[str, str] = {}
    variants: dict[str, dict[str, str]] = {}
    words: dict[str, tuple[str, ...]] = {}
    for code, labels, name in frozen:
        key = _key(code) if isinstance(code, str) else ""
        if not key or key in codes:
            continue
        codes[key] = code
        vmap: dict[str, str] = {}
        for label in labels:
            if isinstance(label, str):
                folded = fold(label)
                for k in (NON_ALNUM.sub("", folded), NON_ALNUM.sub("", VARIANT_PREFIX.sub("", folded))):
                    if k:
                        vmap.setdefault(k, label)
        variants[key] = vmap
        if isinstance(name, str):
            tokens = tuple(t for t in TOKEN_RE.findall(fold(name)[:MAX_CHARS]) if t != "+")
            if not all(map(_filler, tokens)):
                words[key] = tokens
    if not words:
        return codes, variants, NO_NAMES
    by_word: dict[str, list[str]] = {}
    for key, tokens in words.items():
        for t in dict.fromkeys(tokens):
            by_word.setdefault(t, []).append(key)
    order = {key: n for n, key in enumerate(codes)}
    return codes, variants, _Names(words, {w: tuple(k) for w, k in by_word.items()}, order)


def _entry(value: Any) -> tuple[tuple, str | None]:
    """A catalog value → (variant labels, product name): a list of labels, one label, or {"variants", "name"}."""
    if isinstance(value, Mapping):
        labels, name = value.get("variants", ()), value.get("name")
        labels = tuple(labels) if isinstance(labels, (list, tuple)) else (labels,) if isinstance(labels, str) else ()
        return labels, name if isinstance(name, str) else None
    return (tuple(value) if isinstance(value, (list, tuple)) else (value,) if isinstance(value, str) else ()), None


_seen: dict[int, tuple[dict, tuple]] = {}  # id(catalog) → (snapshot, index)


def _copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: v.copy() if isinstance(v, (list, dict, set)) else v for k, v in value.items()}
    return value.copy() if isinstance(value, (list, dict, set)) else value


def _catalog_index(catalog: Any) -> tuple[dict[str, str], dict[str, dict[str, str]], _Names]:
    """The same catalog object comes with every comment of a live; comparing it with a snapshot (C speed)
    is much cheaper than re-indexing, and still notices a seller editing it in place."""
    if not isinstance(catalog, Mapping):
        return {}, {}, NO_NAMES
    hit = _seen.get(id(catalog))
    if hit is not None and hit[0] == catalog:
        return hit[1]
    snapshot = {c: _copy(v) for c, v in catalog.items()}
    frozen = tuple((c, *_entry(v)) for c, v in snapshot.items())
    try:
        index = _index(frozen)
    except TypeError:  # unhashable junk inside the catalog: index it without the cache
        index = _index.__wrapped__(frozen)
    if len(_seen) >= 64:
        _seen.clear()
    _seen[id(catalog)] = (snapshot, index)
    return index


def _parse(text: Any, catalog: Any) -> ParsedComment:
    text = _coerce(text)
    if not text.strip():
        return ParsedComment()
    codes, vmaps, names = _catalog_index(catalog)
    question = "?" in text

    phones: list[str] = []

    def _take_phone(m: re.Match) -> str:
        # Removed even when invalid: a 10-digit run is never a quantity or a code.
        phone = _phone_cached(m.group())
        if phone:
            phones.append(phone)
        return " "

    text = _fold(PHONE_RE.sub(_take_phone, text))
    toks = _classify(_raw_tokens(text, codes), codes, vmaps)
    if names.words:
        toks = _match_names(toks, names, vmaps)
    n = len(toks)

    # code_ahead[j]: a code comes at or after j before the next order word, so "hủy" there is a prefix
    # ("hủy A12"); otherwise it cancels the item just before it ("A12 hủy").
    code_ahead = [False] * (n + 1)
    for j in range(n - 1, -1, -1):
        kind, val = toks[j][0], toks[j][1]
        code_ahead[j] = kind in (CODE, UNKNOWN, AMBIG) or (code_ahead[j + 1] and not (kind == WORD and val in ORDER))

    items: list[list] = []  # [code key, quantity | None, variant | None, live]; unknown/cancelled: not live
    cancels: list[str] = []
    unknown: list[str] = []
    cur: list | None = None  # the item that quantities and variants attach to
    pending: int | None = None  # quantity written before its code ("2 A12")
    attached = False  # previous token was the current item's code or variant
    by_name = False  # ... and that item was named in words: "bưởi năm nay" is not five bưởi
    ambiguous: list[tuple[tuple, list]] = []  # (folded codes, the item its quantity attaches to)
    order_word = False
    cancelling = cancel_all = False
    payment: str | None = None

    def give(qty: int) -> None:
        nonlocal pending
        if cur is not None and cur[1] is None:
            cur[1] = qty
        else:
            pending = qty

    i = 0
    while i < n:
        kind, val = toks[i][0], toks[i][1]
        nxt = toks[i + 1] if i + 1 < n else None
        prev = toks[i - 1][1] if i else None
        if kind != CODE and cur is not None and cur[3] and cur[2] is None and vmaps.get(cur[0]):
            hit = _variant_at(toks, i, vmaps[cur[0]])
            if hit:  # the product's own variant label wins over "2kg" as a quantity
                cur[2] = hit[0]
                i += hit[1]
                attached = True
                continue
        was_attached, attached = attached, False
        if kind == AMBIG:
            cur, pending, attached = [None, pending, None, False], None, True
            by_name = True
            if not cancelling:
                ambiguous.append((val, cur))
        elif kind in (CODE, UNKNOWN):
            if kind == UNKNOWN:
                unknown.append(val)
            live = kind == CODE and not cancelling
            if kind == CODE and cancelling:
                cancels.append(val)
                for item in items:  # "chốt A12 … thôi hủy A12": the later cancel wins
                    if item[0] == val:
                        item[3] = False
            cur, pending, attached = [val, pending, None, live], None, True
            by_name = len(toks[i]) > 3
            items.append(cur)
        elif kind == NUM or (kind == WORDNUM and (
                (was_attached and not by_name)
                or (nxt is not None and (nxt[0] in (CODE, UNKNOWN, AMBIG) or nxt[1] in UNITS)))):
            # Number words ("ba", "nam", "tu") are also everyday words, so they count only next to a code.
            if nxt is not None and nxt[0] == WORD and nxt[1] in UNITS and not (
                    cur is not None and cur[3] and cur[2] is None and vmaps.get(cur[0])
                    and _variant_at(toks, i + 1, vmaps[cur[0]])):
                i += 1  # "2 cái", "2 bó" (so this "bo" is a unit, not "bỏ"); "x2 Hộp 4 quả" is x2 of that option
            give(val)
        elif kind == WORD:
            if val in QTY_MARKERS and nxt is not None and nxt[0] in (NUM, WORDNUM):
                give(nxt[1])
                i += 1
            elif val in ORDER or (val == "bo" and nxt is not None and nxt[1] == "gio"):  # "bỏ giỏ": to cart
                # A new order starts: "hủy A12, lấy 2 B3" gives the 2 to B3, not to the cancelled A12.
                cancelling, order_word, cur = False, True, None
                i += val == "bo"
            elif val in CANCEL or (val in NEG and nxt is not None and nxt[1] in ORDER):
                after = i + (1 if val in CANCEL else 2)
                if val in CANCEL and nxt is not None and nxt[1] in CANCEL_ALL:
                    after += 1  # bare "hủy hết" cancels everything; "hủy đơn A12" names what it cancels
                    cancelling = code_ahead[after]
                    cancel_all = cancel_all or not cancelling
                    cur = None if cancelling else cur
                elif code_ahead[after]:
                    cancelling, cur = True, None
                elif cur is not None and cur[3]:
                    cur[3] = False
                    cancels.append(cur[0])
                i = after
                continue
            elif val in NEG_QUESTION:
                question = question or nxt is None or nxt[1] in PARTICLES  # "còn A12 ko (shop)"
            elif (val in QUESTION or (val in ("nhieu", "nhiu") and prev == "bao")
                  or (val == "nao" and prev in NAO_AFTER)):
                question = True
            elif val in TRANSFER or (val == "khoan" and prev == "chuyen"):
                payment = "transfer"
            elif val == "cod" or (val == "mat" and prev == "tien"):
                payment = "cod"
            elif val in CONNECTORS:
                cur = None  # "A12 và 2 hộp B3": the 2 is B3's
            elif val == "cho" and nxt is not None and nxt[1] in PRONOUNS:
                order_word = True  # "cho mình 2 hộp"
        i += 1

    merged: dict[tuple, int] = {}
    if not question:
        for key, qty, variant, live in items:
            qty = 1 if qty is None else qty
            if live and MIN_QTY <= qty <= MAX_QTY:
                # Viewers repeat the same order to be noticed ("A12 A12 A12"): one item, largest quantity.
                merged[key, variant] = max(merged.get((key, variant), 0), qty)
    cancel_codes = [] if question else list(dict.fromkeys(codes[k] for k in cancels))
    choices: dict[tuple, int] = {}
    if not question:
        for keys, item in ambiguous:
            qty = 1 if item[1] is None else item[1]
            if MIN_QTY <= qty <= MAX_QTY:
                choices[keys] = max(choices.get(keys, 0), qty)
    hint = (order_word and not question and not merged and not cancel_codes and not cancel_all and not unknown
            and not choices)
    return ParsedComment(
        items=[ParsedItem(codes[k], q, v) for (k, v), q in merged.items()],
        cancels=cancel_codes,
        unknown_codes=list(dict.fromkeys(unknown)),
        phone=phones[0] if phones else None,
        payment=payment,
        is_question=question,
        cancel_all=cancel_all and not cancel_codes and not question,
        ambiguous=[NameChoice(tuple(codes[k] for k in keys), q) for keys, q in choices.items()],
        order_hint=hint,
    )


def order_text(code: str, quantity: int = 1, variant: str | None = None) -> str:
    """The canonical order comment ("chốt A12 x2 Hộp 4 quả") that a "Chốt" button or a choice button sends:
    it parses back to exactly that item, so the claim log stays the one record of who ordered first."""
    return f"chốt {code} x{quantity}" + (f" {variant}" if variant else "")


def parse_comment(text: str, catalog: Mapping[str, Any]) -> ParsedComment:
    """Parse one live-chat comment against the live catalog; never raises.

    The catalog maps each live code to its variant labels ({"A12": ["M", "L"]}) or, to let buyers order by
    product name too, to {"variants": [...], "name": "Bưởi Diễn"}."""
    try:
        return _parse(text, catalog)
    except Exception:  # a chat message must never take the chat down; the tests run _parse unguarded
        log.exception("comment parser failed")
        return ParsedComment()
