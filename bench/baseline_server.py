"""The baseline: a bare python-socketio server (gevent) that acks an echo and broadcasts, plus a hello-world Flask page.

Served like the app: `gunicorn -k gevent -w 1 bench.baseline_server:app`. Same namespace and event names as the
app, so the same load generators drive both.
"""
from __future__ import annotations

import socketio
from flask import Flask

sio = socketio.Server(async_mode="gevent", cors_allowed_origins=None)
flask_app = Flask(__name__)
ROOM = "live"


@flask_app.get("/healthz")
@flask_app.get("/hello")
def hello():
    return "Hello, World!"


@sio.on("connect", namespace="/live")
def connect(sid, environ, auth=None):
    sio.enter_room(sid, ROOM, namespace="/live")


@sio.on("comment", namespace="/live")
def comment(sid, data):
    return {"ok": True, "echo": data}


@sio.on("seller_reply", namespace="/live")
def seller_reply(sid, data):
    sio.emit("message", {"text": data.get("text") if isinstance(data, dict) else None}, to=ROOM, namespace="/live")
    return {"ok": True}


app = socketio.WSGIApp(sio, flask_app)
