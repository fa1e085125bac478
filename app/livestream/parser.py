"""Live-chat comment parser: a viewer's comment → ordered items (by code or product name), cancels, phone, payment,
question flag, the products an ambiguous name may mean, and whether it looked like an order that named nothing."""
from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Mapping

from app.core.phone import normalize_vn_phone
from app.core.text import char_class, fold

__all__ = ["ParsedComment", "ParsedItem", "parse_comment"]

log = logging.getLogger(__name__)

MAX_CHARS = 500  # chat comments are short; anything longer is spam, so cap the work
MIN_QTY, MAX_QTY = 1, 99


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


# Vocabulary, already folded (no diacritics, đ → d, lower case).
ORDER = frozenset("chot lay mua dat sold order oder gach them book".split())
CANCEL = frozenset("huy bo cancel".split())
CANCEL_ALL = frozenset("don het all tat".split())
NEG = frozenset("khong ko k kh khg hok hong hem hk".split())
NEG_QUESTION = NEG - {"hong"}  # "hồng" (pink) folds to "hong": too common to read as "không?"
PARTICLES = frozenset("a ah ak shop sop oi oy nhi vay v z ta the ne nhe nha nhen chi c em e anh ban b ad admin "
                      "ha hen day".split())  # what may follow a final "không?"
QUESTION = frozenset("gia bn bnhiu bnhieu gi ntn".split())
NAO_AFTER = frozenset("mau size sz loai kieu co cai".split())  # "màu nào" asks; "chốt nào" does not
TRANSFER = frozenset("ck bank banking stk chuyenkhoan ckhoan".split())
UNITS = frozenset("c cai chiec hop kg ky kilo tui bo chai qua trai goi con phan bich lo hu set doi cap thung "
                  "cuon sp".split())
QTY_MARKERS = frozenset({"x", "sl", "+"})
NO_JOIN = frozenset({"x", "sl", "sz", "size"})  # "x 2" / "sl-2" are quantities, never codes
# Never a product name on their own ("quà" folds to "qua", a unit; "là" to "la", as in "Nón lá").
NAME_STOP = frozenset("cho minh voi va la co qua nay do di thi ma hang nhe nha roi lam ngon dep ship tien con "
                      "toi tui oi ne luon nua them mau size loai kieu".split())
PRONOUNS = frozenset("minh em e chi c anh a toi tui t me con ban b".split())  # "cho mình …" orders a name
CONNECTORS = frozenset("va voi cung".split())
MONEY = frozenset("nghin ngan trieu dong vnd".split())  # "bưởi 65 nghìn" is a price, not 65 bưởi
MAX_CHOICES = 5
NUM_WORDS = {"mot": 1, "hai": 2, "ba": 3, "bon": 4, "tu": 4, "nam": 5, "sau": 6,
             "bay": 7, "tam": 8, "chin": 9, "muoi": 10}

_units = "|".join(sorted(UNITS, key=len, reverse=True))
# Phones first, on the raw text: 0 or (+)84 then nine digits, each optionally after one space/dot/dash.
PHONE_RE = re.compile(r"(?<![0-9])(?:\+ ?84|84|0)(?:[ .\-]?[0-9]){9}(?![0-9])")
# "a-12" is one token (a code); every other punctuation separates; "+" is kept for "+2".
TOKEN_RE = re.compile(r"[a-z]{1,4}-[0-9]{1,4}(?![a-z0-9])|[a-z0-9]+|\+")


# Every combining mark in U+0300–U+FFFF. Marks above the BMP (historic scripts) are left out on purpose: they would
# turn the class into a slow range list, and there they only act as separators.
COMBINING = re.compile(char_class(unicodedata.combining, range(0x300, 0x10000)))
QTY_GLUE = re.compile(r"(?:x|sl)([0-9]{1,4})")  # x2, sl2
UNIT_GLUE = re.compile(rf"([0-9]{{1,4}})(?:{_units})")  # 2c, 3hop, 2kg
CODE_SHAPE = re.compile(r"[a-z]{1,4}[0-9]{1,4}")
CODE_QTY_GLUE = re.compile(r"([a-z]{1,4}[0-9]{1,4})(?:x|sl)([0-9]{1,4})")  # a12x2
CODE_TAIL_GLUE = re.compile(r"([a-z]{0,4}[0-9]{1,4})([a-z]{1,4})")  # a12m (only if "m" is a variant)
NON_ALNUM = re.compile(r"[^a-z0-9]+")
VARIANT_PREFIX = re.compile(r"^(?:size|sz|mau|loai|kieu|vi) +(?=\S)")  # label "Size M" also matches "M"

# phonenumbers costs ~100 µs a call; viewers paste the same number again and again.
_phone_cached = lru_cache(maxsize=1024)(normalize_vn_phone)

# Token kinds; a token is (kind, value, raw text). A product named in words becomes one CODE token with a fourth
# element, or an AMBIG token whose value is the tuple of folded codes it may mean.
CODE, UNKNOWN, NUM, WORDNUM, WORD, AMBIG = range(6)


def _key(text: str) -> str:
    return NON_ALNUM.sub("", fold(text))


@dataclass(frozen=True)
class _Names:
    """Product names, folded into words: folded code → words, and word → the codes whose name has it."""

    words: dict[str, tuple[str, ...]]
    by_word: dict[str, tuple[str, ...]]
    order: dict[str, int]  # folded code → position in the catalog, for the order of the choices


NO_NAMES = _Names({}, {}, {})


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


def _raw_tokens(text: str, codes: dict[str, str]) -> list[str]:
    out: list[str] = []
    for t in TOKEN_RE.findall(text):
        if "-" not in t:
            out.append(t)
        else:
            letters, digits = t.split("-")
            if letters + digits in codes or letters not in NO_JOIN:
                out.append(letters + digits)
            else:
                out += (letters, digits)
    return out


def _unknown(token: str) -> bool:
    return CODE_SHAPE.fullmatch(token) is not None and token.rstrip("0123456789") not in NO_JOIN


def _classify(raw: list[str], codes: dict[str, str], vmaps: dict[str, dict[str, str]]) -> list[tuple]:
    toks: list[tuple] = []
    n, i = len(raw), 0
    while i < n:
        t = raw[i]
        i += 1
        if t in codes:
            toks.append((CODE, t, t))
        elif t.isdigit():
            toks.append((NUM, int(t) if len(t) <= 6 else 10**6, t))
        elif t.isalpha():  # plain words: no regex needed
            if (len(t) <= 4 and t not in NO_JOIN and i < n and raw[i].isdigit() and t + raw[i] in codes
                    and not (i + 1 < n and (raw[i + 1] in codes or raw[i + 1] in UNITS))):
                # "a 12" → A12 only when it names a catalog code and the number is not a quantity
                # of something else ("e 1 cái", "e 2 A12").
                toks.append((CODE, t + raw[i], t + raw[i]))
                i += 1
            elif t in NUM_WORDS:
                toks.append((WORDNUM, NUM_WORDS[t], t))
            else:
                toks.append((WORD, t, t))
        elif m := (QTY_GLUE.fullmatch(t) or UNIT_GLUE.fullmatch(t)):
            toks.append((NUM, int(m.group(1)), t))
        elif (m := CODE_QTY_GLUE.fullmatch(t)) and (m.group(1) in codes or _unknown(m.group(1))):
            code = m.group(1)
            toks.append((CODE, code, code) if code in codes else (UNKNOWN, code.upper(), code))
            toks.append((NUM, int(m.group(2)), t[len(code):]))
        elif ((m := CODE_TAIL_GLUE.fullmatch(t)) and m.group(1) in codes
              and m.group(2) in vmaps.get(m.group(1), ())):
            toks += ((CODE, m.group(1), m.group(1)), (WORD, m.group(2), m.group(2)))
        elif _unknown(t):
            toks.append((UNKNOWN, t.upper(), t))
        else:
            toks.append((WORD, t, t))
    return toks


def _variant_at(toks: list[tuple], i: int, vmap: dict[str, str]) -> tuple[str, int] | None:
    """Longest run of up to three tokens ("size m", "1 kg") equal to a variant label."""
    joined, hit = "", None
    for w in range(min(3, len(toks) - i)):
        if toks[i + w][0] == CODE:
            break
        joined += toks[i + w][2]
        if joined in vmap:
            hit = (vmap[joined], w + 1)
    return hit


def _is_name_word(tok: tuple, names: _Names) -> bool:
    return tok[0] in (WORD, WORDNUM, UNKNOWN, NUM) and tok[2] in names.by_word


def _filler(word: str) -> bool:
    return word in NAME_STOP or word in UNITS or word.isdigit()


def _in_order(run: list[str], words: tuple[str, ...]) -> bool:
    """Every word of the run appears in the name, in the same order (gaps allowed: "bưởi xanh" → Bưởi da xanh)."""
    it = iter(words)
    return all(w in it for w in run)


def _contiguous(run: list[str], words: tuple[str, ...]) -> bool:
    return f" {' '.join(run)} " in f" {' '.join(words)} "


def _pick(run: list[str], keys: list[str], names: _Names, toks: list[tuple], j: int,
          vmaps: dict[str, dict[str, str]]) -> list[str]:
    """The products a run of words means, narrowed in order: the one whose variant follows ("bưởi diễn hộp 4 quả"),
    the one named exactly ("bưởi diễn", though "Bưởi Diễn hộp quà" starts the same), the one it is a phrase of."""
    with_variant = [k for k in keys if vmaps.get(k) and _variant_at(toks, j, vmaps[k])]
    for narrowed in (with_variant, [k for k in keys if list(names.words[k]) == run],
                     [k for k in keys if _contiguous(run, names.words[k])]):
        if len(narrowed) == 1:
            return narrowed
    return keys


def _order_signal(toks: list[tuple], i: int, j: int, ordered_before: bool) -> bool:
    """A name orders only with an order word before it or a quantity next to it: "bưởi ngon quá" is chat."""
    if ordered_before:
        return True
    k = i - 1
    if k >= 0 and toks[k][0] == WORD and toks[k][1] in UNITS:
        k -= 1  # "2 quả bưởi", "hai hộp trà sen"
    if k >= 0 and toks[k][0] in (NUM, WORDNUM):
        return True
    if j < len(toks) and toks[j][0] == NUM:
        return not (j + 1 < len(toks) and toks[j + 1][1] in MONEY)  # "bưởi 3", not "bưởi 65 nghìn"
    return j + 1 < len(toks) and toks[j][1] in QTY_MARKERS and toks[j + 1][0] in (NUM, WORDNUM)


def _match_names(toks: list[tuple], names: _Names, vmaps: dict[str, dict[str, str]]) -> list[tuple]:
    """Replace each run of words naming a product with a CODE token (one product) or an AMBIG token (several).

    A run grows while its words still appear, in order, in some product's name, and stops where a variant of one
    of those products begins; it must hold a word other than units and fillers ("quà", "là" alone name nothing)."""
    out: list[tuple] = []
    n, i = len(toks), 0
    ordered_before = False
    while i < n:
        tok = toks[i]
        if not _is_name_word(tok, names) or tok[0] == NUM:
            if tok[0] == WORD and (tok[1] in ORDER or tok[1] in CANCEL or (
                    tok[1] == "cho" and i + 1 < n and toks[i + 1][1] in PRONOUNS)):
                ordered_before = True
            out.append(tok)
            i += 1
            continue
        run: list[str] = []
        keys: list[str] = list(names.by_word[tok[2]])
        j = i
        while j < n and _is_name_word(toks[j], names):
            if run and any(vmaps.get(k) and _variant_at(toks, j, vmaps[k]) for k in keys):
                break
            longer = [k for k in keys if _in_order(run + [toks[j][2]], names.words[k])]
            if not longer:
                break
            run.append(toks[j][2])
            keys = longer
            j += 1
        while len(run) > 1 and run[-1].isdigit():
            run.pop()  # "bưởi diễn 2": the number is a quantity
            j -= 1
        variant_next = any(vmaps.get(k) and _variant_at(toks, j, vmaps[k]) for k in keys)
        if not run or all(map(_filler, run)) or not (variant_next or _order_signal(toks, i, j, ordered_before)):
            out.append(tok)
            i += 1
            continue
        keys = _pick(run, [k for k in names.by_word[run[0]] if _in_order(run, names.words[k])], names, toks, j, vmaps)
        raw = " ".join(run)
        if len(keys) == 1:
            out.append((CODE, keys[0], raw, "name"))
        else:
            out.append((AMBIG, tuple(sorted(keys, key=names.order.__getitem__)[:MAX_CHOICES]), raw))
        i = j
    return out


def _fold(text: str) -> str:
    """core.text.fold as far as the ASCII tokens read here go (a property test checks it), without its
    per-character Python loop, which alone took half the time of a parse; also maps × and * to " x "."""
    text = text.casefold().replace("*", " x ")
    if text.isascii():
        return text
    text = text.replace("đ", "d").replace("ð", "d").replace("×", " x ")
    return COMBINING.sub("", unicodedata.normalize("NFD", text))


def _coerce(text: Any) -> str:
    if text is None:
        return ""
    if isinstance(text, (bytes, bytearray, memoryview)):
        text = bytes(text).decode("utf-8", "replace")
    elif not isinstance(text, str):
        text = str(text)
    # NFKC turns full-width "ｘ２" and "？" into ASCII; it can expand text, hence the second cap.
    return unicodedata.normalize("NFKC", text[:MAX_CHARS])[: MAX_CHARS * 2]


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
