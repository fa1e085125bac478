"""Profile the uncached product page in process: `python -m bench.profile_product [--requests 500] [--cprofile]`.

The bench's data (bench.seed) on a fresh PostgreSQL database, the app as bench.catalog starts it with the page cache
off, an anonymous visitor without cookies (as wrk is) asking for the hot product's page in a loop; pyinstrument's
text report (or cProfile's, sorted by own time) goes to bench/results/profile-product.txt."""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import time

from . import common


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--database", default="postgresql", choices=["sqlite", "postgresql"])
    parser.add_argument("--cprofile", action="store_true", help="cProfile instead of pyinstrument")
    parser.add_argument("--plain", action="store_true", help="only the unprofiled CPU per request, no report")
    parser.add_argument("--revalidate", action="store_true",
                        help="the page cache on, a returning visitor's If-None-Match answered 304 from the cache")
    parser.add_argument("--cookie", action="store_true", help="a returning visitor (keeps its session cookie)")
    args = parser.parse_args()
    workdir = common.workdir()
    out = common.ROOT / "bench" / "results" / "profile-product.txt"
    with common.database(args.database, workdir) as url:
        env = common.app_env(url, workdir)
        seed = common.migrate_and_seed(env, "--buyers", "0", "--codes", "20")
        os.environ.update({**env, "PAGE_CACHE_TTL": "30" if args.revalidate else "0"})
        from app import create_app

        if os.environ.get("BENCH_NO_PING"):  # an experiment: the pool without its pre-ping
            from app.config import Config
            Config.SQLALCHEMY_ENGINE_OPTIONS = {}

        app = create_app()
        path = f"/shop/p/{seed['product']['id']}/{seed['product']['slug']}"
        client = app.test_client(use_cookies=args.cookie or args.revalidate)
        for _ in range(50):  # warm: compiled templates and statements
            assert client.get(path).status_code == 200
        if args.revalidate:
            etag = client.get(path).headers["ETag"]
            assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
            get = client.get
            client.get = lambda url: get(url, headers={"If-None-Match": etag})  # type: ignore[method-assign]
        started, cpu = time.perf_counter(), time.process_time()
        if args.plain:
            report, line = "", "plain run"
        elif args.cprofile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.requests):
                client.get(path)
            profiler.disable()
            profiler.dump_stats(str(out.with_suffix(".prof")))
            text = io.StringIO()
            pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(60)
            pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(80)
            report = text.getvalue()
        else:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            profiler.start()
            for _ in range(args.requests):
                client.get(path)
            profiler.stop()
            report = profiler.output_text(unicode=True, show_all=False)
        elapsed, used = time.perf_counter() - started, time.process_time() - cpu
        if not args.plain:
            line = f"{args.requests} requests: {elapsed / args.requests * 1000:.2f} ms wall, {used / args.requests * 1000:.2f} ms CPU each (profiled)"
        # The same loop without a profiler, for the plain cost: the best of five rounds (the machine is shared).
        rounds = []
        for _ in range(5):
            cpu = time.process_time()
            for _ in range(args.requests):
                client.get(path)
            rounds.append((time.process_time() - cpu) / args.requests * 1000)
        line += f"; unprofiled {min(rounds):.2f} ms CPU each (best of 5, median {sorted(rounds)[2]:.2f})"
        print(line, flush=True)
        if not args.plain:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(line + "\n\n" + report)
            print(f"report in {out}", flush=True)


if __name__ == "__main__":
    main()
