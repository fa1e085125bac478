"""Simulated buyers for the drills: Socket.IO clients ordering by comment, HTTP buyers checking out, a watcher."""
from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import engineio.payload
import requests
import socketio

NS = "/live"
CALL_TIMEOUT = 4  # an ack slower than this is treated as lost: the comment is sent again with the same client_id
PACE = 1.2  # the server takes one comment a second per buyer; a buyer comments a little slower than that
RETRY_DEADLINE = 45  # a comment that cannot be acknowledged within this long fails the drill
# The drills' clients stay on long-polling (the fallback a browser keeps behind a proxy that blocks WebSocket).
logging.getLogger("engineio.client").setLevel(logging.CRITICAL)
# A reconnect replays every message after last_id in one polling answer; python-engineio's client drops a payload
# of more than 16 packets ("Too many packets in payload", python-engineio#142: the maintainer's workaround is this
# class attribute). Browsers have no such limit. Without it a replay of 17+ messages looked like a lost handshake.
engineio.payload.Payload.max_decode_packets = 1000
HANDSHAKE_RETRIES: list[str] = []  # handshakes that had to be made again, in every drill of this run


def _client(url: str, live_id: int, token: str | None, on_message, last_id: int = 0) -> tuple[socketio.Client, dict]:
    state = {"last_id": last_id, "connects": 0}
    sio = socketio.Client(reconnection=True, reconnection_delay=0.2, reconnection_delay_max=1,
                          randomization_factor=0.3)

    def auth():
        data = {"session_id": live_id, "last_id": state["last_id"]}
        if token:
            data["token"] = token
        return data

    @sio.on("message", namespace=NS)
    def message(payload):
        state["last_id"] = max(state["last_id"], payload["id"])
        on_message(payload)

    @sio.on("connect", namespace=NS)
    def connected():
        state["connects"] += 1

    try:
        sio.connect(url, namespaces=[NS], auth=auth, transports=["polling"], wait_timeout=20)  # long-polling
    except socketio.exceptions.ConnectionError as exc:
        # Seen about once in 15 runs on a loaded 2-core machine: the handshake opened but the namespace connect
        # was never answered within 20 s (the server logged nothing). A browser reconnects by itself; so does this
        # client, once, and counts it (the drills report HANDSHAKE_RETRIES).
        HANDSHAKE_RETRIES.append(f"{url}: {exc}")
        print(f"drill client: handshake to {url} did not complete ({exc}); connecting again")
        sio.disconnect()
        sio.connect(url, namespaces=[NS], auth=auth, transports=["polling"], wait_timeout=20)
    return sio, state


class Watcher:
    """A viewer without an account: keeps every message id it is shown, live or replayed after a reconnect."""

    def __init__(self, url: str, live_id: int, last_id: int = 0):
        self.seen: dict[int, float] = {}
        self.lock = threading.Lock()
        self.sio, self.state = _client(url, live_id, None, self._on_message, last_id)

    def _on_message(self, payload):
        with self.lock:
            self.seen.setdefault(payload["id"], time.monotonic())

    def close(self):
        self.sio.disconnect()


@dataclass(eq=False)
class Ack:
    client_id: str
    message_id: int
    quantity: int
    at: float
    attempts: int


@dataclass(eq=False)
class CommentBuyer(threading.Thread):
    """Orders `chốt <code>` about once a second until stopped; a comment without an ack is sent again as is."""

    url: str
    live_id: int
    token: str
    code: str
    stop: threading.Event
    tag: str
    acks: list[Ack] = field(default_factory=list)
    refusals: Counter = field(default_factory=Counter)
    resent: int = 0
    failure: str | None = None

    def __post_init__(self):
        threading.Thread.__init__(self, daemon=True)
        self.sio, self.state = _client(self.url, self.live_id, self.token, lambda _m: None)

    def _send(self, client_id: str) -> Ack:
        deadline = time.monotonic() + RETRY_DEADLINE
        attempts = 0
        while time.monotonic() < deadline:
            attempts += 1
            try:
                ack = self.sio.call("comment", {"text": f"chốt {self.code}", "client_id": client_id},
                                    namespace=NS, timeout=CALL_TIMEOUT)
            except socketio.exceptions.SocketIOError:  # timeout or not connected: same client_id again
                self.resent += 1
                self.stop.wait(0.2)  # pacing retries while the client reconnects
                continue
            if ack.get("ok"):
                reserved = ack["reserved"]
                return Ack(client_id, ack["message_id"], sum(r["quantity"] for r in reserved), time.monotonic(),
                           attempts)
            code = ack["error"]["code"]
            self.refusals[code] += 1
            if code in ("rate_limited", "server_error", "unavailable"):
                self.stop.wait(float(ack["error"].get("details", {}).get("retry_after", 0.5)))
                continue
            raise AssertionError(f"{self.tag}: refused with {ack['error']}")
        raise AssertionError(f"{self.tag}: no ack for {client_id} within {RETRY_DEADLINE} s")

    def run(self):
        n = 0
        try:
            while not self.stop.is_set():
                n += 1
                self.acks.append(self._send(f"{self.tag}-{n}"))
                self.stop.wait(PACE)
        except Exception as exc:  # reported by the drill
            self.failure = f"{type(exc).__name__}: {exc}"

    def close(self):
        self.sio.disconnect()


@dataclass(eq=False)
class HttpBuyer(threading.Thread):
    """Puts one unit in the cart and checks out, again and again; a failed checkout is retried with its key."""

    url: str
    token: str
    variant_id: int
    address: dict
    stop: threading.Event
    tag: str
    method: str = "cod"
    orders: dict[str, str] = field(default_factory=dict)  # idempotency key -> order number acknowledged
    acked_at: list[float] = field(default_factory=list)
    failures: list[tuple[float, int, dict]] = field(default_factory=list)
    failure: str | None = None

    def __post_init__(self):
        threading.Thread.__init__(self, daemon=True)
        self.http = requests.Session()
        self.http.headers.update({"Authorization": f"Bearer {self.token}", "Accept-Language": "vi"})

    def _post(self, path: str, body: dict) -> requests.Response | None:
        deadline = time.monotonic() + RETRY_DEADLINE
        while time.monotonic() < deadline:
            try:
                response = self.http.post(self.url + path, json=body, timeout=10)
            except requests.RequestException as exc:
                self.failures.append((time.monotonic(), 0, {"message": str(exc)}))
            else:
                if response.status_code < 300:
                    return response
                try:
                    body_json = response.json()
                except ValueError:
                    body_json = {"raw": response.text[:200]}
                self.failures.append((time.monotonic(), response.status_code,
                                      {**body_json, "retry_after": response.headers.get("Retry-After")}))
                if response.status_code not in (502, 503, 504):
                    raise AssertionError(f"{self.tag}: {path} answered {response.status_code}: {body_json}")
            self.stop.wait(0.3)  # pacing retries during an outage
        raise AssertionError(f"{self.tag}: {path} not done within {RETRY_DEADLINE} s")

    def order_once(self) -> str:
        key = f"{self.tag}-{uuid.uuid4().hex[:12]}"
        self._post("/api/v1/cart", {"variant_id": self.variant_id, "quantity": 1})
        response = self._post("/api/v1/checkout", {
            "name": "Trần Văn Mua", "phone": "0912 345 678", "street": "Số 5 thôn Đông", "payment_method": self.method,
            "idempotency_key": key, **self.address})
        [order] = response.json()
        self.orders[key] = order["number"]
        self.acked_at.append(time.monotonic())
        return order["number"]

    def run(self):
        try:
            while not self.stop.is_set():
                self.order_once()
                self.stop.wait(0.3)
        except Exception as exc:  # reported by the drill
            self.failure = f"{type(exc).__name__}: {exc}"
