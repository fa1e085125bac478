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
