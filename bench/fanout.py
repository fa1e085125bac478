"""Room fan-out: many viewers in one live, one sender (the seller's replies); deliveries/s and delivery latency."""
from __future__ import annotations

import asyncio
import os
import time

from . import common, loadgen

QUICK = {"viewers": [300], "rate": 20, "seconds": 2, "processes": 2, "drain": 1}
DRAIN_SECONDS = 2
# Issue #14: 5,000 viewers of one live at 200 lines/s (the seller's replies, never sampled out of a frame).
FULL = {"viewers": [1000, 5000], "rate": 200, "seconds": 5, "processes": 4, "drain": DRAIN_SECONDS}


def _measure(urls: list[str], cpu, live_id: int, token: str | None, viewers: int, settings: dict) -> dict:
    pool = loadgen.ViewerPool(urls, live_id, viewers, settings["processes"])
    try:
        before = cpu()
        start = time.time()
        sent = asyncio.run(loadgen.send_messages(urls[0], live_id, token, settings["rate"], settings["seconds"]))
        time.sleep(settings.get("drain", DRAIN_SECONDS))  # let deliveries in flight arrive; the rate uses the last arrival, not this wait
        delivered, latencies, last_at = pool.report()
        used = cpu() - before
        elapsed = (last_at or time.time()) - start
    finally:
        pool.close()
    expected = sent["sent"] * pool.connected
    return {"viewers": viewers, "connected": pool.connected, "connect_failed": pool.failed,
            "messages": sent["sent"], "acked": sent["acked"], "deliveries": delivered, "expected": expected,
            "deliveries_per_s": round(delivered / elapsed, 1), **loadgen.summary(latencies),
            "latency_sample": len(latencies), "server_cpu_s": round(used, 3),
            "cpu_s_per_1000": round(used / max(delivered, 1) * 1000, 4)}


def run_app(kind: str, settings: dict, workdir, *, processes: int = 1) -> dict:
    with common.database(kind, workdir) as url:
        env = common.app_env(url, workdir, redis=processes > 1)
        if processes > 1:
            common.flush_redis()
        seeding = common.Seeding(env, "--buyers", "0", "--codes", "1")
        with common.servers("wsgi:app", env, workdir, count=processes) as started:
            seed = seeding.result()
            cpu = lambda: sum(s.cpu() for s in started)
            runs = [_measure([s.url for s in started], cpu, seed["live_id"], seed["seller"], n, settings)
                    for n in settings["viewers"]]
    return {"database": kind, "processes": processes, "runs": runs}


def run_baseline(settings: dict, workdir) -> dict:
    env = common.app_env("sqlite://", workdir)
    with common.servers("bench.baseline_server:app", env, workdir, use_app_config=False) as (server,):
        return {"runs": [_measure([server.url], server.cpu, 0, None, n, settings) for n in settings["viewers"]]}


def _settings(quick: bool) -> dict:
    """QUICK or FULL; BENCH_FANOUT_VIEWERS (e.g. "2000,5000") and BENCH_FANOUT_RATE offer other loads."""
    settings = dict(QUICK if quick else FULL)
    if os.environ.get("BENCH_FANOUT_VIEWERS"):
        settings["viewers"] = [int(v) for v in os.environ["BENCH_FANOUT_VIEWERS"].split(",") if v.strip()]
    if os.environ.get("BENCH_FANOUT_RATE"):
        settings["rate"] = int(os.environ["BENCH_FANOUT_RATE"])
    return settings


def run(quick: bool, workdir) -> dict:
    settings = _settings(quick)
    return {"settings": settings, "baseline": run_baseline(settings, workdir),
            "app": [run_app("postgresql", settings, workdir)]}
