"""Local doubles of the outside providers (Zalo, eSMS, push services, GHN, GHTK, Viettel Post): small HTTP servers
on a free loopback port that speak each provider's documented request and answer shapes and record every request,
so the app's real client code is what the tests run."""
from __future__ import annotations

import io
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode("utf-8")))


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"

    @classmethod
    def of(cls, data: Any, status: int = 200) -> Reply:
        return cls(status, json.dumps(data, ensure_ascii=False).encode("utf-8"))


@dataclass
class HttpDouble:
    """Subclasses answer in `handle`; `fail_next` queues raw answers that come first (a provider's bad moment)."""

    requests: list[Recorded] = field(default_factory=list)
    _failures: deque = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "double not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def fail_next(self, status: int = 500, data: Any = None) -> None:
        self._failures.append(Reply.of(data if data is not None else {"error": "boom"}, status))

    def calls(self, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.path == path]

    def handle(self, request: Recorded) -> Reply:  # pragma: no cover - every double overrides it
        return Reply.of({"error": "not found"}, 404)

    def start(self) -> HttpDouble:
        double = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                request = Recorded(self.command, parts.path, dict(parse_qsl(parts.query)), dict(self.headers.items()),
                                   self.rfile.read(length) if length else b"")
                with double._lock:
                    double.requests.append(request)
                    reply = double._failures.popleft() if double._failures else None
                if reply is None:
                    try:
                        reply = double.handle(request)
                    except Exception as exc:  # a double's own bug shows as a 500 with its text
                        reply = Reply.of({"double_error": repr(exc)}, 500)
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name=type(self).__name__, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def label_pdf(text: str) -> bytes:
    """A one-page A6 PDF whose metadata title is `text` (what the carrier doubles return as a label)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=298, height=420)
    writer.add_metadata({"/Title": text})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
