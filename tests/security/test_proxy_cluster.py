"""Through the cluster's nginx (deploy/cluster.py, as `make cluster`): two clients get separate sign-in limits.

Before TRUSTED_PROXIES every request behind nginx came from 127.0.0.1, so 20 bad sign-ins from anyone locked
everyone out. The two clients here really are two addresses: 127.0.0.2 and 127.0.0.3 (loopback), so nginx sees
them apart and writes them into X-Forwarded-For exactly as it does on a server.
"""
from __future__ import annotations

import os
import re
import shutil
import uuid

import pytest
import requests
from requests.adapters import HTTPAdapter

from deploy.cluster import NGINX, Cluster
from tests.conftest import _drop_postgres_database
from tests.support.skips import skip_or_fail

LIMIT = 3
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf-token" content="([^"]+)"')


class FromAddress(HTTPAdapter):
    """Connections that leave from one local address (a second 'machine' on loopback)."""

    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def _browser(address: str) -> requests.Session:
    session = requests.Session()
    session.mount("http://", FromAddress(address))
    return session


@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql")):
        pytest.skip("PostgreSQL only: the cluster runs in the PostgreSQL pass (DATABASE_URL), like test_cluster.py")
    for tool in (NGINX, shutil.which("redis-server") or "redis-server"):
        if not os.access(tool, os.X_OK):
            skip_or_fail(f"the cluster needs {tool}")
    name = f"cholive_proxy_{uuid.uuid4().hex[:8]}"
    cluster = Cluster(tmp_path_factory.mktemp("proxy-cluster"), apps=1, database_url=base, env={
        "JOBS_ENABLED": "false", "LOGIN_LIMIT_PER_IP": f"{LIMIT} per minute",
        "LOGIN_LIMIT_PER_ACCOUNT": "50 per minute", "GUNICORN_LOG_LEVEL": "warning",
        "RATELIMIT_KEY_PREFIX": f"proxy-test-{uuid.uuid4().hex[:8]}"})
    try:
        cluster.start(database_name=name, fresh_database=True)
        yield cluster
    finally:
        cluster.stop()
        _drop_postgres_database(base, name)


def _bad_sign_in(browser: requests.Session, url: str, n: int, spoof: str | None = None) -> requests.Response:
    page = browser.get(f"{url}/login", timeout=20)
    match = CSRF.search(page.text)
    assert match, page.text[:500]
    headers = {"X-Forwarded-For": spoof} if spoof else {}
    return browser.post(f"{url}/login", data={"csrf_token": match.group(1) or match.group(2),
                                              "login": f"09129000{n:02d}", "password": "sai-mat-khau"},
                        headers=headers, timeout=20, allow_redirects=False)


def test_two_clients_behind_nginx_have_their_own_sign_in_limit(proxied):
    url = proxied.url
    first, second = _browser("127.0.0.2"), _browser("127.0.0.3")
    answers = [_bad_sign_in(first, url, n, spoof=f"198.51.100.{n}") for n in range(LIMIT + 1)]
    other = _bad_sign_in(second, url, 20)
    # The first client is limited although it claimed a new X-Forwarded-For each time; the second client, through
    # the same nginx, still has its whole allowance.
    assert [a.status_code for a in answers] + [other.status_code] == [200] * LIMIT + [429, 200]
    assert answers[0].headers["X-RateLimit-Limit"] == str(LIMIT)
    assert [a.headers["X-RateLimit-Remaining"] for a in answers[:LIMIT]] == [str(LIMIT - 1 - n) for n in range(LIMIT)]
    assert other.headers["X-RateLimit-Remaining"] == str(LIMIT - 1)
