#!/usr/bin/env python3
"""Write file.gz (and file.br when the brotli module is installed) beside each text file under app/static, for
nginx's gzip_static/brotli_static: run once per deploy (`python3 deploy/precompress_static.py [static dir]`)."""
from __future__ import annotations

import gzip
import sys
from pathlib import Path

TEXT = {".css", ".js", ".svg", ".json", ".map", ".txt"}
ROOT = Path(__file__).resolve().parent.parent


def precompress(folder: Path) -> int:
    """Compressed copies of every text file bigger than 512 bytes; returns how many files were written."""
    try:
        import brotli
    except ImportError:  # gzip only: nginx without the brotli modules never asks for .br
        brotli = None
    written = 0
    for path in sorted(folder.rglob("*")):
        if path.suffix not in TEXT or not path.is_file() or path.stat().st_size < 512:
            continue
        data = path.read_bytes()
        path.with_name(path.name + ".gz").write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
        written += 1
        if brotli is not None:
            path.with_name(path.name + ".br").write_bytes(brotli.compress(data, quality=11))
            written += 1
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "app" / "static"
    print(f"{precompress(target)} compressed copies written under {target}")
