"""Orders by product name ("lấy 2 quả bưởi diễn"): runs of words that name one product become its code, runs that
fit several become a question to the buyer; a name orders only with an order word or a quantity beside it."""
from __future__ import annotations

from dataclasses import dataclass

from .parser_tokens import (
    AMBIG,
    CANCEL,
    CODE,
    MAX_CHOICES,
    MONEY,
    NAME_STOP,
    NUM,
    ORDER,
    PRONOUNS,
    QTY_MARKERS,
    UNITS,
    UNKNOWN,
    WORD,
    WORDNUM,
    _variant_at,
)


@dataclass(frozen=True)
class _Names:
    """Product names, folded into words: folded code → words, and word → the codes whose name has it."""

    words: dict[str, tuple[str, ...]]
    by_word: dict[str, tuple[str, ...]]
    order: dict[str, int]  # folded code → position in the catalog, for the order of the choices


NO_NAMES = _Names({}, {}, {})


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
