#!/usr/bin/env python3
"""A loopback Chợ Live cluster: nginx in front of app processes sharing PostgreSQL, Redis and (optionally) S3.

`make cluster` / `make cluster-stop` use the command line; tests/faults use the Cluster class and break its
parts on purpose. Every process started is recorded in <state dir>/cluster.json with its pid and command, and
only those pids are ever signalled. The machine's own nginx, Redis and PostgreSQL are never touched: Redis and
nginx run as children on free ports, PostgreSQL is either a database created on a server given by URL or a
private throw-away cluster (initdb) that the drills may stop and start.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "deploy"), str(ROOT)]
from nginx_site import render_site  # noqa: E402  (deploy/nginx_site.py, stdlib only)

from tests.support.net import free_port  # noqa: E402  (stdlib only, as this script runs under the system Python)

NGINX = os.environ.get("NGINX") or "/usr/sbin/nginx"
PG_BIN = Path(os.environ.get("PG_BIN") or "/usr/lib/postgresql/15/bin")
PYTHON = sys.executable


def wait_for(check: Callable[[], bool], timeout: float, what: str, interval: float = 0.1) -> float:
    """Poll check() until true; returns the seconds it took, raises TimeoutError after timeout."""
    start = time.monotonic()
    while True:
        try:
            if check():
                return time.monotonic() - start
        except Exception:  # a check that raises is a check that is not true yet
            pass
        if time.monotonic() - start > timeout:
            raise TimeoutError(f"{what}: not within {timeout:.0f} s")
        time.sleep(interval)  # polling a condition with a deadline


def http_status(url: str, timeout: float = 2) -> int | None:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # loopback URLs only
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie child counts as gone
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


class Cluster:
    """The processes of one loopback cluster, started and stopped by name."""

    def __init__(self, state_dir: str | os.PathLike, *, apps: int = 2, database_url: str | None = None,
                 own_postgres: bool = False, s3: bool = False, env: dict[str, str] | None = None,
                 app_env: str = "development", gunicorn_args: list[str] | None = None):
        self.state_dir = Path(state_dir).resolve()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.apps = apps
        self.database_url = database_url
        self.own_postgres = own_postgres
        self.s3 = s3
        self.extra_env = env or {}
        self.app_env = app_env
        self.gunicorn_args = gunicorn_args or []
        self.procs: dict[str, subprocess.Popen] = {}
        self.ports: dict[str, int] = {}
        self.pg_dir: Path | None = None
        self.state: dict = {"processes": {}, "ports": {}}

    # --- bookkeeping --------------------------------------------------------------------------------
    def _save(self) -> None:
        self.state["ports"] = self.ports
        self.state["pg_dir"] = str(self.pg_dir) if self.pg_dir else None
        self.state["database_url"] = self.database_url
        (self.state_dir / "cluster.json").write_text(json.dumps(self.state, indent=2))

    def _spawn(self, name: str, cmd: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
        log = (self.state_dir / f"{name}.log").open("ab")
        # Its own session: Ctrl-C in the terminal that ran `make cluster` does not reach it; cluster-stop does.
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        self.procs[name] = proc
        self.state["processes"][name] = {"pid": proc.pid, "cmd": " ".join(cmd)}
        (self.state_dir / f"{name}.pid").write_text(f"{proc.pid}\n")
        self._save()
        return proc

    def log(self, name: str) -> str:
        path = self.state_dir / f"{name}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def signal(self, name: str, sig: int = signal.SIGTERM) -> None:
        pid = self.state["processes"][name]["pid"]
        if _alive(pid):
            os.kill(pid, sig)

    def wait_gone(self, name: str, timeout: float = 20) -> None:
        proc = self.procs.get(name)
        if proc is not None:
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        else:
            pid = self.state["processes"][name]["pid"]
            try:
                wait_for(lambda: not _alive(pid), timeout, f"{name} ({pid}) to end")
            except TimeoutError:
                os.kill(pid, signal.SIGKILL)

    # --- Redis --------------------------------------------------------------------------------------
    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.ports['redis']}/0"

    def start_redis(self) -> None:
        self.ports.setdefault("redis", free_port())
        proc = self._spawn("redis", ["redis-server", "--port", str(self.ports["redis"]), "--bind", "127.0.0.1",
                                     "--save", "", "--appendonly", "no", "--dir", str(self.state_dir)])
        wait_for(lambda: self._redis_ping(), 20, "redis-server to answer")
        if proc.poll() is not None:
            raise RuntimeError(f"redis-server exited:\n{self.log('redis')}")

    def _redis_ping(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.ports["redis"]), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")

    def stop_redis(self) -> None:
        self.signal("redis", signal.SIGTERM)
        self.wait_gone("redis")

    # --- PostgreSQL ---------------------------------------------------------------------------------
    def _pg(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [str(PG_BIN / args[0]), *args[1:]]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True, timeout=120)

    def init_postgres(self) -> None:
        """A private PostgreSQL cluster in a temporary folder, for drills that stop and start the server."""
        self.pg_dir = Path(tempfile.mkdtemp(prefix="cholive-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.pg_dir, "postgres", "postgres")
        self.ports.setdefault("postgres", free_port())
        self._pg("initdb", "-D", str(self.pg_dir / "data"), "-A", "trust", "-U", "postgres", "--no-sync",
                 "-E", "UTF8", "--locale", "C.UTF-8")
        self.start_postgres()
        self.database_url = f"postgresql://postgres@127.0.0.1:{self.ports['postgres']}/postgres"
        self._save()

    def start_postgres(self) -> None:
        options = (f"-p {self.ports['postgres']} -k {self.pg_dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100")
        self._pg("pg_ctl", "-D", str(self.pg_dir / "data"), "-o", options, "-l", str(self.pg_dir / "postgres.log"),
                 "-w", "-t", "60", "start")

    def stop_postgres(self) -> None:
        self._pg("pg_ctl", "-D", str(self.pg_dir / "data"), "-m", "fast", "-w", "-t", "60", "stop")

    def create_database(self, name: str, fresh: bool = False) -> str:
        """CREATE DATABASE name on the server of database_url (dropped first when fresh); returns its URL."""
        import psycopg
        from sqlalchemy.engine import make_url

        base = make_url(self.database_url.replace("postgresql+psycopg://", "postgresql://", 1))
        with psycopg.connect(base.set(database="postgres").render_as_string(hide_password=False),
                             autocommit=True) as conn:
            if fresh:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
                conn.execute(f'CREATE DATABASE "{name}"')
        self.database_url = base.set(database=name).render_as_string(hide_password=False)
        self._save()
        return self.database_url

    # --- S3 (moto) ----------------------------------------------------------------------------------
    def start_s3(self, bucket: str = "cholive-cluster") -> None:
        self.ports.setdefault("s3", free_port())
        self._spawn("s3", [PYTHON, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.ports["s3"])])
        wait_for(lambda: http_status(f"http://127.0.0.1:{self.ports['s3']}/") is not None, 60, "moto S3 to answer")
        import boto3

        client = boto3.client("s3", region_name="ap-southeast-1", endpoint_url=f"http://127.0.0.1:{self.ports['s3']}",
                              aws_access_key_id="cluster", aws_secret_access_key="cluster")
        client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "ap-southeast-1"})
        self.state["bucket"] = bucket

    # --- the app --------------------------------------------------------------------------------------
    def env(self) -> dict[str, str]:
        env = {**os.environ, "DATABASE_URL": self.database_url, "APP_ENV": self.app_env,
               "INSTANCE_DIR": str(self.state_dir / "instance"), "SOCKETIO_ASYNC_MODE": "gevent",
               "PYTHONPATH": str(ROOT), "FORWARDED_ALLOW_IPS": "127.0.0.1", "TRUSTED_PROXIES": "1",
               "VIDEO_DIR": str(self.state_dir / "video")}
        env.setdefault("SECRET_KEY", self.state.setdefault("secret_key", secrets.token_hex(32)))
        if "redis" in self.ports:
            env.update(REDIS_URL=self.redis_url, SOCKETIO_CHANNEL=f"cholive-{self.state_dir.name}")
        if "s3" in self.ports:
            env.update(STORAGE_BACKEND="s3", S3_BUCKET=self.state["bucket"], S3_REGION="ap-southeast-1",
                       S3_ENDPOINT_URL=f"http://127.0.0.1:{self.ports['s3']}",
                       AWS_ACCESS_KEY_ID="cluster", AWS_SECRET_ACCESS_KEY="cluster")
        env.pop("FLASK_APP", None)
        env.update(self.extra_env)
        return env

    def flask(self, *args: str, timeout: float = 300) -> str:
        done = subprocess.run([PYTHON, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=self.env(),
                              capture_output=True, text=True, timeout=timeout)
        if done.returncode:
            raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
        return done.stdout

    def app_names(self) -> list[str]:
        return [f"app{n}" for n in range(1, self.apps + 1)]

    def app_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports['nginx']}"

    def start_app(self, name: str, wait: bool = True) -> None:
        self.ports.setdefault(name, free_port())
        proc = self._spawn(name, [PYTHON, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
                                  "-b", f"127.0.0.1:{self.ports[name]}", "--name", f"cholive-{name}",
                                  *self.gunicorn_args, "wsgi:app"],
                           env=self.env())
        if wait:
            self.wait_app(name, proc)

    def wait_app(self, name: str, proc: subprocess.Popen | None = None) -> None:
        def healthy() -> bool:
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}:\n{self.log(name)}")
            return http_status(self.app_url(name) + "/healthz") == 200
        try:
            wait_for(healthy, 120, f"{name} to be healthy", interval=0.2)
        except RuntimeError:
            raise
        except TimeoutError as exc:
            raise RuntimeError(f"{exc}\n{self.log(name)}") from None

    # --- nginx ----------------------------------------------------------------------------------------
    def start_nginx(self) -> None:
        prefix = self.state_dir / "nginx"
        for folder in ("tmp", "logs"):
            (prefix / folder).mkdir(parents=True, exist_ok=True)
        hls = self.state_dir / "video" / "hls"
        hls.mkdir(parents=True, exist_ok=True)
        self.ports.setdefault("nginx", free_port())
        # Which process answered: the drills find the one nginx's ip_hash gives to 127.0.0.1.
        extra = "\n    add_header X-Upstream $upstream_addr always;\n"
        site = render_site(ports=[self.ports[n] for n in self.app_names()], server_name="127.0.0.1",
                           listen=f"127.0.0.1:{self.ports['nginx']}", hls_dir=hls, extra_locations=extra,
                           max_body_mb=int(self.env().get("MAX_UPLOAD_MB") or 8))
        # As root (CI), workers run as the same user (as deploy/nginx/render.py does): they write the temp folders.
        user = f"user {os.environ.get('NGINX_USER', 'root')};" if os.geteuid() == 0 else ""
        conf = f"""# Generated by deploy/cluster.py for a loopback cluster; the site part is deploy/nginx/site.conf.template.
{user}
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {prefix}/logs/access.log;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    sendfile on;
{site}
}}
"""
        (prefix / "nginx.conf").write_text(conf)
        test = subprocess.run([NGINX, "-t", "-p", str(prefix), "-c", str(prefix / "nginx.conf"),
                               "-e", str(prefix / "logs" / "error.log")], capture_output=True, text=True)
        if test.returncode:
            raise RuntimeError(f"nginx -t failed:\n{test.stderr}")
        proc = self._spawn("nginx", [NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf"),
                                     "-e", str(prefix / "logs" / "error.log"), "-g", "daemon off;"])
        wait_for(lambda: proc.poll() is None and http_status(self.url + "/healthz") == 200, 30, "nginx to answer")

    # --- all of it --------------------------------------------------------------------------------------
    def start(self, seed: Callable[[Cluster], None] | None = None, database_name: str | None = None,
              fresh_database: bool = False) -> None:
        """Redis, PostgreSQL (own or a database on a server), S3, migrations, seed, app processes, nginx."""
        try:
            self.start_redis()
            if self.own_postgres:
                self.init_postgres()
            if database_name:
                self.create_database(database_name, fresh=fresh_database)
            for name in self.app_names():
                self.ports.setdefault(name, free_port())
            self.ports.setdefault("nginx", free_port())
            if self.s3:
                self.start_s3()
            self._save()
            self.flask("db", "upgrade")
            if seed is not None:
                seed(self)
            for name in self.app_names():
                self.start_app(name, wait=False)
            for name in self.app_names():
                self.wait_app(name, self.procs[name])
            self.start_nginx()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> list[str]:
        """End exactly what this cluster started (pids from cluster.json whose command still matches)."""
        stopped = []
        processes = self.state.get("processes", {})
        for name in ["nginx", *sorted(n for n in processes if n.startswith("app")), "s3", "redis"]:
            info = processes.get(name)
            if not info or not _alive(info["pid"]):
                continue
            if info["cmd"].split()[0] not in _cmdline(info["pid"]) and name != "nginx":
                continue  # the pid was reused by something else: not ours any more
            os.kill(info["pid"], signal.SIGQUIT if name == "nginx" else signal.SIGTERM)
            stopped.append(name)
        for name in stopped:
            self.wait_gone(name)
            (self.state_dir / f"{name}.pid").unlink(missing_ok=True)
        if self.pg_dir is not None and (self.pg_dir / "data" / "postmaster.pid").exists():
            self._pg("pg_ctl", "-D", str(self.pg_dir / "data"), "-m", "immediate", "-w", "stop", check=False)
            stopped.append("postgres")
        if self.pg_dir is not None:
            shutil.rmtree(self.pg_dir, ignore_errors=True)
        return stopped

    @classmethod
    def load(cls, state_dir: str | os.PathLike) -> Cluster:
        cluster = cls(state_dir)
        path = cluster.state_dir / "cluster.json"
        if path.exists():
            cluster.state = json.loads(path.read_text())
            cluster.ports = cluster.state.get("ports", {})
            cluster.pg_dir = Path(cluster.state["pg_dir"]) if cluster.state.get("pg_dir") else None
            cluster.database_url = cluster.state.get("database_url")
        return cluster


def _seed_demo(cluster: Cluster) -> None:
    print(cluster.flask("seed-demo"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["start", "stop", "status"])
    parser.add_argument("--state-dir", default=str(ROOT / "instance" / "cluster"))
    parser.add_argument("--apps", type=int, default=int(os.environ.get("CLUSTER_APPS") or 2))
    parser.add_argument("--database-url", default=os.environ.get("CLUSTER_DATABASE_URL")
                        or "postgresql://postgres@127.0.0.1:5432/postgres",
                        help="a PostgreSQL server where the cluster's database is created")
    parser.add_argument("--database", default=os.environ.get("CLUSTER_DATABASE") or "cholive_cluster")
    args = parser.parse_args()
    if args.command == "stop":
        stopped = Cluster.load(args.state_dir).stop()
        print("stopped: " + (", ".join(stopped) or "nothing was running"))
        return
    if args.command == "status":
        cluster = Cluster.load(args.state_dir)
        for name, info in cluster.state.get("processes", {}).items():
            print(f"{name:6} pid {info['pid']:>7} {'running' if _alive(info['pid']) else 'stopped'}")
        return
    existing = Cluster.load(args.state_dir)
    if any(_alive(i["pid"]) for i in existing.state.get("processes", {}).values()):
        sys.exit(f"a cluster is already running (see {args.state_dir}/cluster.json); run `make cluster-stop` first")
    cluster = Cluster(args.state_dir, apps=args.apps, database_url=args.database_url, s3=True,
                      env={"JOBS_ENABLED": "true"})
    cluster.state["secret_key"] = existing.state.get("secret_key") or secrets.token_hex(32)
    # moto keeps its files in memory: the demo (rows and photos) is built afresh on every start.
    cluster.start(seed=_seed_demo, database_name=args.database, fresh_database=True)
    apps = ", ".join(f"{n} {cluster.app_url(n)}" for n in cluster.app_names())
    print(f"Chợ Live cluster: {cluster.url}/\n  nginx → {apps}\n  Redis {cluster.redis_url}, "
          f"PostgreSQL database {args.database}, S3 (moto) http://127.0.0.1:{cluster.ports['s3']}\n"
          f"  logs and pids in {cluster.state_dir}; stop with `make cluster-stop`")


if __name__ == "__main__":
    main()
