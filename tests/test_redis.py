"""Two app processes sharing Redis: /healthz reports Redis, and login limits hold across processes."""
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from tests.conftest import reachable_redis_url
from tests.support.net import free_port

ROOT = Path(__file__).resolve().parent.parent


def _wait_until_up(base: str, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"app process exited early: {process.stdout.read() if process.stdout else ''}")
        try:
            requests.get(base + "/healthz", timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.1)  # readiness poll of a starting process, bounded by the deadline
    raise TimeoutError(f"{base} did not start")


@pytest.fixture
def two_processes(app, database_url, tmp_path):
    """Two real app processes on two ports, sharing the test database and Redis."""
    redis_url = reachable_redis_url()
    env = dict(os.environ, APP_ENV="development", DATABASE_URL=database_url, REDIS_URL=redis_url,
               RATELIMIT_STORAGE_URI=redis_url, RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex[:8]}",
               LOGIN_LIMIT_PER_ACCOUNT="3 per minute", SECRET_KEY="shared-secret", INSTANCE_DIR=str(tmp_path),
               FLASK_APP="wsgi")
    processes, bases = [], []
    try:
        for _ in range(2):
            port = free_port()
            proc = subprocess.Popen([sys.executable, "-m", "flask", "serve", "--port", str(port)], cwd=ROOT, env=env,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            processes.append(proc)
            bases.append(f"http://127.0.0.1:{port}")
        for base, proc in zip(bases, processes, strict=False):
            _wait_until_up(base, proc)
        yield bases
    finally:
        for proc in processes:
            proc.terminate()
        for proc in processes:
            proc.wait(timeout=10)


def _login(session: requests.Session, base: str, login: str, password: str) -> int:
    page = session.get(base + "/login", timeout=10).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = session.post(base + "/login", data={"csrf_token": token, "login": login, "password": password},
                            allow_redirects=False, timeout=10)
    return response.status_code


def test_healthz_reports_redis(two_processes):
    body = requests.get(two_processes[0] + "/healthz", timeout=5).json()
    assert body["checks"] == {"database": "ok", "redis": "ok"}


def test_login_brute_force_is_blocked_across_processes(two_processes, factory):
    user = factory.user()
    session = requests.Session()
    codes = [_login(session, two_processes[i % 2], user.phone, f"wrong-{i}") for i in range(4)]
    assert codes[:3] == [200, 200, 200]
    assert codes[3] == 429
