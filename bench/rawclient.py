"""A minimal asyncio Socket.IO v5 / Engine.IO v4 client over WebSocket only (aiohttp), for the load generators.

Just what the benches need, far cheaper per connection and per ack than `socketio.AsyncClient` (no per-client
background tasks besides one reader, no queues, no reconnection, no binary packets: the app sends JSON only).
The wire format, read from python-engineio's and python-socketio's `packet.py`:

- Engine.IO packet = one WebSocket text frame: a type digit, then the payload. `0{...}` open (sid, pingInterval),
  `1` close, `2` ping (answered `3`), `4<socket.io packet>` message.
- Socket.IO packet = a type digit, then `/nsp,` if the namespace is not `/`, then the ack id in ASCII digits if
  any, then JSON. `0` connect (`0/live,{auth}` out, `0/live,{"sid": ..}` back), `1` disconnect, `2` event
  (`2/live,7["comment",{..}]`), `3` ack (`3/live,7[{..}]`), `4` connect error (`4/live,{"message": ..}`).

So the frames seen here are `40/live,{..}`, `42/live,7["comment",{..}]`, `43/live,7[{..}]` and `44/live,{..}`.
"""
from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import aiohttp

NS = "/live"
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class ConnectError(Exception):
    """The namespace refused the connection (`44/nsp,{"message": ..}`) or the socket closed first."""


def session(limit: int = 0) -> aiohttp.ClientSession:
    """One HTTP session per process for every client: no connection pool limit (each WebSocket is its own TCP)."""
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=limit, force_close=True),
                                 timeout=aiohttp.ClientTimeout(total=None))


class RawClient:
    """One Socket.IO connection to one namespace. `on(event, fn)` before `connect`; `emit`, `call`, `call_cb`;
    `disconnect`. Events without a handler are not decoded at all (a storm buyer reads its acks only)."""

    def __init__(self, http: aiohttp.ClientSession, url: str, namespace: str = NS):
        self.http = http
        self.url = url.replace("http://", "ws://", 1).replace("https://", "wss://", 1).rstrip("/") \
            + "/socket.io/?EIO=4&transport=websocket"
        self.namespace = namespace
        self._prefix = "" if namespace == "/" else namespace + ","
        self._handlers: dict[str, Callable[..., Any]] = {}
        self._raw: list[tuple[str, Callable[[str], None]]] = []
        self._acks: dict[int, Callable[[Any], None]] = {}
        self._next_id = 0
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task | None = None
        self._connected: asyncio.Future | None = None
        self.sid: str | None = None
        self.closed = False

    def on(self, event: str, handler: Callable[..., Any]) -> None:
        self._handlers[event] = handler

    def on_raw(self, event: str, handler: Callable[[str], None]) -> None:
        """`handler(text)` with the event's JSON array as received, not decoded (counting lines costs a substring
        count, not a json.loads). Checked before `on`'s handlers."""
        self._raw.append(('["' + event + '"', handler))

    async def connect(self, auth: dict | None = None, timeout: float = 30) -> RawClient:
        """Open the WebSocket, connect the namespace with `auth`; raises ConnectError on a refusal."""
        loop = asyncio.get_running_loop()
        self._connected = loop.create_future()
        try:
            async with asyncio.timeout(timeout):
                self._ws = await self.http.ws_connect(self.url, autoping=True, max_msg_size=0)
                self._auth = auth
                self._reader = loop.create_task(self._read())
                await self._connected
        except BaseException:
            await self.disconnect()
            raise
        return self

    async def _send(self, text: str) -> None:
        await self._ws.send_str(text)

    async def _read(self) -> None:
        ws, prefix = self._ws, self._prefix
        skip = len(prefix) + 2  # "4" + socket.io type + "/live,"
        try:
            async for msg in ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.ERROR):
                        break
                    continue
                data: str = msg.data
                kind = data[:2]
                if kind == "42":  # an event
                    if not self._handlers and not self._raw:
                        continue
                    body = data[skip:]
                    if body[:1] != "[":  # an event with an ack id (the server asks back): not used by the app
                        body = body.lstrip("0123456789")
                    for start, raw in self._raw:
                        if body.startswith(start):
                            raw(body)
                            break
                    else:
                        if not self._handlers:
                            continue
                        args = json.loads(body)
                        handler = self._handlers.get(args[0])
                        if handler is not None:
                            handler(*args[1:])
                    continue
                if kind == "43":  # an ack: 43/live,<id>[args]
                    body = data[skip:]
                    bracket = body.index("[")
                    callback = self._acks.pop(int(body[:bracket]), None)
                    if callback is not None:
                        args = json.loads(body[bracket:])
                        callback(args[0] if len(args) == 1 else tuple(args))
                elif data == "2":  # Engine.IO ping
                    await ws.send_str("3")
                elif kind == "40":
                    self.sid = json.loads(data[skip:] or "{}").get("sid")
                    if not self._connected.done():
                        self._connected.set_result(True)
                elif kind == "44":
                    if not self._connected.done():
                        self._connected.set_exception(ConnectError(data[skip:]))
                    break
                elif data[:1] == "0":  # Engine.IO open: connect the namespace
                    await ws.send_str("40" + prefix + (_dumps(self._auth) if self._auth is not None else ""))
                elif kind == "41" or data[:1] == "1":  # namespace disconnect or Engine.IO close
                    break
        except (aiohttp.ClientError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self.closed = True
            if self._connected is not None and not self._connected.done():
                self._connected.set_exception(ConnectError("closed before the namespace connected"))
            acks, self._acks = self._acks, {}
            for callback in acks.values():
                callback(None)  # a lost ack: None

    async def emit(self, event: str, data: Any = None) -> None:
        await self._send("42" + self._prefix + _dumps([event, data]))

    async def call_cb(self, event: str, data: Any, callback: Callable[[Any], None]) -> None:
        """Send an event with an ack id; `callback(ack)` when the ack arrives (None if the connection closes first).
        No task, no future: the cheapest way to keep thousands of calls in flight."""
        self._next_id += 1
        self._acks[self._next_id] = callback
        await self._send(f"42{self._prefix}{self._next_id}{_dumps([event, data])}")

    async def call(self, event: str, data: Any = None, namespace: str | None = None, timeout: float = 60) -> Any:
        """python-socketio's `call`: the ack's argument; TimeoutError after `timeout` s."""
        future = asyncio.get_running_loop().create_future()

        def done(ack):
            if not future.done():
                if ack is None and self.closed:
                    future.set_exception(ConnectError("closed before the ack"))
                else:
                    future.set_result(ack)

        await self.call_cb(event, data, done)
        async with asyncio.timeout(timeout):
            return await future

    async def disconnect(self) -> None:
        ws, self._ws = self._ws, None
        if ws is not None and not ws.closed:
            try:
                await ws.send_str("41" + self._prefix)
                await ws.close()
            except (aiohttp.ClientError, ConnectionError, RuntimeError):
                pass
        if self._reader is not None and not self._reader.done():
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
