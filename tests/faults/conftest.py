"""The drill cluster: a private PostgreSQL and Redis, two gunicorn processes and nginx, seeded once per run."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from deploy.cluster import NGINX, PG_BIN, Cluster
from tests.support.skips import skip_or_fail

ROOT = Path(__file__).resolve().parents[2]
RESULTS = Path(__file__).resolve().parent / "results"
BUYERS = 24
STRIPE_SECRET = "whsec_drill"
BANK_KEY = "bank-key-drill"


def record(drill: str, figures: dict) -> None:
    """Write a drill's figures to tests/faults/results/<drill>.json (gitignored; copied into docs/reliability.md)."""
    RESULTS.mkdir(exist_ok=True)
    from .storm import HANDSHAKE_RETRIES

    figures = {"drill": drill, "finished_at": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), **figures,
               "client_handshakes_retried_so_far": len(HANDSHAKE_RETRIES)}
    (RESULTS / f"{drill}.json").write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    print(f"\n{drill}: {json.dumps(figures, ensure_ascii=False)}")


@pytest.fixture(scope="session")
def stripe_api():
    from tests.shop.stripe_double import StripeDouble

    with StripeDouble() as double:
        yield double


@pytest.fixture(scope="session")
def drill_cluster(stripe_api):
    """Started once for all drills; each drill leaves it whole again (a killed process restarted, Redis back...)."""
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql")):
        pytest.skip("PostgreSQL only: the drills run in the PostgreSQL pass (DATABASE_URL)")
    for tool in (NGINX, shutil.which("redis-server") or "redis-server", str(PG_BIN / "initdb")):
        if not os.access(tool, os.X_OK):
            skip_or_fail(f"the fault drills need {tool} (nginx, redis-server, postgresql-15)")
    seed: dict = {}

    def seed_drills(cluster: Cluster) -> None:
        done = subprocess.run([sys.executable, "-m", "tests.faults.seed", str(BUYERS)], cwd=ROOT,
                              env={**cluster.env(), "APP_ENV": "testing"}, capture_output=True, text=True, timeout=300)
        if done.returncode:
            raise RuntimeError(f"seed failed:\n{done.stderr[-3000:]}")
        seed.update(json.loads(done.stdout.strip().splitlines()[-1]))

    cluster = Cluster(tempfile.mkdtemp(prefix="cholive-drill-"), own_postgres=True, env={
        "JOBS_ENABLED": "false", "STRIPE_SECRET_KEY": "sk_test_drill", "STRIPE_API_BASE": stripe_api.url,
        "STRIPE_WEBHOOK_SECRET": STRIPE_SECRET, "BANK_WEBHOOK_API_KEY": BANK_KEY, "GUNICORN_LOG_LEVEL": "warning",
        # A drill buyer orders every 0.3 s for minutes: far past a real buyer's checkout rate and unit cap.
        "CHECKOUT_LIMIT": "100000 per minute", "MAX_UNITS_PER_BUYER": "0"},
        gunicorn_args=["--graceful-timeout", "3"])  # a drill's teardown need not wait for long-polls to finish
    cluster.start(seed=seed_drills, database_name="cholive_drill")
    cluster.seed = seed
    try:
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(cluster.state_dir, ignore_errors=True)


def pg(cluster: Cluster, sql: str, *params):
    """Rows from the drill database, read directly (never through the app under test)."""
    import psycopg

    with psycopg.connect(cluster.database_url) as conn:
        return conn.execute(sql, params).fetchall()


def upstream_of_loopback(cluster: Cluster) -> str:
    """The app process nginx's ip_hash sends 127.0.0.1 to (every simulated client comes from there)."""
    import requests

    served = requests.get(cluster.url + "/healthz", timeout=5).headers["X-Upstream"]
    return next(name for name in cluster.app_names() if served.endswith(f":{cluster.ports[name]}"))
