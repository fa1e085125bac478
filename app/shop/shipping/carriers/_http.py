"""One HTTP call to a carrier, with its errors turned into CarrierError the seller can read."""
from __future__ import annotations

import logging
from typing import Any

import requests

from . import unreachable

log = logging.getLogger(__name__)


def call(name: str, method: str, url: str, *, timeout: float, raw: bool = False, **kwargs: Any) -> Any:
    """The JSON answer (or the response itself with raw=True); a network failure or a 5xx raises CarrierError."""
    try:
        response = requests.request(method, url, timeout=timeout, **kwargs)
    except requests.RequestException as exc:
        log.warning("%s %s %s failed: %s", name, method, url, exc)
        raise unreachable(name) from exc
    if response.status_code >= 500:
        log.warning("%s %s %s answered HTTP %s", name, method, url, response.status_code)
        raise unreachable(name)
    if raw:
        return response
    try:
        return response.json()
    except ValueError as exc:
        raise unreachable(name) from exc


def to_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def to_time(value: str, formats: tuple[str, ...] = ()) -> Any:
    """An ISO time, or one in a carrier's own format ("13/12/2018 17:34:05"); None when unreadable."""
    from datetime import datetime

    for fmt in formats:
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def merge_pdfs(documents: list[bytes]) -> bytes:
    """One PDF of every page of `documents`, in order (pypdf)."""
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for data in documents:
        writer.append(PdfReader(io.BytesIO(data)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
