"""The baseline: a bare python-socketio server (gevent) that acks an echo and broadcasts, plus a hello-world Flask page.

Served like the app: `gunicorn -k gevent -w 1 bench.baseline_server:app`. Same namespace and event names as the
app, so the same load generators drive both. Like the app, a viewer that connects with `frames: true` gets the chat
coalesced: one `frame` {"messages": [...]} every FRAME_S to its room, encoded once; the others one `message` a line.
"""
from __future__ import annotations

import socketio
from flask import Flask

sio = socketio.Server(async_mode="gevent", cors_allowed_origins=None)
flask_app = Flask(__name__)
ROOM, FRAME_ROOM = "live", "live-frames"
FRAME_S = 0.2
_pending: list[dict] = []
_flusher: list = []


def _flush_forever():
    while True:
        sio.sleep(FRAME_S)
        if _pending:
            messages = _pending[:]
            del _pending[:]
            sio.emit("frame", {"messages": messages}, to=FRAME_ROOM, namespace="/live")


@flask_app.get("/healthz")
@flask_app.get("/hello")
def hello():
    return "Hello, World!"


@sio.on("connect", namespace="/live")
def connect(sid, environ, auth=None):
    frames = isinstance(auth, dict) and auth.get("frames") is True
    sio.enter_room(sid, FRAME_ROOM if frames else ROOM, namespace="/live")


@sio.on("comment", namespace="/live")
def comment(sid, data):
    return {"ok": True, "echo": data}


@sio.on("seller_reply", namespace="/live")
def seller_reply(sid, data):
    line = {"text": data.get("text") if isinstance(data, dict) else None}
    sio.emit("message", line, to=ROOM, namespace="/live")
    _pending.append(line)
    if not _flusher:
        _flusher.append(sio.start_background_task(_flush_forever))
    return {"ok": True}


app = socketio.WSGIApp(sio, flask_app)
