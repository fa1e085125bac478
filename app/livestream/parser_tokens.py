"""The comment parser's vocabulary and tokens: folded words it knows, the regexes, and a comment made into tokens
(codes, numbers, words) against the live's codes and variant labels. parser.py reads them; parser_names.py finds
product names among them."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

from app.core.phone import normalize_vn_phone
from app.core.text import char_class, fold

MAX_CHARS = 500  # chat comments are short; anything longer is spam, so cap the work
MIN_QTY, MAX_QTY = 1, 99

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
# Counting words a buyer puts after a number, folded: "2 nải", "3 vỉ", "1 khay", "2 buồng", "5 kí" (docs/glossary.md).
UNITS = frozenset("c cai chiec hop kg ky ki kilo tui bo chai qua trai goi con phan bich lo hu set doi cap thung "
                  "cuon sp nai vi khay buong".split())
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
