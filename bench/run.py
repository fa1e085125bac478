"""Run the benchmarks (`python -m bench.run [--quick] [--only storm,fanout,...]`), save JSON, regenerate docs/benchmarks.md."""
from __future__ import annotations

import argparse
import json
import logging
import shutil
import time
import traceback
from datetime import UTC, datetime

from . import capacity, catalog, cluster, common, fanout, mixed, report, search, storm

SCENARIOS = {"storm": storm, "fanout": fanout, "catalog": catalog, "mixed": mixed, "capacity": capacity,
             "search": search, "cluster": cluster}
RESULTS = common.ROOT / "bench" / "results"


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="the short version (under two minutes)")
    parser.add_argument("--only", default="", help="comma-separated scenarios: " + ",".join(SCENARIOS))
    parser.add_argument("--no-docs", action="store_true", help="do not rewrite docs/benchmarks.md")
    parser.add_argument("--out", default=None, help="write the JSON here instead of bench/results/")
    args = parser.parse_args(argv)
    logging.getLogger("engineio.client").setLevel(logging.CRITICAL)  # "packet queue is empty" on every disconnect
    logging.getLogger("socketio.client").setLevel(logging.CRITICAL)
    if not shutil.which("wrk"):
        print(catalog.WRK_HINT, flush=True)
    common.pin_load_generator()  # this process drives load too; the servers get the other core
    chosen = [name for name in (args.only.split(",") if args.only else SCENARIOS) if name]
    unknown = set(chosen) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    mode = "quick" if args.quick else "full"
    started = time.monotonic()
    result = {"mode": mode, "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
              "machine": report.machine(), "command": "make bench-quick" if args.quick else "make bench",
              "scenarios": {}}
    workdir = common.workdir()
    try:
        for name in chosen:
            print(f"[{time.monotonic() - started:6.1f}s] {name} ...", flush=True)
            began = time.monotonic()
            try:
                module = SCENARIOS[name]
                extra = {"earlier": result["scenarios"]} if getattr(module, "USES_EARLIER", False) else {}
                result["scenarios"][name] = module.run(args.quick, workdir, **extra)
            except Exception as exc:  # one scenario failing must not hide the others' figures
                traceback.print_exc()
                result["scenarios"][name] = {"error": f"{type(exc).__name__}: {exc}"}
            result["scenarios"][name]["wall_s"] = round(time.monotonic() - began, 1)
    finally:
        common.drop_templates()
        shutil.rmtree(workdir, ignore_errors=True)
    result["wall_s"] = round(time.monotonic() - started, 1)
    result["summary"] = report.summary(result)
    out = RESULTS / f"{mode}-latest.json" if args.out is None else common.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False))
    if args.out is None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        (RESULTS / f"{mode}-{stamp}.json").write_text(json.dumps(result, indent=1, ensure_ascii=False))
    if not args.no_docs and not args.only:
        report.write_docs(result)
    print(report.table(result), flush=True)
    print(f"done in {result['wall_s']} s; JSON in {out}", flush=True)
    return result


if __name__ == "__main__":
    main()
