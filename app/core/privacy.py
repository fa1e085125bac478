"""Personal data in free text: phone numbers and the street part of addresses masked for copies others see."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any, TypeGuard

__all__ = ["MASK", "mask_personal_data"]

MASK = "***"

# Phones (and any other long number: ID card, bank account) ------------------------------------------------------
# A run of digits in which each digit may follow up to three separators: "0987654321", "0987 654 321",
# "0987.654.321", "0 9 8 7 - 6 5 4", "+84 987-654-321", "(+84) 987 654 321", full-width "０９８７…". It is a
# superset of the comment parser's PHONE_RE (a 0/84/+84 prefix and nine digits), so what the parser reads as the
# buyer's phone is always masked. A run glued to words ("sdt0987654321giao") is still a run: only a digit next to
# it would extend it. `\d` is every decimal digit of Unicode, so look-alike digits are caught too.
_SEP = r"[ \t\u00a0\u2007\u202f.\-_()\u2010-\u2015\u2212\uff0d\uff0e]"
_DIGIT_RUN = re.compile(rf"(?:\(?[+\uff0b]{_SEP}{{0,3}})?\d(?:{_SEP}{{0,3}}\d)*")
_CHUNKS = re.compile(rf"{_SEP}*[ \t\u00a0\u2007\u202f]{_SEP}*")  # groups written apart: "0987 654 321"
# A price written with thousands dots, up to 99.999.999 đ: "1.200.000 150k" is two prices, not a phone.
_PRICE = re.compile(r"[1-9]\d{0,2}(?:\.\d{3}){1,2}")
_PHONE = re.compile(r"(?:0|84)\d{9,10}")  # 0 + 9 digits (mobile) or 10 (landline); 84 instead of the 0
MIN_DIGITS = 9  # a phone without its leading 0 has nine digits; prices and quantities are shorter
_ANY_DIGIT = re.compile(r"\d")


def _ascii_digits(text: str) -> str:
    return "".join(str(unicodedata.decimal(ch)) if unicodedata.decimal(ch, None) is not None else ch for ch in text)


def _is_personal_number(chunks: list[str]) -> bool:
    """A phone (any run of groups holding 0/84 + 9–10 digits), or 9+ digits not made of prices."""
    digits = [re.sub(r"\D", "", c) for c in chunks]
    for a in range(len(digits)):
        joined = ""
        for b in range(a, len(digits)):
            joined += digits[b]
            if _PHONE.fullmatch(joined):
                return True
    piece = 0
    for chunk, d in zip(chunks, digits, strict=True):
        if len(d) <= 8 and _PRICE.fullmatch(chunk):
            piece = 0  # a price ends the number before it
            continue
        piece += len(d)
        if piece >= MIN_DIGITS:
            return True
    return False


def _mask_number(match: re.Match[str]) -> str:
    if len(_ANY_DIGIT.findall(match.group())) < MIN_DIGITS:  # most runs: a code, a quantity, a price
        return match.group()
    run = _ascii_digits(match.group())
    digits = re.sub(r"\D", "", run)
    if len(digits) < MIN_DIGITS or not _is_personal_number(_CHUNKS.split(run.lstrip("(+\uff0b"))):
        return match.group()
    if digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]  # +84 987 654 321 is 0987 654 321
    if digits.startswith("0") and len(digits) in (10, 11):
        return f"{digits[:4]} {MASK} {digits[-3:]}"  # as the seller's phone list shows it: 0987 *** 321
    return f"{MASK} {digits[-3:]}"  # an ID card or account number, or a phone among other digits: its tail only


# Street addresses ------------------------------------------------------------------------------------------------
# The street part only (house number, alley, hamlet, street name); commune, district and province are public places.
# Keywords are matched as written, with or without diacritics where the plain spelling is not also an everyday word:
# "ngô" (maize), "to" (big), "thon" (slim), "đường" (sugar), "phở" are not addresses on their own.
_WORD = re.compile(r"[^\W_]+(?:/[^\W_]+)*")
_HOUSE_NUMBER = re.compile(r"\d+[^\W\d_]?(?:[/\-]\d+[^\W\d_]?)*")  # 12, 12A, 12/3, 12/3/4B
_GLUED = re.compile(r"(ngõ|ngo|ngách|ngach|hẻm|hem|kiệt|kiet|sn|kp|tdp)(\d.*)", re.I)  # "ngõ5", "sn12"

# A house number follows: "ngõ 5", "hẻm 12/3", "tổ 4", "sn 12", "ngõ số 5".
NUMBERED = {"ngõ", "ngo", "ngách", "ngach", "hẻm", "hem", "kiệt", "kiet", "tổ", "tdp", "sn", "kp", "ấp", "ap",
            "xóm", "xom", "thôn", "thon", "khóm", "khom", "đội", "lô", "phòng"}
# A name follows: "thôn Đoài", "xóm Chùa", "ngõ Văn Chương" (accented spellings: nothing else is written so).
NAMED = {"thôn", "xóm", "ấp", "khóm", "ngõ", "ngách", "hẻm", "kiệt", "tdp", "kp"}
# Plain spellings that name a place only before a capitalised name: "thon Doai", not "dáng thon đẹp".
NAMED_IF_CAPITAL = {"thon", "xom", "ap", "ngo", "ngach", "khom", "hem"}
# A street: an address inside one ("số 12 đường láng"), before a capitalised name ("đường Láng", not "đường
# phèn": sugar) or a street number ("đường số 3"), but not "thành phố".
STREET = {"đường", "duong", "phố", "pho"}
# Two-word keywords, read as one.
PAIRS = {("số", "nhà"): "sn", ("so", "nha"): "sn", ("nhà", "số"): "sn", ("nha", "so"): "sn",
         ("tổ", "dân"): "td", ("to", "dan"): "td", ("td", "phố"): "tdp", ("td", "pho"): "tdp",
         ("khu", "phố"): "kp", ("khu", "pho"): "kp"}
HOUSE = {"số", "so"}  # "số 12" is a house number only when an address part follows (else: a shoe size)
KEYWORDS = NUMBERED | NAMED | STREET
# Words that end a name: chat particles, the next level of the address, what a buyer writes after it.
STOP = set("""nhé nhe nha nhá ạ à ơi shop sốp giao ship gửi gui sdt sđt đt dt điện dien số so cho em anh chị chi mình
    minh với voi và va thì thi ở o tại tai xã xa phường phuong huyện huyen quận quan tỉnh tinh tp thành thanh tx tt
    chốt chot lấy lay mua đặt dat hủy huy ck cod nhận nhan""".split())
NAME_WORDS = 4  # "Nguyễn Thị Minh Khai"
_PAIR_FIRST = frozenset(a for a, _ in PAIRS)


def _tokens(text: str) -> list[list[Any]]:
    """[start, end, lower-case word] for every word; a keyword glued to its number ("ngõ5") is two words."""
    out: list[list[Any]] = []
    for m in _WORD.finditer(text):
        word = m.group().lower()
        glued = None if word.isalpha() or word[0].isdigit() else _GLUED.fullmatch(word)
        if glued:
            cut = m.start() + len(glued.group(1))
            out += [[m.start(), cut, glued.group(1)], [cut, m.end(), glued.group(2)]]
        else:
            out.append([m.start(), m.end(), word])
    if _PAIR_FIRST.isdisjoint(t[2] for t in out):
        return out
    for _ in range(2):  # "tổ dân" + "phố": two rounds for the three-word keyword
        for a, b in zip(out, out[1:], strict=False):  # the first word carries the keyword, the second is absorbed
            pair = PAIRS.get((a[2], b[2]))
            if pair and b[0] - a[1] <= 3 and not text[a[1]:b[0]].strip():
                a[1], a[2], b[2] = b[1], pair, ""
        out = [t for t in out if t[2]]
    return out


class _Scan:
    """One left-to-right pass over the words of a text, collecting the spans to mask."""

    def __init__(self, text: str):
        self.text, self.toks = text, _tokens(text)
        self.spans: list[tuple[int, int]] = []

    def after(self, i: int | None, comma: bool = False) -> int | None:
        """The word after i when only spaces or a dash (or, if asked, a comma) separate them: other punctuation or
        a mask ends an address part, so a word already masked is never read as the start of a new one."""
        if i is None or i + 1 >= len(self.toks):
            return None
        gap = self.text[self.toks[i][1]:self.toks[i + 1][0]]
        return i + 1 if len(gap) <= 3 and not gap.strip(" -\u00a0" + ("," if comma else "")) else None

    def word(self, i: int | None) -> str:
        return self.toks[i][2] if i is not None else ""

    def house(self, i: int | None) -> TypeGuard[int]:
        return i is not None and _HOUSE_NUMBER.fullmatch(self.toks[i][2]) is not None

    def capital(self, i: int | None) -> TypeGuard[int]:
        return i is not None and self.text[self.toks[i][0]].isupper()

    def mask(self, first: int, last: int) -> int:
        self.spans.append((self.toks[first][0], self.toks[last][1]))
        return last

    def name(self, i: int | None) -> int | None:
        """Mask the name starting at word i (up to NAME_WORDS words); the last word masked, or None."""
        if i is None:
            return None
        last: int | None = None
        j: int | None = i
        while j is not None and (last is None or j - i < NAME_WORDS):
            w = self.word(j)
            if w in STOP or w in KEYWORDS or (last is not None and any(c.isdigit() for c in w)):
                break
            last, j = j, self.after(j)
        return self.mask(i, last) if last is not None else None

    def part(self, i: int, in_address: bool) -> int | None:
        """If word i starts an address part, mask its value and return the last word masked."""
        w, j = self.word(i), self.after(i)
        if self.word(j) in HOUSE and (w in NUMBERED or w in STREET):
            j = self.after(j)  # "ngõ số 5", "đường số 3"
            if w in STREET and self.house(j):
                return self.mask(j, j)
        if w in NUMBERED and self.house(j):
            # The street of a numbered alley comes next when it is written with capitals: "hẻm 12/3 Lê Văn Sỹ".
            self.mask(j, j)
            k = self.after(j)
            street = self.name(k) if self.capital(k) else None
            return j if street is None else street
        if w in NAMED or (w in NAMED_IF_CAPITAL and self.capital(j)):
            return self.name(j) if j is not None else None
        if w in STREET and (in_address or self.capital(j)) and (i == 0 or self.word(i - 1) not in ("thành", "thanh")):
            return self.mask(j, j) if self.house(j) else self.name(j) if j is not None else None
        return None

    def run(self) -> list[tuple[int, int]]:
        i, n, in_address = 0, len(self.toks), False
        while i < n:
            w = self.toks[i][2]
            if w in KEYWORDS:
                last = self.part(i, in_address)
                if last is not None:
                    i, in_address = last + 1, True
                    continue
            elif w in HOUSE:
                j = self.after(i)
                k = self.after(j, comma=True)
                if self.house(j) and k is not None and self.word(k) in KEYWORDS:
                    self.mask(j, j)  # "số 12 ngõ 5", "số 12 đường láng": the keyword is read next, in the address
                    i, in_address = k, True
                    continue
            elif w[0].isdigit() and self.house(i):
                j = self.after(i)
                if j is not None and self.word(j) in STREET and (not w.isdigit() or self.capital(self.after(j))):
                    self.mask(i, i)  # "12A đường …", "12/3 phố …", "12 Đường Tân Hội"
                    i, in_address = j, True
                    continue
            i, in_address = i + 1, False
        return self.spans


def _mask_addresses(text: str) -> str:
    spans = _Scan(text).run()
    if not spans:
        return text
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and not text[merged[-1][1]:start].strip():  # "hẻm *** ***" reads better as one "hẻm ***"
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, at = [], 0
    for start, end in merged:
        out += [text[at:start], MASK]
        at = end
    out.append(text[at:])
    return "".join(out)


# Most chat lines hold no address word at all: a set look-up of their words (C speed) skips the word-by-word scan.
_LETTERS = re.compile(r"[^\W\d_]+")
HINTS = frozenset(KEYWORDS | {"nhà", "nha"})  # "số nhà", "nhà số": the only keywords made of words not in KEYWORDS


@lru_cache(maxsize=4096)
def mask_personal_data(text: str) -> str:
    """The copy of a chat line everyone may see: phone numbers (and other 9+ digit numbers) become `0987 *** 321`,
    the street part of an address (house number, ngõ/ngách/hẻm/kiệt, tổ/thôn/xóm/ấp, the street name after
    "số 12 đường …") becomes `***`. Text with none of these comes back unchanged; masking twice changes nothing."""
    if not text:
        return text or ""
    out = text
    if len(_ANY_DIGIT.findall(text)) >= MIN_DIGITS:
        out = _DIGIT_RUN.sub(_mask_number, out)
    # Keywords are matched composed ("ngõ" as one character), whatever the keyboard sent (Unikey can send "o" and a
    # combining tilde); the composed form is kept only when something was masked.
    composed = unicodedata.normalize("NFC", out)
    if not HINTS.isdisjoint(_LETTERS.findall(composed.lower())):
        masked = _mask_addresses(composed)
        if masked != composed:
            out = masked
    return out
