"""The example client in docs/realtime-api.md runs against a real server and orders: the doc cannot rot."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from app.livestream.models import LiveReservation

DOC = Path(__file__).resolve().parents[2] / "docs" / "realtime-api.md"


def example_code() -> str:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 1, "docs/realtime-api.md should hold exactly one python example"
    return blocks[0]


def test_doc_lists_every_event_and_error_code():
    from app.livestream.events import LiveNamespace

    text = DOC.read_text(encoding="utf-8")
    for name in dir(LiveNamespace):
        if name.startswith("on_") and name not in ("on_connect", "on_disconnect", "on_event"):
            assert f"`{name[3:]}`" in text, name
    for code in ("out_of_stock", "unknown_code", "limit_exceeded", "rate_limited", "not_signed_in",
                 "live_not_on_air", "invalid_token", "not_a_member"):
        assert f"`{code}`" in text, code


def test_example_client_orders_against_live_server(live_server, real_socketio, make_live, factory, buyer, db, tmp_path):
    live = make_live([("A12", "Bưởi Diễn", 10, None)])
    script = tmp_path / "client.py"
    script.write_text(example_code(), encoding="utf-8")
    env = {**os.environ, "CHOLIVE_URL": live_server, "CHOLIVE_LOGIN": buyer.phone,
           "CHOLIVE_PASSWORD": factory.password, "CHOLIVE_SESSION_ID": str(live.id), "CHOLIVE_TEXT": "chốt A12 x2"}
    result = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "reserved 2 × A12 at 60000 VND" in result.stdout, result.stdout
    assert "cart total: 120000 VND" in result.stdout
    db.session.expire_all()
    lines = db.session.scalars(select(LiveReservation)).all()
    assert [(r.quantity, r.status) for r in lines] == [(2, "held")]
