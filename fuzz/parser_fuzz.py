"""atheris harness for the comment parser: any bytes, decoded as a comment, must parse without raising.

Run: make fuzz (FUZZ_SECONDS=60 by default); extra libFuzzer flags go after the script, e.g. -runs=100000.
Checks beyond "never raises": quantities stay in 1..99, codes come from the catalogue, phones are +84; each input
is also parsed against a catalogue that names its products (orders by name, choices between names, hints).
"""
from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from app.livestream.parser import parse_comment

CATALOG = {"A12": ["M", "L"], "B3": [], "BD01": ["1kg", "2kg"], "C7": ["đỏ", "xanh"], "99": []}
NAMED = {"A12": {"name": "Bưởi Diễn", "variants": ["M", "L"]}, "A13": {"name": "Bưởi Diễn hộp quà",
                                                                        "variants": ["Hộp 4 quả", "Hộp 6 quả"]},
         "B3": {"name": "Trà sen Tây Hồ", "variants": []}, "C7": {"name": "Cam Canh", "variants": ["1kg", "2kg"]},
         "99": {"name": "Nón lá", "variants": []}}


def _labels(catalog: dict, code: str) -> list[str]:
    entry = catalog[code]
    return entry["variants"] if isinstance(entry, dict) else entry


def test_one_input(data: bytes) -> None:
    text = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(len(data))
    for catalog in (CATALOG, NAMED):
        parsed = parse_comment(text, catalog)
        for item in parsed.items:
            assert item.code in catalog, item
            assert 1 <= item.quantity <= 99, item
            assert item.variant is None or item.variant in _labels(catalog, item.code), item
        for choice in parsed.ambiguous:
            assert len(choice.codes) > 1 and set(choice.codes) <= set(catalog), choice
            assert 1 <= choice.quantity <= 99, choice
        assert parsed.phone is None or parsed.phone.startswith("+84"), parsed.phone
        assert parsed.is_order == bool(parsed.items)
        assert not (parsed.is_question and (parsed.items or parsed.ambiguous)), parsed
        assert not (parsed.order_hint and (parsed.items or parsed.ambiguous)), parsed


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
