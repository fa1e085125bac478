"""Profile the app under the order storm: `python -m bench.profile` (pyinstrument, wall time per greenlet) →
bench/results/profile-storm.txt/.html, or `--cpu` (yappi, CPU time per function, the buyers' joins included) →
bench/results/profile-storm-cpu.txt."""
from __future__ import annotations

import argparse
import subprocess
import sys

from . import common, loadgen, storm


def profiled_server(env: dict, conf: str, out, log) -> common.Server:
    """The app under gunicorn with bench/<conf> (a profiler in its worker, writing to `out`), on the server core."""
    server = common.Server("wsgi:app", env, log)
    server.proc.kill()  # started with the app's own settings: replaced by the profiled one on the same port
    server.proc.wait()
    server_core, _ = common.cores()
    server.proc = subprocess.Popen(
        (["taskset", "-c", server_core] if server_core else []) + [
            sys.executable, "-m", "gunicorn", "-c", str(common.ROOT / "bench" / conf),
            "-b", f"127.0.0.1:{server.port}", "wsgi:app"], cwd=common.ROOT,
        env={**env, "BENCH_PROFILE_OUT": str(out)}, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", default="postgresql", choices=["sqlite", "postgresql"])
    parser.add_argument("--rate", type=float, default=15)
    parser.add_argument("--seconds", type=float, default=6)
    parser.add_argument("--buyers", type=int, default=60)
    parser.add_argument("--redis", action="store_true", help="with the Redis message queue on, as in a cluster")
    parser.add_argument("--processes", type=int, default=1,
                        help="app processes sharing Redis and the database (more than one implies --redis)")
    parser.add_argument("--cpu", action="store_true",
                        help="yappi's CPU clock instead of pyinstrument (joins included); try --rate 60 --buyers 400")
    args = parser.parse_args()
    if args.cpu:
        return cpu_profile(args)
    common.pin_load_generator()
    redis = args.redis or args.processes > 1
    name = "profile-storm" + ("-redis" if redis and args.processes == 1 else "") + \
        (f"-{args.processes}p" if args.processes > 1 else "")
    outs = [common.ROOT / "bench" / "results" / (f"{name}-{n}.txt" if args.processes > 1 else f"{name}.txt")
            for n in range(args.processes)]
    workdir = common.workdir()
    with common.database(args.database, workdir) as url:
        if redis:
            common.flush_redis()
        env = common.app_env(url, workdir, redis=redis)
        seed = common.migrate_and_seed(env, "--buyers", str(args.buyers), "--codes", "20")
        started = []
        try:
            for n, out in enumerate(outs):
                # Every process on the server core, as in bench.cluster; each worker writes its own profile.
                started.append(profiled_server(env, "profile_conf.py", out, workdir / f"profiled-{n}.log"))
            for server in started:
                server.wait_ready()
            cpu_before = [s.cpu() for s in started]
            result = loadgen.run_storm([s.url for s in started], seed["live_id"], seed["buyers"],
                                       [f"chốt {c}" for c in seed["codes"]], args.rate, args.seconds, 2)
            cpu = [round(s.cpu() - b, 2) for s, b in zip(started, cpu_before, strict=False)]
        finally:
            for server in started:
                server.stop()
        print(result["outcomes"], loadgen.summary(result["latencies"]), "worker CPU-s:", cpu)
        print(storm.check_invariants(url, seed["live_id"], result["reserved"]))
    for out in outs:
        out.write_text(by_function(out.with_suffix(".pyisession")))
        print(f"profile: {out} and {out.with_suffix('.html')}")


def cpu_profile(args) -> None:
    """One worker under bench/profile_cpu_conf.py (yappi), its stats written when the storm is over (SIGUSR2): the
    buyers' joins and leaves are in it (on_connect, the handshakes), beside the comments, acks, broadcasts and frames.
    Keep the rate under what the profiled worker carries (yappi costs it 2-4 times the CPU): 60/s by default."""
    import os
    import pstats
    import signal
    import time

    common.pin_load_generator()
    out = common.ROOT / "bench" / "results" / f"profile-storm-cpu-{args.database}.txt"
    stats = out.with_suffix(".pstat")
    workdir = common.workdir()
    with common.database(args.database, workdir) as url:
        env = common.app_env(url, workdir)
        seed = common.migrate_and_seed(env, "--buyers", str(args.buyers), "--codes", "40")
        server = profiled_server(env, "profile_cpu_conf.py", out, workdir / "profiled.log")
        server.wait_ready()

        def written() -> None:  # the worker writes the stats from a signal handler: wait for the file
            deadline = time.monotonic() + 120
            while not stats.exists() and time.monotonic() < deadline:
                time.sleep(0.1)

        stats.unlink(missing_ok=True)
        cpu = {"start": server.cpu()}
        try:
            result = loadgen.run_storm([server.url], seed["live_id"], seed["buyers"],
                                       [f"chốt {c}" for c in seed["codes"]], args.rate, args.seconds, 2)
            used = server.cpu() - cpu["start"]
            os.kill(server.worker, signal.SIGUSR2)
            written()
        finally:
            server.stop()
        ok = result["outcomes"].get("ok", 0)
        head = (f"{result['outcomes']} {loadgen.summary(result['latencies'])}; worker CPU {used:.2f} s "
                f"(with the buyers' joins and leaves) = {1000 * used / max(ok, 1):.2f} ms per accepted order, profiler "
                f"included")
        print(head)
        print(storm.check_invariants(url, seed["live_id"], result["reserved"]))
    import io

    text = io.StringIO()
    report = pstats.Stats(str(stats), stream=text)
    report.sort_stats("tottime").print_stats(40)
    report.sort_stats("cumulative").print_stats(r"app/|socketio|engineio|simple_websocket|wsproto", 60)
    out.write_text(head + "\n" + text.getvalue())
    print(f"profile: {out}")


def by_function(session_path, top: int = 45) -> str:
    """Inclusive time per function summed over every greenlet (a function counted once per stack it is on)."""
    from pyinstrument.session import Session

    session = Session.load(str(session_path))
    totals: dict[str, float] = {}
    own: dict[str, float] = {}

    def walk(frame, on_stack: frozenset):
        key = f"{frame.function}  {frame.file_path_short}:{frame.line_no}"
        if key not in on_stack:
            totals[key] = totals.get(key, 0.0) + frame.time
        own[key] = own.get(key, 0.0) + frame.total_self_time
        for child in frame.children:
            walk(child, on_stack | {key})

    root = session.root_frame()
    walk(root, frozenset())
    wall = root.time
    lines = [f"pyinstrument session: {session.duration:.1f} s recorded, {session.cpu_time:.1f} s CPU, "
             f"{session.sample_count} samples; time summed over greenlets", "", "== inclusive time per function =="]
    lines += [f"{t:8.2f} s {100 * t / wall:5.1f} %  {k}" for k, t in sorted(totals.items(), key=lambda kv: -kv[1])[:top]]
    lines += ["", "== self time per function =="]
    lines += [f"{t:8.2f} s {100 * t / wall:5.1f} %  {k}" for k, t in sorted(own.items(), key=lambda kv: -kv[1])[:top]]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
