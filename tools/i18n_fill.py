"""Fill Vietnamese (and optional English) translations from a TSV file: msgid<TAB>vi[<TAB>en].

Usage: flock /tmp/cholive-i18n.lock sh -c 'make i18n-extract && .venv/bin/python tools/i18n_fill.py strings.tsv'
A msgid with a newline or tab is written with the escapes \\n and \\t. Unknown msgids are reported, not added.
"""
from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent


def _unescape(text: str) -> str:
    return text.replace("\\n", "\n").replace("\\t", "\t")


def fill(tsv: Path) -> int:
    rows = [line.split("\t") for line in tsv.read_text(encoding="utf-8").splitlines() if line.strip()]
    unknown = 0
    for lang, col in (("vi", 1), ("en", 2)):
        path = ROOT / f"app/translations/{lang}/LC_MESSAGES/messages.po"
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        for row in rows:
            if len(row) <= col or not row[col].strip():
                continue
            msgid = _unescape(row[0])
            message = catalog.get(msgid)
            if message is None:
                if lang == "vi":
                    print(f"not in catalogue (extract first?): {msgid!r}", file=sys.stderr)
                    unknown += 1
                continue
            message.string = _unescape(row[col])
            message.flags.discard("fuzzy")
        with path.open("wb") as fh:
            write_po(fh, catalog, omit_header=False)
    return 1 if unknown else 0


if __name__ == "__main__":
    sys.exit(fill(Path(sys.argv[1])))
