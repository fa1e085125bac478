"""Catalog under an order storm: product page and list p99 while buyers order by comment at half the storm's
maximum (the PostgreSQL one-core capacity measured by the storm scenario of the same invocation).

One app process, PostgreSQL, the production settings (page cache on): every accepted order moves stock, which ends
the cached pages showing that stock within PAGE_CACHE_SOFT_SECONDS (app/shop/caching.py), as during a real sale.
"""
from __future__ import annotations

import threading

from . import catalog, common, loadgen, storm

QUICK = {"buyers": 60, "codes": 20, "seconds": 1, "connections": 8, "fallback_rate": 10}
FULL = {"buyers": 200, "codes": 40, "seconds": 6, "connections": 16, "fallback_rate": 10}
USES_EARLIER = True  # bench.run passes the figures of the scenarios already run


def half_maximum(earlier: dict | None, fallback: float) -> tuple[float, str]:
    """Half the highest one-core capacity of the PostgreSQL spread storm in this invocation (else the fallback)."""
    capacities = [1000 / p["cpu_s_per_1000"] for a in ((earlier or {}).get("storm") or {}).get("app", [])
                  if a.get("database") == "postgresql" for p in a["phases"]
                  if p["phase"] == "spread" and p.get("cpu_s_per_1000")]
    if not capacities:
        return fallback, "fallback (storm not run)"
    return round(max(capacities) / 2, 1), "half the storm's PostgreSQL one-core capacity"


def run(quick: bool, workdir, earlier: dict | None = None) -> dict:
    settings = QUICK if quick else FULL
    rate, rate_source = half_maximum(earlier, settings["fallback_rate"])
    # Enough buyers that none comments more than once every 1.5 s at that rate (the app's 1 s gate).
    buyers = max(settings["buyers"], int(rate * 1.5) + 1)
    pages = {}
    with common.database("postgresql", workdir) as url:
        env = common.app_env(url, workdir)
        seeding = common.Seeding(env, "--buyers", str(buyers), "--codes", str(settings["codes"]))
        with common.servers("wsgi:app", env, workdir) as (server,):
            seed = seeding.result()
            product = server.url + f"/shop/p/{seed['product']['id']}/{seed['product']['slug']}"
            storming = threading.Event()
            outcome: dict = {}
            texts = [f"chốt {code}" for code in seed["codes"]]
            # Long enough to cover both pages' loads after the buyers have connected; open loop as in the storm.
            duration = 2 * settings["seconds"] + 2

            def order_storm():
                outcome.update(loadgen.run_storm([server.url], seed["live_id"], seed["buyers"], texts, rate, duration,
                                                 2, on_start=storming.set))

            thread = threading.Thread(target=order_storm, daemon=True)
            thread.start()
            if not storming.wait(timeout=300):
                raise RuntimeError("the order storm did not start")
            cpu_before = server.cpu()
            load_settings = {"seconds": settings["seconds"], "connections": settings["connections"]}
            pages["product"] = catalog.load(server, product, load_settings)
            pages["list"] = catalog.load(server, server.url + "/shop/", load_settings)
            thread.join(timeout=duration + 300)
            cpu = server.cpu() - cpu_before
        checks = storm.check_invariants(url, seed["live_id"], outcome.get("reserved", 0))
    ok = outcome.get("outcomes", {}).get("ok", 0)
    return {"settings": {**settings, "buyers": buyers}, "storm_rate": rate, "rate_source": rate_source, "pages": pages,
            "storm": {"sent": outcome.get("sent", 0), "outcomes": outcome.get("outcomes", {}),
                      "accepted_per_s": round(ok / max(outcome.get("elapsed", 1), 0.001), 1),
                      **loadgen.summary(outcome.get("latencies", []))},
            "server_cpu_s": round(cpu, 2), "checks": checks}
