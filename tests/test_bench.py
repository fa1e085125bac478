"""The bench harness still works: its smallest order storm against the baseline and the app (SQLite), then the report."""
from __future__ import annotations

import pytest

from bench import common, report, storm

TINY = {"buyers": 8, "codes": 2, "rates": [4], "hot_rate": 4, "seconds": 1, "processes": 1}


@pytest.fixture
def workdir(tmp_path):
    return tmp_path


def test_smallest_order_storm_runs_against_baseline_and_app_and_the_checks_hold(workdir):
    baseline = storm.run_baseline(TINY, workdir)
    app = storm.run_app("sqlite", TINY, workdir)
    echo = baseline["phases"][0]
    assert echo["sent"] == 4 and echo["outcomes"] == {"ok": 4}
    spread, hot = app["phases"]
    assert spread["sent"] == 4 and spread["outcomes"] == {"ok": 4} and spread["reserved_units"] == 4
    # The hot code has 60 % of what is ordered: the rest is refused as out of stock, never oversold.
    assert hot["outcomes"] == {"ok": app["hot_stock"], "out_of_stock": 4 - app["hot_stock"]}
    assert app["checks"] == {"oversold_units": 0, "duplicate_reservations": 0, "held_units": 4 + app["hot_stock"],
                             "acked_units": 4 + app["hot_stock"], "acked_but_missing": 0,
                             "allotment_used_mismatch": 0, "stock_balance_broken": 0}
    result = {"mode": "quick", "started_at": "now", "command": "test", "wall_s": 0, "machine": report.machine(),
              "scenarios": {"storm": {"settings": TINY, "baseline": baseline, "app": [app]}}}
    result["summary"] = report.summary(result)
    text = report.table(result)
    assert "accepted orders/s (sqlite, spread, offered 4/s)" in text and "| 0 / 0 / 0 |" in text


def test_percentiles_and_cpu_readings():
    assert common.percentile([3.0, 1.0, 2.0], 50) == 2.0 and common.percentile([], 99) is None
    import os

    assert common.cpu_seconds(os.getpid()) > 0 and common.rss_kb(os.getpid()) > 0


def test_the_mixed_scenario_storms_at_half_the_postgresql_capacity_of_the_same_run():
    from bench import mixed

    phases = [{"phase": "spread", "cpu_s_per_1000": 40.0}, {"phase": "spread", "cpu_s_per_1000": 25.0},
              {"phase": "hot", "cpu_s_per_1000": 10.0}]
    earlier = {"storm": {"app": [{"database": "sqlite", "phases": [{"phase": "spread", "cpu_s_per_1000": 5.0}]},
                                 {"database": "postgresql", "phases": phases}]}}
    assert mixed.half_maximum(earlier, 10) == (20.0, "half the storm's PostgreSQL one-core capacity")
    assert mixed.half_maximum({}, 10)[0] == 10 and mixed.half_maximum(None, 7)[0] == 7


def test_the_raw_client_connects_calls_with_an_ack_and_receives_broadcasts_from_the_bare_server(workdir):
    import asyncio
    import concurrent.futures

    from bench import rawclient

    async def scenario(url):
        loop = asyncio.get_running_loop()
        line, frame, raw = loop.create_future(), loop.create_future(), loop.create_future()
        async with rawclient.session() as http:
            per_line = rawclient.RawClient(http, url)
            per_line.on("message", lambda m: line.done() or line.set_result(m))
            framed = rawclient.RawClient(http, url)
            framed.on("frame", lambda f: frame.done() or frame.set_result(f))
            counting = rawclient.RawClient(http, url)
            counting.on_raw("frame", lambda text: raw.done() or raw.set_result(text))
            sender = rawclient.RawClient(http, url)
            for client, auth in ((per_line, {"session_id": 0}), (framed, {"session_id": 0, "frames": True}),
                                 (counting, {"session_id": 0, "frames": True}), (sender, {"session_id": 0})):
                await client.connect(auth, timeout=10)
            assert per_line.sid and sender.sid and per_line.sid != sender.sid
            echo = await sender.call("comment", {"text": "chốt A10", "client_id": "c1"}, timeout=10)
            assert echo == {"ok": True, "echo": {"text": "chốt A10", "client_id": "c1"}}
            acks: list = []
            await sender.call_cb("comment", {"text": "hai"}, acks.append)
            assert await sender.call("seller_reply", {"text": "t=abc xin chào"}, timeout=10) == {"ok": True}
            assert acks == [{"ok": True, "echo": {"text": "hai"}}]  # acks come back in order on one connection
            async with asyncio.timeout(10):
                assert await line == {"text": "t=abc xin chào"}
                assert (await frame)["messages"] == [{"text": "t=abc xin chào"}]
                assert (await raw).count('"text":"t=') == 1  # the undecoded frame, as received
            refused = rawclient.RawClient(http, url, namespace="/nowhere")
            with pytest.raises(rawclient.ConnectError):
                await refused.connect({}, timeout=10)
            for client in (per_line, framed, counting, sender):
                await client.disconnect()
                assert client.closed

    env = common.app_env("sqlite://", workdir)
    # In a thread of its own: earlier tests of the suite (Playwright's sync API) may leave this thread's event loop
    # running, where asyncio.run() refuses to start.
    with common.servers("bench.baseline_server:app", env, workdir, use_app_config=False) as (server,), \
            concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, scenario(server.url)).result(timeout=120)
