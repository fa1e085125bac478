"""Order storm: buyers ordering by comment at a fixed rate (spread over many codes, then one hot code), SQLite and PostgreSQL.

Afterwards the database is checked: oversold units and duplicate reservations must be zero, and every
acknowledged unit must be a held reservation (nothing acknowledged is lost).
"""
from __future__ import annotations

import os
import time

from sqlalchemy import create_engine, text

from . import common, loadgen

# Every buyer is also a viewer: each accepted order is broadcast (message, ticker, stock) to all of them, so the
# number of buyers sets the cost of an order. A buyer comments at most once a second (LIVE_COMMENT_MIN_INTERVAL):
# 3,000 buyers offer 2,000/s with each buyer's comments 1.5 s apart.
# The load generator's own ceiling: the bare server at `ceiling_rates` (with `ceiling_buyers` connections) in the
# same run; the highest rate it acknowledges at ≥ 0.95× what is offered is what this generator can offer at all.
QUICK = {"buyers": 60, "codes": 20, "rates": [20], "hot_rate": 20, "seconds": 2, "processes": 2,
         "ceiling_rates": [2000], "ceiling_buyers": 60}
FULL = {"buyers": 3000, "codes": 40, "rates": [250, 500, 1000, 2000], "hot_rate": 500, "seconds": 4, "processes": 2,
        "ceiling_rates": [500, 1000, 2000, 4000, 8000, 16000], "ceiling_buyers": 500}
KEEPS_UP = 0.95  # accepted ≥ 0.95× offered


PHASE_GAP_S = 1.1  # a buyer's last comment of one phase and first of the next are further apart than the 1 s limit


def engine_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def check_invariants(url: str, live_id: int, acked_units: int) -> dict:
    """Oversold units, duplicate reservations and acknowledged-but-missing units, read from the database."""
    engine = create_engine(engine_url(url))
    with engine.connect() as conn:
        held = conn.execute(text(
            "SELECT coalesce(sum(quantity), 0) FROM live_reservations WHERE session_id = :s AND status = 'held'"),
            {"s": live_id}).scalar()
        over_allotment = conn.execute(text(
            "SELECT coalesce(sum(CASE WHEN used > allotment THEN used - allotment ELSE 0 END), 0) FROM ("
            " SELECT lp.allotment AS allotment, coalesce(sum(r.quantity), 0) AS used FROM live_products lp"
            " LEFT JOIN live_reservations r ON r.live_product_id = lp.id AND r.status = 'held'"
            " WHERE lp.session_id = :s GROUP BY lp.id, lp.allotment) t"), {"s": live_id}).scalar()
        used_mismatch = conn.execute(text(
            "SELECT count(*) FROM live_products lp WHERE lp.session_id = :s AND lp.allotment_used <> ("
            " SELECT coalesce(sum(r.quantity), 0) FROM live_reservations r"
            " WHERE r.live_product_id = lp.id AND r.status = 'held')"), {"s": live_id}).scalar()
        stock_broken = conn.execute(text(
            "SELECT count(*) FROM variants WHERE available < 0 OR reserved < 0 OR sold < 0"
            " OR received <> available + reserved + sold")).scalar()
        over_stock = conn.execute(text(
            "SELECT coalesce(sum(CASE WHEN reserved + sold > received THEN reserved + sold - received ELSE 0 END), 0)"
            " FROM variants")).scalar()
        duplicates = conn.execute(text(
            "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM live_reservations WHERE session_id = :s"
            " GROUP BY message_id, live_product_id HAVING count(*) > 1) t"), {"s": live_id}).scalar()
        duplicate_comments = conn.execute(text(
            "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM live_chat_messages WHERE session_id = :s"
            " AND client_id IS NOT NULL GROUP BY user_id, client_id HAVING count(*) > 1) t"), {"s": live_id}).scalar()
    engine.dispose()
    return {"oversold_units": int(over_allotment) + int(over_stock), "duplicate_reservations": int(duplicates)
            + int(duplicate_comments), "held_units": int(held), "acked_units": acked_units,
            "acked_but_missing": max(0, acked_units - int(held)), "allotment_used_mismatch": int(used_mismatch),
            "stock_balance_broken": int(stock_broken)}


def _phase(name: str, pool: loadgen.BuyerPool, cpu, texts: list[str], rate: float, seconds: float) -> dict:
    before = cpu()
    result = pool.phase(texts, rate, seconds)
    used = cpu() - before
    ok = result["outcomes"].get("ok", 0)
    # Orders decided: taken, or refused for want of stock or by the per-buyer limit (the hot code's 40 %).
    decided = sum(result["outcomes"].get(k, 0) for k in ("ok", "out_of_stock", "limit_exceeded"))
    return {"phase": name, "offered_per_s": rate, "sent": result["sent"], "outcomes": result["outcomes"],
            "accepted_per_s": round(ok / result["elapsed"], 1),
            "decided_per_s": round(decided / result["elapsed"], 1), **loadgen.summary(result["latencies"]),
            "server_cpu_s": round(used, 3), "cpu_s_per_1000": round(used / max(result["sent"], 1) * 1000, 3),
            "reserved_units": result["reserved"], "connected": result["connected"],
            "connect_failed": result["connect_failed"], "client": loadgen.CLIENT,
            "client_cpu_s": round(result["client_cpu_s"], 3),
            "client_cpu_s_per_1000": round(result["client_cpu_s"] / max(result["sent"], 1) * 1000, 3),
            "send_late_ms": round(result["send_late_s"] * 1000, 1)}


def run_app(kind: str, settings: dict, workdir, *, processes: int = 1) -> dict:
    """The storm against `processes` app processes (more than one: Redis message queue, PostgreSQL)."""
    hot_total = int(settings["hot_rate"] * settings["seconds"])
    with common.database(kind, workdir) as url:
        env = common.app_env(url, workdir, redis=processes > 1)
        if processes > 1:
            common.flush_redis()
        seeding = common.Seeding(env, "--buyers", str(settings["buyers"]), "--codes", str(settings["codes"]),
                                 "--hot-stock", str(int(hot_total * 0.6)))
        with common.servers("wsgi:app", env, workdir, count=processes) as started:
            seed = seeding.result()
            urls = [s.url for s in started]
            cpu = lambda: sum(s.cpu() for s in started)  # CPU of every app worker
            pool = loadgen.BuyerPool(urls, seed["live_id"], seed["buyers"], settings["processes"])
            try:
                phases = []
                spread_texts = [f"chốt {code}" for code in seed["codes"]]
                for rate in settings["rates"]:
                    time.sleep(PHASE_GAP_S)
                    phases.append(_phase("spread", pool, cpu, spread_texts, rate, settings["seconds"]))
                time.sleep(PHASE_GAP_S)
                phases.append(_phase("hot", pool, cpu, [f"chốt {seed['hot_code']}"], settings["hot_rate"],
                                     settings["seconds"]))
            finally:
                pool.close()
        checks = check_invariants(url, seed["live_id"], sum(p["reserved_units"] for p in phases))
    return {"database": kind, "processes": processes, "hot_stock": int(hot_total * 0.6), "phases": phases,
            "checks": checks}


def keeps_up(phase: dict) -> bool:
    return phase["accepted_per_s"] >= KEEPS_UP * phase["offered_per_s"] and not phase["connect_failed"]


def run_baseline(settings: dict, workdir) -> dict:
    """The bare server at the storm's rates (the ratios' baseline), then on up the ceiling rates: the load generator's
    ceiling is the highest rate acknowledged at ≥ 0.95× offered (past the first rate that fails, only the storm's
    own rates are still run)."""
    env = common.app_env("sqlite://", workdir)
    own = set(settings["rates"]) | {settings["hot_rate"]}
    rates = sorted(own | set(settings.get("ceiling_rates") or ()))
    buyers = ["x"] * settings.get("ceiling_buyers", settings["buyers"])
    phases, failed = [], False
    with common.servers("bench.baseline_server:app", env, workdir, use_app_config=False) as (server,):
        pool = loadgen.BuyerPool([server.url], 0, buyers, settings["processes"])
        try:
            for rate in rates:
                if failed and rate not in own:
                    continue
                phase = _phase("echo", pool, server.cpu, ["chốt A10"], rate, settings["seconds"])
                phases.append(phase)
                failed = failed or not keeps_up(phase)
        finally:
            pool.close()
    return {"phases": phases, "ceiling": ceiling(phases)}


def ceiling(phases: list[dict]) -> dict:
    """The load generator's ceiling from the bare server's phases: the highest offered rate kept up with (all lower
    ones kept up too), its p99 ack and the CPU both sides spent per 1,000 acks there."""
    top = None
    for phase in sorted(phases, key=lambda p: p["offered_per_s"]):
        if not keeps_up(phase):
            break
        top = phase
    tried = max((p["offered_per_s"] for p in phases), default=None)
    if top is None:
        return {"rate_per_s": None, "highest_tried_per_s": tried, "limited": True}
    return {"rate_per_s": top["offered_per_s"], "accepted_per_s": top["accepted_per_s"], "p99_ms": top["p99_ms"],
            "client_cpu_s_per_1000": top["client_cpu_s_per_1000"], "server_cpu_s_per_1000": top["cpu_s_per_1000"],
            "send_late_ms": top["send_late_ms"], "highest_tried_per_s": tried,
            "limited": top["offered_per_s"] < tried, "client": top["client"]}


def _ints(name: str) -> list[int] | None:
    value = os.environ.get(name)
    return [int(r) for r in value.split(",") if r.strip()] if value else None


def _settings(quick: bool) -> dict:
    """QUICK or FULL; BENCH_STORM_RATES (e.g. "40,80,160"), BENCH_STORM_HOT_RATE, BENCH_STORM_CEILING_RATES,
    BENCH_STORM_BUYERS and BENCH_STORM_SECONDS offer other loads."""
    settings = dict(QUICK if quick else FULL)
    for key, env in (("rates", "BENCH_STORM_RATES"), ("ceiling_rates", "BENCH_STORM_CEILING_RATES")):
        if _ints(env) is not None:
            settings[key] = _ints(env)
    for key, env in (("hot_rate", "BENCH_STORM_HOT_RATE"), ("buyers", "BENCH_STORM_BUYERS"),
                     ("seconds", "BENCH_STORM_SECONDS")):
        if os.environ.get(env):
            settings[key] = int(os.environ[env])
    return settings


def run(quick: bool, workdir) -> dict:
    settings = _settings(quick)
    baseline = run_baseline(settings, workdir)
    apps = [run_app(kind, settings, workdir) for kind in ("sqlite", "postgresql")]
    return {"settings": settings, "baseline": baseline, "app": apps, "generator_ceiling": baseline["ceiling"]}
