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
# number of buyers sets the cost of an order. A buyer comments at most once a second (LIVE_COMMENT_MIN_INTERVAL).
QUICK = {"buyers": 60, "codes": 20, "rates": [20], "hot_rate": 20, "seconds": 2, "processes": 2}
FULL = {"buyers": 200, "codes": 40, "rates": [10, 20, 40], "hot_rate": 20, "seconds": 6, "processes": 2}


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


def _phase(name: str, urls: list[str], cpu, live_id: int, tokens: list[str], texts: list[str], rate: float,
           seconds: float, processes: int) -> dict:
    before = cpu()
    result = loadgen.run_storm(urls, live_id, tokens, texts, rate, seconds, processes)
    used = cpu() - before
    ok = result["outcomes"].get("ok", 0)
    return {"phase": name, "offered_per_s": rate, "sent": result["sent"], "outcomes": result["outcomes"],
            "accepted_per_s": round(ok / result["elapsed"], 1), **loadgen.summary(result["latencies"]),
            "server_cpu_s": round(used, 3), "cpu_s_per_1000": round(used / max(result["sent"], 1) * 1000, 3),
            "reserved_units": result["reserved"], "connected": result["connected"],
            "connect_failed": result["connect_failed"]}


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
            phases = []
            spread_texts = [f"chốt {code}" for code in seed["codes"]]
            for rate in settings["rates"]:
                time.sleep(PHASE_GAP_S)
                phases.append(_phase("spread", urls, cpu, seed["live_id"], seed["buyers"], spread_texts, rate,
                                     settings["seconds"], settings["processes"]))
            time.sleep(PHASE_GAP_S)
            phases.append(_phase("hot", urls, cpu, seed["live_id"], seed["buyers"], [f"chốt {seed['hot_code']}"],
                                 settings["hot_rate"], settings["seconds"], settings["processes"]))
        checks = check_invariants(url, seed["live_id"], sum(p["reserved_units"] for p in phases))
    return {"database": kind, "processes": processes, "hot_stock": int(hot_total * 0.6), "phases": phases,
            "checks": checks}


def run_baseline(settings: dict, workdir) -> dict:
    env = common.app_env("sqlite://", workdir)
    with common.servers("bench.baseline_server:app", env, workdir, use_app_config=False) as (server,):
        phases = [_phase("echo", [server.url], server.cpu, 0, ["x"] * settings["buyers"], ["chốt A10"], rate,
                         settings["seconds"], settings["processes"]) for rate in settings["rates"]]
    return {"phases": phases}


def _settings(quick: bool) -> dict:
    """QUICK or FULL; BENCH_STORM_RATES (e.g. "40,80,160") and BENCH_STORM_HOT_RATE offer other rates."""
    settings = dict(QUICK if quick else FULL)
    if os.environ.get("BENCH_STORM_RATES"):
        settings["rates"] = [int(r) for r in os.environ["BENCH_STORM_RATES"].split(",") if r.strip()]
    if os.environ.get("BENCH_STORM_HOT_RATE"):
        settings["hot_rate"] = int(os.environ["BENCH_STORM_HOT_RATE"])
    return settings


def run(quick: bool, workdir) -> dict:
    settings = _settings(quick)
    baseline = run_baseline(settings, workdir)
    apps = [run_app(kind, settings, workdir) for kind in ("sqlite", "postgresql")]
    return {"settings": settings, "baseline": baseline, "app": apps}
