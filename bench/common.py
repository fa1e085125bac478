"""Shared bench machinery: gunicorn servers pinned to a core, fresh databases, seeding, CPU and memory readings."""
from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from tests.support.net import free_port

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get("BENCH_POSTGRES_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL = os.environ.get("BENCH_REDIS_URL") or "redis://127.0.0.1:6379/12"
CLK_TCK = os.sysconf("SC_CLK_TCK")
WORKER_CONNECTIONS = 25000


def _split_cores() -> tuple[str | None, int | None]:
    mine = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if len(mine) >= 2 and shutil.which("taskset"):
        return str(mine[0]), mine[1]
    return None, None


_CORES = _split_cores()  # read once, at import: pinning this process to the load core must not change the answer


def cores() -> tuple[str | None, int | None]:
    """(server core, load core): the server on core 0 and the load on core 1 when two cores are ours."""
    return _CORES


def pin_load_generator() -> None:
    """Called in every load-generating process: keep off the server's core."""
    _, load = cores()
    if load is not None:
        os.sched_setaffinity(0, {load})


def raise_nofile() -> int:
    """The soft open-files limit raised to the hard one (thousands of sockets per process); returns it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    return soft


def nofile_hard() -> int | None:
    """The hard open-files limit every process here (the servers too) inherits; None if unlimited."""
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    return None if hard == resource.RLIM_INFINITY else hard


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)


# Processes ------------------------------------------------------------------------------------------

def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(entry))
    return out


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Server:
    """One gunicorn process with one gevent worker, pinned to the server core."""

    def __init__(self, target: str, env: dict, log: Path, *, use_app_config: bool = True):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        server_core, _ = cores()
        cmd = ["taskset", "-c", server_core] if server_core is not None else []
        cmd += [sys.executable, "-m", "gunicorn"]
        if use_app_config:
            cmd += ["-c", str(ROOT / "gunicorn.conf.py")]
        # A short graceful timeout: wrk's keep-alive connections otherwise hold every stop for seconds.
        # gevent's pool holds one greenlet per connection: above the capacity ramp's 20,000 idle viewers, so that its
        # pings (and the fan-out's sender) still get one at the top step.
        cmd += ["-k", "gevent", "-w", "1", "-b", f"127.0.0.1:{self.port}", "--worker-connections", str(WORKER_CONNECTIONS),
                "--graceful-timeout", "1", "--log-level", "warning", target]
        self.log = log
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                                     preexec_fn=raise_nofile)  # the capacity ramp holds ~20,000 sockets
        self.worker = None

    def wait_ready(self, path: str = "/healthz", timeout: float = 90) -> Server:
        import requests

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log.read_text()[-3000:]}")
            try:
                if requests.get(self.url + path, timeout=2).status_code == 200:
                    kids = _children(self.proc.pid)
                    self.worker = kids[0] if kids else self.proc.pid
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)  # polling a starting server
        raise RuntimeError(f"{self.url} not ready: {self.log.read_text()[-3000:]}")

    def cpu(self) -> float:
        return cpu_seconds(self.worker)

    def rss_kb(self) -> int:
        return rss_kb(self.worker)

    def stop(self) -> None:
        # Quick shutdown (SIGINT): its figures are taken; open connections need not finish. The worker still runs
        # its exit hooks (bench.profile's profiler writes its session there).
        self.signal_stop()
        self.wait_stopped()

    def signal_stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)

    def wait_stopped(self) -> None:
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


@contextmanager
def servers(target: str, env: dict, workdir: Path, count: int = 1, *, use_app_config: bool = True,
            ready_path: str = "/healthz"):
    started = []
    try:
        for n in range(count):
            started.append(Server(target, env, workdir / f"gunicorn-{n}-{uuid.uuid4().hex[:6]}.log",
                                  use_app_config=use_app_config))
        for server in started:
            server.wait_ready(ready_path)
        yield started
    finally:
        for server in started:  # all at once, then wait for each
            server.signal_stop()
        for server in started:
            server.wait_stopped()


# Databases -------------------------------------------------------------------------------------------

_TEMPLATES: dict[str, str] = {}  # kind → a database migrated once per invocation, copied for every scenario


def _upgrade(url: str, workdir: Path) -> None:
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT,
                   env=app_env(url, workdir), check=True, capture_output=True, timeout=300)


def _template(kind: str, workdir: Path) -> str:
    if kind not in _TEMPLATES:
        if kind == "sqlite":
            path = workdir / "template.db"
            _upgrade(f"sqlite:///{path}", workdir)
            _TEMPLATES[kind] = str(path)
        else:
            import psycopg

            name = f"cholive_bench_tmpl_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            _TEMPLATES[kind] = name
            _upgrade(PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", workdir)
    return _TEMPLATES[kind]


def drop_templates() -> None:
    name = _TEMPLATES.pop("postgresql", None)
    _TEMPLATES.pop("sqlite", None)
    if name:
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def database(kind: str, workdir: Path):
    """A fresh, migrated database URL (a copy of this invocation's migrated template), dropped afterwards."""
    template = _template(kind, workdir)
    if kind == "sqlite":
        path = workdir / f"bench-{uuid.uuid4().hex[:6]}.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    import psycopg

    name = f"cholive_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def app_env(database_url: str, workdir: Path, *, redis: bool = False) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "bench-not-secret",
           "INSTANCE_DIR": str(workdir), "JOBS_ENABLED": "false", "SOCKETIO_ASYNC_MODE": "gevent",
           "APP_ENV": "development", "PYTHONPATH": str(ROOT), "GUNICORN_LOG_LEVEL": "warning"}
    env.pop("FLASK_APP", None)
    env.pop("REDIS_URL", None)
    if redis:
        env.update(REDIS_URL=REDIS_URL, SOCKETIO_CHANNEL=f"cholive-bench-{uuid.uuid4().hex[:8]}")
    return env


class Seeding:
    """bench.seed on the (already migrated) database in env, in the background: start it, start the servers (they
    boot on the server core while it seeds on the load core), then take its result before any load."""

    def __init__(self, env: dict, *args: str):
        self.proc = subprocess.Popen([sys.executable, "-m", "bench.seed", *args], cwd=ROOT, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def result(self) -> dict:
        out, err = self.proc.communicate(timeout=600)
        if self.proc.returncode:
            raise RuntimeError(f"bench.seed failed: {err[-2000:]}")
        return json.loads(out.strip().splitlines()[-1])


def migrate_and_seed(env: dict, *args: str) -> dict:
    """bench.seed with the given arguments, waited for; returns what it printed."""
    return Seeding(env, *args).result()


def flush_redis() -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()


def workdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="cholive-bench-"))
