"""Connection capacity: idle viewers added step by step until an acked round trip's p99 passes 1 s; memory per viewer."""
from __future__ import annotations

import asyncio
import os

from . import common, loadgen

QUICK = {"step": 250, "limit": 500, "pings": 25, "processes": 2}
FULL = {"step": 2500, "limit": 20000, "pings": 60, "processes": 4}
# The server holds one file descriptor per connection: the ramp stops short of its open-files limit (raised to the
# hard limit at start), whatever the bound; the result says which one it was.
FD_RESERVE = 200
PING_LIMIT_S = 1.0


def _ramp(server, live_id: int, settings: dict) -> dict:
    rss0 = server.rss_kb()
    base_ping = asyncio.run(loadgen.ping(server.url, live_id, settings["pings"]))
    steps = [{"connections": 0, "rss_kb": rss0, "ping_p99_ms": common.ms(common.percentile(base_ping, 99))}]
    pool = loadgen.ViewerPool([server.url], live_id, 0, settings["processes"])
    try:
        while steps[-1]["connections"] < settings["limit"]:
            connected, failed = pool.add(min(settings["step"], settings["limit"] - steps[-1]["connections"]))
            pings = asyncio.run(loadgen.ping(server.url, live_id, settings["pings"]))
            p99 = common.percentile(pings, 99)
            steps.append({"connections": connected, "failed": failed, "rss_kb": server.rss_kb(),
                          "ping_p99_ms": common.ms(p99)})
            if failed or p99 is None or p99 > PING_LIMIT_S:
                break
    finally:
        pool.close()
    good = [s for s in steps if s["ping_p99_ms"] is not None and s["ping_p99_ms"] <= PING_LIMIT_S * 1000
            and not s.get("failed")]
    top = good[-1] if good else steps[0]
    per_conn = (top["rss_kb"] - rss0) / top["connections"] if top["connections"] else None
    return {"steps": steps, "max_connections_under_1s": top["connections"],
            "reached_limit": top["connections"] >= settings["limit"],
            "kb_per_connection": round(per_conn, 1) if per_conn is not None else None}


def _settings(quick: bool) -> dict:
    """QUICK or FULL; BENCH_CAPACITY_LIMIT and BENCH_CAPACITY_STEP change the bound and the step. The bound is
    lowered to the open-files hard limit less FD_RESERVE when that is lower (`fd_bound`)."""
    settings = dict(QUICK if quick else FULL)
    for key, env in (("limit", "BENCH_CAPACITY_LIMIT"), ("step", "BENCH_CAPACITY_STEP")):
        if os.environ.get(env):
            settings[key] = int(os.environ[env])
    hard = common.nofile_hard()
    if hard is not None and settings["limit"] > hard - FD_RESERVE:
        settings["limit"], settings["fd_bound"] = hard - FD_RESERVE, hard
    return settings


def run(quick: bool, workdir) -> dict:
    settings = _settings(quick)
    env = common.app_env("sqlite://", workdir)
    with common.servers("bench.baseline_server:app", env, workdir, use_app_config=False) as (server,):
        baseline = _ramp(server, 0, settings)
    with common.database("postgresql", workdir) as url:
        env = common.app_env(url, workdir)
        seeding = common.Seeding(env, "--buyers", "0", "--codes", "1")
        with common.servers("wsgi:app", env, workdir) as (server,):
            seed = seeding.result()
            app = _ramp(server, seed["live_id"], settings)
    return {"settings": settings, "database": "postgresql", "baseline": baseline, "app": app}
