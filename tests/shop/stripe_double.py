"""A small local Stripe API double for tests: POST /v1/checkout/sessions on 127.0.0.1, a free port."""
from __future__ import annotations

import json
import re
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

_KEY_PART = re.compile(r"\[([^\]]*)\]")


def nest_form(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Rebuild Stripe's form encoding (line_items[0][price_data][unit_amount]=...) into dicts and lists."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        head = key.split("[", 1)[0]
        parts = [head, *_KEY_PART.findall(key[len(head):])]
        node: Any = root
        for part, following in zip(parts, parts[1:] + [None], strict=False):
            index: Any = int(part) if part.isdigit() and isinstance(node, list) else part
            if following is None:
                if isinstance(node, list):
                    while len(node) <= index:
                        node.append(None)
                node[index] = value
                break
            child_default: Any = [] if following.isdigit() else {}
            if isinstance(node, list):
                while len(node) <= index:
                    node.append(None)
                if node[index] is None:
                    node[index] = child_default
                node = node[index]
            else:
                node = node.setdefault(index, child_default)
    return root


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    form: list[tuple[str, str]]
    params: dict[str, Any]

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


@dataclass
class StripeDouble:
    """Start with `with StripeDouble() as stripe_api:`; point StripeClient at `stripe_api.url`."""

    requests: list[RecordedRequest] = field(default_factory=list)
    _replies: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    _failures: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "StripeDouble not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def fail_next(self, status: int, error_type: str = "invalid_request_error", code: str | None = None,
                  message: str = "Something is wrong with this request.") -> None:
        """Answer the next request with a Stripe-shaped error instead of a session."""
        error = {"type": error_type, "message": message}
        if code:
            error["code"] = code
        self._failures.append((status, {"error": error}))

    def start(self) -> StripeDouble:
        double = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # keep pytest output clean
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8")
                form = parse_qsl(body, keep_blank_values=True)
                recorded = RecordedRequest("POST", self.path, dict(self.headers.items()), form, nest_form(form))
                status, reply = double._handle(recorded)
                data = json.dumps(reply).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", f"req_{secrets.token_hex(6)}")
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="stripe-double", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def __enter__(self) -> StripeDouble:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def sessions_created(self) -> int:
        return sum(1 for r in self.requests if r.path == "/v1/checkout/sessions")

    def _handle(self, request: RecordedRequest) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.requests.append(request)
            key = request.header("Idempotency-Key")
            # Stripe replays the first answer (errors included) for a key it has seen.
            if key and key in self._replies:
                return self._replies[key]
            if self._failures:
                reply = self._failures.pop(0)
            elif request.path == "/v1/checkout/sessions":
                reply = (200, self._session(request.params))
            else:
                reply = (404, {"error": {"type": "invalid_request_error",
                                         "message": f"Unrecognized request URL (POST: {request.path})."}})
            if key:
                self._replies[key] = reply
            return reply

    @staticmethod
    def _session(params: dict[str, Any]) -> dict[str, Any]:
        items = params.get("line_items") or []
        total = sum(int(i["price_data"]["unit_amount"]) * int(i.get("quantity") or 1) for i in items)
        session_id = f"cs_test_{secrets.token_hex(12)}"
        return {
            "id": session_id,
            "object": "checkout.session",
            "url": f"https://checkout.stripe.com/c/pay/{session_id}",
            "amount_total": total,
            "amount_subtotal": total,
            "currency": params.get("currency") or (items[0]["price_data"]["currency"] if items else None),
            "client_reference_id": params.get("client_reference_id"),
            "metadata": params.get("metadata") or {},
            "mode": params.get("mode"),
            "payment_status": "unpaid",
            "status": "open",
            "success_url": params.get("success_url"),
            "cancel_url": params.get("cancel_url"),
            "livemode": False,
        }
