"""Templates' `url_for`, remembered per process: the same endpoint and arguments always build the same path.

A page names a dozen URLs that never change between requests (the header's links, static files, the product's own
links); building each through werkzeug's routing costs more than the rest of the line that prints it. A URL is
remembered only when nothing but its endpoint and arguments can change it: an absolute endpoint (not ".name"), no
`_external`/`_scheme`/`_anchor`/`_method` option, plain str/int/None arguments, no `url_defaults` function
registered anywhere, inside a request, with
the request's script root as part of the key. Anything else goes to Flask's url_for as is.
"""
from __future__ import annotations

from typing import Any

from flask import Flask, current_app, has_request_context, request, url_for

EXTENSION_KEY = "url_memo"
MAX_ENTRIES = 4096  # URLs with ids in them (photos, products) would grow it for ever: it starts again when full
_PLAIN = (str, int, type(None))  # not bool: True and 1 are one key, but build "True" and "1"


def memo_url_for(endpoint: str, **values: Any) -> str:
    """`url_for` for templates: the remembered path when it cannot differ, else Flask's url_for."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    memo: dict[tuple[Any, ...], str] | None = app.extensions.get(EXTENSION_KEY)
    if memo is None or endpoint[:1] == "." or not has_request_context() or any(app.url_default_functions.values()):
        return url_for(endpoint, **values)
    for name, value in values.items():
        if name[:1] == "_" or type(value) not in _PLAIN:
            return url_for(endpoint, **values)
    key: tuple[Any, ...] = (endpoint, request.script_root, *sorted(values.items()))
    found = memo.get(key)
    if found is None:
        found = url_for(endpoint, **values)
        if len(memo) >= MAX_ENTRIES:
            memo.clear()
        memo[key] = found
    return found


def init_app(app: Flask) -> None:
    """The templates' url_for becomes the remembering one (Flask's url_for stays for Python code)."""
    app.extensions[EXTENSION_KEY] = {}
    app.jinja_env.globals["url_for"] = memo_url_for
