"""Profile the app under the order storm with pyinstrument: `python -m bench.profile [--quick]` → bench/results/profile-storm.txt/.html."""
from __future__ import annotations

import argparse
import subprocess
import sys

from . import common, loadgen, storm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", default="postgresql", choices=["sqlite", "postgresql"])
    parser.add_argument("--rate", type=float, default=15)
    parser.add_argument("--seconds", type=float, default=6)
    parser.add_argument("--buyers", type=int, default=60)
    args = parser.parse_args()
    common.pin_load_generator()
    out = common.ROOT / "bench" / "results" / "profile-storm.txt"
    workdir = common.workdir()
    with common.database(args.database, workdir) as url:
        env = {**common.app_env(url, workdir), "BENCH_PROFILE_OUT": str(out)}
        seed = common.migrate_and_seed(env, "--buyers", str(args.buyers), "--codes", "20")
        server = common.Server("wsgi:app", env, workdir / "profiled.log")
        server.proc.kill()
        server.proc.wait()
        server_core, _ = common.cores()
        server.proc = subprocess.Popen(
            (["taskset", "-c", server_core] if server_core else []) + [
                sys.executable, "-m", "gunicorn", "-c", str(common.ROOT / "bench" / "profile_conf.py"),
                "-b", f"127.0.0.1:{server.port}", "wsgi:app"], cwd=common.ROOT, env=env,
            stdout=server.log.open("wb"), stderr=subprocess.STDOUT)
        try:
            server.wait_ready()
            result = loadgen.run_storm([server.url], seed["live_id"], seed["buyers"],
                                       [f"chốt {c}" for c in seed["codes"]], args.rate, args.seconds, 2)
        finally:
            server.stop()
        print(result["outcomes"], loadgen.summary(result["latencies"]))
        print(storm.check_invariants(url, seed["live_id"], result["reserved"]))
    print(f"profile: {out} and {out.with_suffix('.html')}")


if __name__ == "__main__":
    main()
