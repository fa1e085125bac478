"""Simulated buyers' comments for a practice live: templates × the trainee's products, seeded, with expectations."""
from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from ...core.text import fold

# Pace: how many comments, the gap between them (seconds) and the mix of what buyers say.
PACE_SETTINGS: dict[str, dict[str, Any]] = {
    "calm": {"count": 20, "gap": (5.0, 10.0), "races": 1,
             "mix": {"order": 44, "question": 24, "chat": 18, "cancel": 8, "soft_cancel": 6}},
    "busy": {"count": 36, "gap": (2.0, 4.5), "races": 1,
             "mix": {"order": 52, "question": 19, "chat": 14, "cancel": 9, "soft_cancel": 6}},
    "flash": {"count": 50, "gap": (0.6, 1.8), "races": 2,
              "mix": {"order": 62, "question": 14, "chat": 11, "cancel": 8, "soft_cancel": 5}},
}

PLACES = ("Đan Phượng", "Hoài Đức", "Thạch Thất", "Sơn Tây", "Hà Đông", "Phúc Thọ", "Quốc Oai", "Mê Linh",
          "Ba Vì", "Chương Mỹ")
NUMBER_WORDS = {1: "một", 2: "hai", 3: "ba", 4: "bốn", 5: "năm"}

# {C} code as the seller wrote it, {c} lower case, {q} quantity, {v} variant label, {n} product name.
ORDER_TEMPLATES = (
    "chốt {C} x{q}",
    "chốt {c} x{q} nha shop",
    "lấy {q} cái {C} nha",
    "{c} sl{q}",
    "{C} sl {q} ạ",
    "cho em {q} {C} ạ",
    "em lấy {C} {q} cái",
    "chốt đơn {C} x {q}",
    "{C} +{q}",
    "đặt {q} {c} nha chị",
)
ORDER_ONE_TEMPLATES = ("chốt {C}", "{C} chốt", "lấy {c} nha shop", "mua {C} ạ", "chốt 1 {C}")
ORDER_WORD_TEMPLATES = ("lấy {w} {C} nha", "chốt {w} {C} shop ơi")
ORDER_VARIANT_TEMPLATES = (
    "chốt {C} {v} x{q}",
    "{c} {v} sl{q}",
    "lấy {q} {C} {v} nha shop",
    "cho em {C} {v} x{q} ạ",
)
CANCEL_TEMPLATES = ("hủy {C}", "hủy {c} nha shop", "shop ơi hủy {C} giúp em", "bỏ {C} nha, em không lấy nữa",
                    "huỷ đơn {C} ạ")
SOFT_CANCEL_TEMPLATES = ("thôi em không lấy nữa nha shop, xin lỗi shop", "shop ơi nhà em đổi ý rồi, để dịp khác ạ",
                         "em đặt nhầm rồi shop ơi, bỏ cho em nhé", "chồng em mua rồi shop ơi, em thôi nha")
QUESTION_TEMPLATES = (
    "{C} còn không shop?",
    "{c} con ko shop?",
    "{C} giá bao nhiêu vậy shop?",
    "{n} giá bao nhiêu ạ?",
    "ship về {p} bao lâu vậy shop?",
    "ship về {p} mất bao nhiêu tiền ship ạ?",
    "có ship COD không shop?",
    "shop ơi {n} để được bao lâu?",
    "{n} có ngon không shop?",
    "chuyển khoản được không shop?",
)
QUESTION_VARIANT_TEMPLATES = ("{C} có loại nào vậy shop?", "{C} còn loại {v} không ạ?")
CHAT_TEMPLATES = (
    "chào shop ạ",
    "live hôm nay đông vui quá",
    "em ở {p} nè",
    "❤️❤️❤️",
    "shop nói to lên chút nha",
    "hàng nhìn tươi ghê",
    "chào cả nhà",
    "xem từ {p} đây ạ",
    "shop xinh quá 😍",
    "mới vào xem, hóng quá",
)
RACE_TEMPLATES = ("chốt {C} x1", "chốt {C}!!!", "em lấy {C} nha shop", "{C} chốt ạ")

TYPOS = {"chốt": ("chôt", "chot", "chốtt", "chôtt"), "lấy": ("lây", "lay", "lấyy"), "nha": ("nhaa", "nhá", "nhe"),
         "shop": ("sop", "shopp", "sóp"), "không": ("ko", "k", "khong", "hông"), "ạ": ("a", "ạa")}


@dataclass(frozen=True)
class ProductSpec:
    """What the generator needs of a product on the practice live."""

    code: str
    name: str
    variants: tuple[str, ...] = ()
    stock: int = 10


@dataclass
class ScriptedComment:
    seq: int
    at_ms: int  # milliseconds after the practice live starts
    buyer: int  # index into the personas
    text: str
    intent: str  # order, cancel, soft_cancel, question, race_loser, chat
    expected: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Book:
    """What the generator believes the live holds: stock left per code and each buyer's lines."""

    stock: dict[str, int]
    lines: dict[tuple[int, str, str | None], int] = field(default_factory=dict)
    closed_buyers: set[int] = field(default_factory=set)  # soft-cancelled: the trainee should clear them

    def buyers_with_lines(self, code: str | None = None) -> list[int]:
        return sorted({b for (b, c, _), q in self.lines.items() if q > 0 and (code is None or c == code)})


def _accents_off(text: str) -> str:
    return fold(text)


def _nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def _typo(rng: random.Random, text: str) -> str:
    """One everyday slip on a common word; codes are never among TYPOS, so they come through intact."""
    words = text.split(" ")
    choices = [i for i, w in enumerate(words) if w in TYPOS]
    if not choices:
        return text
    i = rng.choice(choices)
    words[i] = rng.choice(TYPOS[words[i]])
    return " ".join(words)


def _dress(rng: random.Random, text: str) -> str:
    """How people really type: most as written, some without accents, some decomposed (NFD), some with typos."""
    roll = rng.random()
    if roll < 0.22:
        return _accents_off(text)
    if roll < 0.34:
        return _nfd(text)
    if roll < 0.50:
        return _typo(rng, text)
    return text


QTY_MARKED = re.compile(r"(?:x|sl) ?(?:\{q\}|1)")


def _without_qty_markers(templates: tuple[str, ...]) -> tuple[str, ...]:
    """When a product code reads like a quantity ("X1", "SL2"), "x1" would name that product: people then write
    quantities as "2 cái", "+2"; templates with x/sl quantities are left out so every expectation stays certain."""
    return tuple(t for t in templates if not QTY_MARKED.search(t))


def _fill(template: str, spec: ProductSpec | None, rng: random.Random, q: int = 1, variant: str | None = None) -> str:
    values = {"p": rng.choice(PLACES), "q": q, "w": NUMBER_WORDS.get(q, str(q)), "v": variant or ""}
    if spec is not None:
        values.update({"C": spec.code, "c": spec.code.lower(), "n": spec.name})
    return template.format(**values)


def race_code(products: list[ProductSpec]) -> str:
    """The product two buyers will fight over: the first one without options (the practice gives it little stock)."""
    return next((p for p in products if not p.variants), products[0]).code


def generate_script(products: list[ProductSpec], pace: str, seed: int, buyers: int = 12) -> list[ScriptedComment]:
    """A reproducible script for one practice live: the same products, pace and seed give the same comments.

    Orders never ask for more than the generator believes is left, except the deliberate race: two buyers
    after the last unit, a fraction of a second apart (the second one should hear "sold out")."""
    if pace not in PACE_SETTINGS:
        raise ValueError(f"unknown pace {pace!r}")
    if not products:
        raise ValueError("a practice live needs at least one product")
    settings = PACE_SETTINGS[pace]
    rng = random.Random(seed)
    templates = {"order": ORDER_TEMPLATES, "one": ORDER_ONE_TEMPLATES, "variant": ORDER_VARIANT_TEMPLATES,
                 "race": RACE_TEMPLATES, "race_variant": ("chốt {C} {v} x1", "lấy {C} {v} x1")}
    if any(re.fullmatch(r"(?:X|SL)[0-9]+", p.code) for p in products):
        templates = {k: _without_qty_markers(v) for k, v in templates.items()}
        templates["race_variant"] = ("chốt {C} {v} 1 cái", "lấy 1 {C} {v} nha")
    book = _Book(stock={p.code: p.stock for p in products})
    by_code = {p.code: p for p in products}
    count = settings["count"]
    race_at = sorted(rng.sample(range(count // 3, count - 2), settings["races"]))
    kinds, weights = zip(*settings["mix"].items(), strict=True)
    script: list[ScriptedComment] = []
    clock = rng.uniform(1.0, 3.0)

    def add(buyer: int, text: str, intent: str, expected: dict | None = None, gap: float | None = None) -> None:
        nonlocal clock
        script.append(ScriptedComment(len(script) + 1, int(clock * 1000), buyer, text[:480], intent, expected or {}))
        clock += gap if gap is not None else rng.uniform(*settings["gap"])

    def open_buyer() -> int:
        free = [b for b in range(buyers) if b not in book.closed_buyers]
        return rng.choice(free or list(range(buyers)))

    def order(buyer: int, spec: ProductSpec, qty: int, template: str | None = None) -> None:
        variant = rng.choice(spec.variants) if spec.variants else None
        if variant is not None:
            template = rng.choice(templates["variant"])
        elif template is None:
            template = rng.choice(templates["one"] if qty == 1 and rng.random() < 0.5 else
                                  ORDER_WORD_TEMPLATES if qty in NUMBER_WORDS and rng.random() < 0.15 else
                                  templates["order"])
        text = _dress(rng, _fill(template, spec, rng, qty, variant))
        book.stock[spec.code] -= qty
        key = (buyer, spec.code, variant)
        book.lines[key] = book.lines.get(key, 0) + qty
        add(buyer, text, "order", {"code": spec.code, "variant": variant, "quantity": qty})

    # One unit of one product is kept back for the first race, so every script has a race whatever sells first.
    race_spec = next(p for p in products if p.code == race_code(products))
    kept_back = {race_spec.code: 1}

    i = 0
    while len(script) < count:
        if race_at and i >= race_at[0]:
            race_at.pop(0)
            kept_back.clear()
            in_stock = [p for p in products if book.stock[p.code] >= 1 and not p.variants] or \
                       [p for p in products if book.stock[p.code] >= 1]
            if in_stock:
                spec = race_spec if book.stock[race_spec.code] >= 1 else min(in_stock, key=lambda p: book.stock[p.code])
                while book.stock[spec.code] > 1:  # buyers take all but the last unit first, three at most each
                    order(open_buyer(), spec, min(3, book.stock[spec.code] - 1), rng.choice(templates["order"]))
                first, second = rng.sample([b for b in range(buyers) if b not in book.closed_buyers] or
                                           list(range(buyers)), 2)
                variant = spec.variants[0] if spec.variants else None
                book.stock[spec.code] -= 1
                key = (first, spec.code, variant)
                book.lines[key] = book.lines.get(key, 0) + 1
                add(first, _fill(templates["race_variant"][0] if variant else rng.choice(templates["race"]), spec, rng,
                                 1, variant),
                    "order", {"code": spec.code, "variant": variant, "quantity": 1, "race": True},
                    gap=rng.uniform(0.2, 0.6))
                add(second, _fill(templates["race_variant"][1] if variant else rng.choice(templates["race"]), spec,
                                  rng, 1, variant),
                    "race_loser", {"code": spec.code, "variant": variant, "quantity": 1})
                i += 1
                continue
        kind = rng.choices(kinds, weights)[0]
        in_stock = [p for p in products if book.stock[p.code] - kept_back.get(p.code, 0) >= 1]
        if kind == "order" and in_stock:
            spec = rng.choice(in_stock)
            qty = min(book.stock[spec.code] - kept_back.get(spec.code, 0), rng.choice((1, 1, 1, 2, 2, 3)))
            order(open_buyer(), spec, qty)
        elif kind == "cancel" and book.buyers_with_lines():
            buyer = rng.choice(book.buyers_with_lines())
            code = rng.choice(sorted({c for (b, c, _), q in book.lines.items() if b == buyer and q > 0}))
            for key in [k for k in book.lines if k[0] == buyer and k[1] == code]:
                book.stock[code] += book.lines.pop(key)
            add(buyer, _dress(rng, _fill(rng.choice(CANCEL_TEMPLATES), by_code[code], rng)), "cancel",
                {"code": code})
        elif (kind == "soft_cancel" and len(book.closed_buyers) < max(1, count // 12)
              and [b for b in book.buyers_with_lines() if b not in book.closed_buyers]):
            buyer = rng.choice([b for b in book.buyers_with_lines() if b not in book.closed_buyers])
            # The parser cannot read this as a cancel: the trainee has to cancel the lines by hand. Their stock
            # stays out of the generator's pool, so later orders never depend on the trainee having done it.
            for key in [k for k in book.lines if k[0] == buyer]:
                book.lines.pop(key)
            book.closed_buyers.add(buyer)
            add(buyer, _dress(rng, rng.choice(SOFT_CANCEL_TEMPLATES)), "soft_cancel", {})
        elif kind == "question":
            spec = rng.choice(products)
            if spec.variants and rng.random() < 0.3:
                template = rng.choice(QUESTION_VARIANT_TEMPLATES)
            else:
                template = rng.choice(QUESTION_TEMPLATES)
            text = _fill(template, spec, rng, 1, rng.choice(spec.variants) if spec.variants else None)
            add(open_buyer(), _dress(rng, text), "question", {"code": spec.code})
        else:
            add(open_buyer(), _dress(rng, _fill(rng.choice(CHAT_TEMPLATES), None, rng)), "chat", {})
        i += 1
    return script


def expected_lines(comments: list[tuple[int, str, dict[str, Any]]]) -> dict[tuple[int, str, str | None], int]:
    """Replay (buyer, intent, expected) in order: what each buyer should end up holding per code and option."""
    lines: dict[tuple[int, str, str | None], int] = {}
    for buyer, intent, expected in comments:
        if intent == "order":
            key = (buyer, expected["code"], expected.get("variant"))
            lines[key] = lines.get(key, 0) + int(expected["quantity"])
        elif intent == "cancel":
            for key in [k for k in lines if k[0] == buyer and k[1] == expected["code"]]:
                del lines[key]
        elif intent == "soft_cancel":
            for key in [k for k in lines if k[0] == buyer]:
                del lines[key]
    return {k: q for k, q in lines.items() if q > 0}
