"""Load generators: asyncio Socket.IO clients in worker processes pinned to the load core.

The clients are `bench.rawclient.RawClient` (a minimal Socket.IO client over aiohttp's WebSocket, several times
cheaper per ack than python-socketio's); BENCH_CLIENT=socketio uses `socketio.AsyncClient` as before.
"""
from __future__ import annotations

import asyncio
import multiprocessing as mp
import os
import time
from typing import Any

from .common import pin_load_generator, raise_nofile

NS = "/live"
CTX = mp.get_context("fork")
CLIENT = os.environ.get("BENCH_CLIENT", "raw")
RAW = CLIENT != "socketio"
CONNECT_BATCH = 200 if RAW else 50
ACK_TIMEOUT_S = 30
# Viewers join with frames=true (the live page's way since #14: one `frame` per interval); BENCH_FRAMES=0 measures
# the per-line events of older clients.
VIEWER_FRAMES = os.environ.get("BENCH_FRAMES", "1") != "0"


def _load_process() -> None:
    pin_load_generator()
    raise_nofile()


async def _connect(url: str, auths: list[dict], on_message=None, on_raw=None) -> tuple[list, int]:
    """Clients connected to the live namespace, `CONNECT_BATCH` at a time; (clients, how many failed).
    `on_message(line)` for every chat line (per event or in a frame), decoded; `on_raw(text)` instead takes each
    `frame`/`message` event undecoded (raw client only)."""
    clients, failed = [], 0
    if RAW:
        from . import rawclient

        http = rawclient.session()

        def make(auth):
            client = rawclient.RawClient(http, url, NS)
            if on_raw is not None:
                client.on_raw("frame", on_raw)
                client.on_raw("message", on_raw)
            elif on_message is not None:
                client.on("message", on_message)
                client.on("frame", lambda frame: [on_message(m) for m in frame.get("messages") or ()])
            return client.connect(auth, timeout=30), client
    else:
        import socketio

        def make(auth):
            client = socketio.AsyncClient(reconnection=False)
            if on_message is not None:
                client.on("message", on_message, namespace=NS)
                # A viewer that joined with frames=true gets the chat coalesced: each line of a frame is one delivery.
                client.on("frame", lambda frame: [on_message(m) for m in frame.get("messages") or ()], namespace=NS)
            return client.connect(url, namespaces=[NS], auth=auth, transports=["websocket"], wait_timeout=30), client

    async def one(auth):
        nonlocal failed
        connecting, client = make(auth)
        try:
            await connecting
            clients.append(client)
        except Exception:  # a refused or timed-out connection is counted, not fatal
            failed += 1

    for start in range(0, len(auths), CONNECT_BATCH):
        await asyncio.gather(*(one(a) for a in auths[start:start + CONNECT_BATCH]))
    if RAW and not clients:
        await http.close()
    return clients, failed


async def _disconnect(clients: list) -> None:
    await asyncio.gather(*(c.disconnect() for c in clients), return_exceptions=True)
    if RAW:
        for http in {id(c.http): c.http for c in clients}.values():
            await http.close()


# Order storm --------------------------------------------------------------------------------------------

async def _storm_phase(clients, texts, rate, duration, tag, start_at) -> dict:
    """One open-loop phase on connected buyers: `rate` comments/s for `duration` s from wall time `start_at`."""
    loop = asyncio.get_running_loop()
    if start_at > time.time():
        await asyncio.sleep(start_at - time.time())  # every process starts the phase at the same wall time
    cpu0 = time.process_time()
    outcomes: dict[str, int] = {}
    latencies: list[float] = []
    reserved = 0
    last_ack = 0.0
    late = 0.0  # how far behind its schedule the generator sent its latest comment (s): its own ceiling shows here

    def record(ack, sent):
        nonlocal reserved, last_ack
        if not isinstance(ack, dict):  # a lost ack is an outcome to count
            outcomes["timeout"] = outcomes.get("timeout", 0) + 1
            return
        now = time.monotonic()
        last_ack = max(last_ack, now)
        if ack.get("ok"):
            latencies.append(now - sent)
            reserved += sum(line.get("quantity", 0) for line in ack.get("reserved", []))
            outcomes["ok"] = outcomes.get("ok", 0) + 1
        else:
            code = (ack.get("error") or {}).get("code", "error")
            outcomes[code] = outcomes.get(code, 0) + 1

    async def one(client, text, client_id):
        sent = time.monotonic()
        try:
            ack = await client.call("comment", {"text": text, "client_id": client_id}, namespace=NS,
                                    timeout=ACK_TIMEOUT_S)
        except Exception:  # a lost ack is an outcome to count
            ack = None
        record(ack, sent)

    start = time.monotonic()
    tasks = []
    total = int(rate * duration) if clients else 0
    pending = 0
    sent_all = False
    all_acked = loop.create_future()

    def acked(sent):
        def done(ack):
            nonlocal pending
            record(ack, sent)
            pending -= 1
            if pending == 0 and sent_all and not all_acked.done():
                all_acked.set_result(None)
        return done

    for i in range(total):
        due = start + i / rate
        now = time.monotonic()
        if due > now:
            await asyncio.sleep(due - now)
        else:
            late = max(late, now - due)
        client, text, client_id = clients[i % len(clients)], texts[i % len(texts)], f"{tag}-{i}"
        if RAW:  # no task per comment: the ack calls back
            pending += 1
            try:
                await client.call_cb("comment", {"text": text, "client_id": client_id}, acked(time.monotonic()))
            except Exception:  # a closed connection: its ack is lost
                pending -= 1
                outcomes["timeout"] = outcomes.get("timeout", 0) + 1
        else:
            tasks.append(asyncio.create_task(one(client, text, client_id)))
    sent_all = True
    if RAW:
        if pending:
            try:
                async with asyncio.timeout(ACK_TIMEOUT_S):
                    await all_acked
            except TimeoutError:
                outcomes["timeout"] = outcomes.get("timeout", 0) + pending
    else:
        await asyncio.gather(*tasks)
    return {"sent": total, "outcomes": outcomes, "latencies": latencies, "reserved": reserved,
            "elapsed": max(last_ack - start, duration), "client_cpu_s": time.process_time() - cpu0,
            "send_late_s": late}


async def _buyers(url, live_id, tokens, ready, commands) -> None:
    # Buyers watch the live too: they take the chat as the live page does (frames, unless BENCH_FRAMES=0).
    clients, failed = await _connect(url, [{"session_id": live_id, "token": t, "frames": VIEWER_FRAMES}
                                           for t in tokens])
    ready.put(("ready", len(clients), failed))
    loop = asyncio.get_running_loop()
    while True:
        command = await loop.run_in_executor(None, commands.get)
        if command[0] != "phase":
            break
        ready.put(("phase", await _storm_phase(clients, *command[1:])))
    await _disconnect(clients)


def _buyers_process(url, live_id, tokens, ready, commands):
    _load_process()
    asyncio.run(_buyers(url, live_id, tokens, ready, commands))


class BuyerPool:
    """Buyers connected once across `processes` processes (each buyer one connection), then any number of storm
    phases on them: connecting thousands of buyers again for every phase would cost more than the phase."""

    def __init__(self, url_for: list[str], live_id: int, tokens: list[str], processes: int):
        self.ready = CTX.Queue()
        self.commands = [CTX.Queue() for _ in range(processes)]
        self.procs = []
        for p in range(processes):
            proc = CTX.Process(target=_buyers_process, daemon=True,
                               args=(url_for[p % len(url_for)], live_id, tokens[p::processes], self.ready,
                                     self.commands[p]))
            proc.start()
            self.procs.append(proc)
        self.connected = self.failed = 0
        for _ in self.procs:
            _, ok, bad = self.ready.get(timeout=600)
            self.connected, self.failed = self.connected + ok, self.failed + bad

    def phase(self, texts: list[str], rate: float, duration: float, on_start=None) -> dict:
        """Open loop: `rate` comments/s over the processes, each buyer at most once per len(tokens)/rate s.
        `on_start` is called as the comments start."""
        tag = f"{time.time_ns() % 10**10}"
        start_at = time.time() + 0.3
        for p, queue in enumerate(self.commands):
            queue.put(("phase", texts, rate / len(self.commands), duration, f"p{p}-{tag}", start_at))
        if on_start is not None:
            time.sleep(max(0.0, start_at - time.time()))  # the phase starts at start_at in every process
            on_start()
        parts = [self.ready.get(timeout=duration + ACK_TIMEOUT_S + 120)[1] for _ in self.procs]
        outcomes: dict[str, int] = {}
        for part in parts:
            for key, value in part["outcomes"].items():
                outcomes[key] = outcomes.get(key, 0) + value
        return {"sent": sum(p["sent"] for p in parts), "outcomes": outcomes,
                "reserved": sum(p["reserved"] for p in parts),
                "latencies": [x for p in parts for x in p["latencies"]], "elapsed": max(p["elapsed"] for p in parts),
                "connected": self.connected, "connect_failed": self.failed,
                "client_cpu_s": sum(p["client_cpu_s"] for p in parts),
                "send_late_s": max(p["send_late_s"] for p in parts)}

    def close(self) -> None:
        _stop(self.commands, self.procs)


def _stop(commands: list, procs: list) -> None:
    """Tell each load process to stop, wait for it (a minute), then end it."""
    for queue in commands:
        queue.put(("stop",))
    for proc in procs:
        proc.join(timeout=60)
        if proc.is_alive():
            proc.terminate()


def run_storm(url_for: list[str], live_id: int, tokens: list[str], texts: list[str], rate: float, duration: float,
              processes: int, on_start=None) -> dict:
    """One phase on buyers connected for it (BuyerPool for several phases): open loop, `rate` comments/s over
    `processes` processes. `on_start` is called once every buyer has connected, as the comments start."""
    pool = BuyerPool(url_for, live_id, tokens, processes)
    try:
        return pool.phase(texts, rate, duration, on_start)
    finally:
        pool.close()


# The send time rides in the text as letters: a run of digits that long is masked as a phone number (core.privacy)
# in the public copy every viewer receives.
_DIGITS, _LETTERS = "0123456789.", "abcdefghijx"


def send_time() -> str:
    return f"{time.time():.6f}".translate(str.maketrans(_DIGITS, _LETTERS))


def sent_at(word: str) -> float:
    return float(word.translate(str.maketrans(_LETTERS, _DIGITS)))


# Viewers: fan-out and idle connections -------------------------------------------------------------------

# Every viewer counts the lines it receives; with the raw client only one viewer in FANOUT_SAMPLE decodes its frames
# and records each line's delivery latency, the others count a frame's lines by a substring count of the undecoded
# text (5,000 viewers at 200 lines/s are a million line deliveries a second: no single core decodes them all).
FANOUT_SAMPLE = max(1, int(os.environ.get("BENCH_FANOUT_SAMPLE", "20")))
_LINE = '"text":"t='  # how a timed line's text starts in the server's compact JSON


async def _viewers(url, live_id, count, ready, commands) -> dict:
    latencies: list[float] = []
    delivered = 0
    last_at = 0.0

    def on_message(message):
        nonlocal delivered, last_at
        text = message.get("text") or "" if isinstance(message, dict) else ""
        if text.startswith("t="):
            now = time.time()
            delivered += 1
            last_at = now
            latencies.append(now - sent_at(text[2:].split()[0]))

    def on_raw(body: str):
        nonlocal delivered, last_at
        lines = body.count(_LINE)
        if lines:
            delivered += lines
            last_at = time.time()

    loop = asyncio.get_running_loop()
    clients: list = []
    failed = 0
    pending = count
    while True:
        if pending is not None:
            auth = {"session_id": live_id, "frames": VIEWER_FRAMES}
            sampled = -(-pending // FANOUT_SAMPLE) if RAW else pending
            more, bad = await _connect(url, [auth] * sampled, on_message)
            clients += more
            failed += bad
            if pending > sampled:
                more, bad = await _connect(url, [auth] * (pending - sampled), on_raw=on_raw)
                clients += more
                failed += bad
            ready.put(("ready", len(clients), failed))
        command = await loop.run_in_executor(None, commands.get)
        if command[0] == "add":
            pending = command[1]
            continue
        if command[0] == "report":
            ready.put(("report", delivered, latencies, last_at))
            latencies, delivered, last_at = [], 0, 0.0
            pending = None
            continue
        break
    await _disconnect(clients)
    return {}


def _viewers_process(url, live_id, count, ready, commands):
    _load_process()
    asyncio.run(_viewers(url, live_id, count, ready, commands))


class ViewerPool:
    """Viewers connected across processes; `add` more, `report` their delivery latencies, `close`."""

    def __init__(self, urls: list[str], live_id: int, count: int, processes: int):
        self.ready = CTX.Queue()
        self.commands = [CTX.Queue() for _ in range(processes)]
        self.procs = []
        for p in range(processes):
            share = count // processes + (1 if p < count % processes else 0)
            proc = CTX.Process(target=_viewers_process, daemon=True,
                               args=(urls[p % len(urls)], live_id, share, self.ready, self.commands[p]))
            proc.start()
            self.procs.append(proc)
        self.connected, self.failed = self._gather_ready()

    def _gather_ready(self) -> tuple[int, int]:
        totals = [self.ready.get(timeout=600) for _ in self.procs]
        return sum(t[1] for t in totals), sum(t[2] for t in totals)

    def add(self, count: int) -> tuple[int, int]:
        for p, queue in enumerate(self.commands):
            queue.put(("add", count // len(self.commands) + (1 if p < count % len(self.commands) else 0)))
        self.connected, self.failed = self._gather_ready()
        return self.connected, self.failed

    def report(self) -> tuple[int, list[float], float | None]:
        """Since the last report: lines delivered (every viewer), the delivery latencies of the sampled viewers'
        lines (every viewer's with BENCH_CLIENT=socketio) and the wall time of the last delivery."""
        for queue in self.commands:
            queue.put(("report",))
        parts = [self.ready.get(timeout=300) for _ in self.procs]
        last = max((part[3] for part in parts if part[1]), default=None)
        return sum(part[1] for part in parts), [x for part in parts for x in part[2]], last

    def close(self) -> None:
        _stop(self.commands, self.procs)


async def send_messages(url: str, live_id: int, token: str | None, rate: float, duration: float) -> dict:
    """One sender (the seller's replies, not rate-limited per user) at a fixed rate; the text carries the send time."""
    clients, _ = await _connect(url, [{"session_id": live_id, "token": token}])
    sender = clients[0]
    start = time.monotonic()
    tasks = []
    for i in range(int(rate * duration)):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(sender.call(
            "seller_reply", {"text": f"t={send_time()} tin {i}", "client_id": f"fan-{time.time_ns()}-{i}"},
            namespace=NS, timeout=60)))
    acks = await asyncio.gather(*tasks, return_exceptions=True)
    await _disconnect(clients)
    return {"sent": len(tasks), "acked": sum(1 for a in acks if isinstance(a, dict) and a.get("ok"))}


async def ping(url: str, live_id: int, samples: int) -> list[float]:
    """Round trips of an acked event through the server (an anonymous comment: refused cheaply, or echoed)."""
    clients, _ = await _connect(url, [{"session_id": live_id}])
    if not clients:
        return []
    out = []
    for i in range(samples):
        sent = time.monotonic()
        try:
            await clients[0].call("comment", {"text": "ping", "client_id": f"ping-{i}"}, namespace=NS, timeout=10)
            out.append(time.monotonic() - sent)
        except Exception:  # a lost ping counts as the timeout
            out.append(10.0)
        await asyncio.sleep(0.01)  # spacing between samples, not synchronisation
    await _disconnect(clients)
    return out


def summary(latencies: list[float]) -> dict[str, Any]:
    from .common import ms, percentile

    return {"p50_ms": ms(percentile(latencies, 50)), "p99_ms": ms(percentile(latencies, 99)),
            "max_ms": ms(max(latencies) if latencies else None)}
