"""atheris harness for the comment parser: any bytes, decoded as a comment, must parse without raising.

Run: make fuzz (FUZZ_SECONDS=60 by default); extra libFuzzer flags go after the script, e.g. -runs=100000.
Checks beyond "never raises": quantities stay in 1..99, codes come from the catalogue, phones are +84.
"""
from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from app.livestream.parser import parse_comment

CATALOG = {"A12": ["M", "L"], "B3": [], "BD01": ["1kg", "2kg"], "C7": ["đỏ", "xanh"], "99": []}


def test_one_input(data: bytes) -> None:
    text = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(len(data))
    parsed = parse_comment(text, CATALOG)
    for item in parsed.items:
        assert item.code in CATALOG, item
        assert 1 <= item.quantity <= 99, item
        assert item.variant is None or item.variant in CATALOG[item.code], item
    assert parsed.phone is None or parsed.phone.startswith("+84"), parsed.phone
    assert parsed.is_order == bool(parsed.items)
    assert not (parsed.is_question and parsed.items), parsed


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
