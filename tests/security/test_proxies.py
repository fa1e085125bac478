"""Rate limits behind a proxy: TRUSTED_PROXIES decides whose X-Forwarded-For counts; limited endpoints say so."""
from __future__ import annotations

from pathlib import Path

import pytest

from app import create_app
from app.config import Testing

ROOT = Path(__file__).resolve().parents[2]
NGINX_ADDR = "127.0.0.1"  # every request reaches the app from the proxy on this machine


@pytest.fixture
def app_behind(database_url, tmp_path):
    """An app on the test database with TRUSTED_PROXIES set as asked and a small sign-in limit per address."""

    def build(trusted: int):
        config = type("ProxyConfig", (Testing,), {
            "SQLALCHEMY_DATABASE_URI": database_url, "STORAGE_LOCAL_DIR": tmp_path, "REDIS_URL": None,
            "TRUSTED_PROXIES": trusted, "LOGIN_LIMIT_PER_IP": "3 per minute", "LOGIN_LIMIT_PER_ACCOUNT": "50 per minute",
        })
        built = create_app(config)
        return built

    yield build
    from app.extensions import limiter

    limiter.reset()


def _sign_in(client, forwarded_for: str | None, n: int):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.post("/login", data={"login": f"09120000{n:02d}", "password": "sai-mat-khau"}, headers=headers,
                       environ_base={"REMOTE_ADDR": NGINX_ADDR})


def test_behind_one_proxy_two_clients_get_separate_buckets(app, app_behind):
    client = app_behind(1).test_client()
    statuses_a = [_sign_in(client, "203.0.113.7", n).status_code for n in range(4)]
    assert statuses_a == [200, 200, 200, 429]  # client A is limited...
    assert _sign_in(client, "203.0.113.8", 10).status_code == 200  # ...client B, behind the same nginx, is not


def test_behind_one_proxy_a_client_cannot_escape_by_prepending_addresses(app, app_behind):
    # nginx appends the address it saw ($proxy_add_x_forwarded_for); only that last entry is trusted.
    client = app_behind(1).test_client()
    statuses = [_sign_in(client, f"198.51.100.{n}, 203.0.113.7", n).status_code for n in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_without_a_trusted_proxy_a_spoofed_header_is_ignored(app, app_behind):
    client = app_behind(0).test_client()
    statuses = [_sign_in(client, f"203.0.113.{n}", n).status_code for n in range(4)]
    assert statuses == [200, 200, 200, 429]  # every "client" is the one socket address it really came from


def test_the_default_is_no_trusted_proxy(monkeypatch):
    import importlib

    import app.config as config

    monkeypatch.delenv("TRUSTED_PROXIES", raising=False)
    assert importlib.reload(config).Config.TRUSTED_PROXIES == 0
    monkeypatch.setenv("TRUSTED_PROXIES", "1")
    assert importlib.reload(config).Config.TRUSTED_PROXIES == 1
    monkeypatch.delenv("TRUSTED_PROXIES")
    importlib.reload(config)


@pytest.mark.parametrize("method,path,kwargs", [
    ("post", "/login", {"data": {"login": "0912000001", "password": "x"}}),
    ("post", "/register", {"data": {"name": "A", "login": "0912000002", "password": "x"}}),
    ("post", "/api/v1/auth/token", {"json": {"login": "0912000003", "password": "x"}}),
    ("post", "/api/v1/auth/register", {"json": {"name": "A", "phone": "0912000004", "password": "matkhau-dai-123"}}),
])
def test_limited_endpoints_send_the_rate_limit_headers(client, method, path, kwargs):
    response = getattr(client, method)(path, **kwargs)
    assert int(response.headers["X-RateLimit-Limit"]) >= 1
    assert int(response.headers["X-RateLimit-Remaining"]) >= 0
    assert int(response.headers["X-RateLimit-Reset"]) > 0


def test_every_limit_is_keyed_on_the_request_address_or_an_account():
    """Nothing reads the client address from a header a client writes itself (X-Forwarded-For, X-Real-IP...)."""
    import re

    from app.extensions import limiter

    assert limiter._key_func.__name__ == "get_remote_address"  # request.remote_addr, after ProxyFix
    own_reading = re.compile(r"""access_route|HTTP_X_(FORWARDED|REAL)|headers(\.get\(|\[)\s*["']X-(Forwarded|Real)""")
    for path in (ROOT / "app").rglob("*.py"):
        assert not own_reading.search(path.read_text()), path
    limited = [line for path in (ROOT / "app").rglob("*.py") for line in path.read_text().splitlines()
               if "limiter.limit(" in line]
    assert limited and all("key_func" not in line or "login" in line.lower() for line in limited), limited


def test_deploy_files_trust_exactly_the_one_nginx(tmp_path):
    from deploy.cluster import Cluster
    from deploy.nginx_site import render_site

    env_example = (ROOT / "deploy/cholive.env.example").read_text()
    assert "\nTRUSTED_PROXIES=1\n" in env_example
    site = render_site(ports=[8001], server_name="cho.example.vn")
    for block in site.split("proxy_pass http://cholive_app;")[1:]:
        head = block.split("}")[0]
        assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in head
        assert "proxy_set_header X-Forwarded-Proto $scheme;" in head
        assert "proxy_set_header X-Forwarded-Host $host;" in head
    assert site.count("proxy_pass http://cholive_app;") == 3  # /socket.io/, the lesson form (its video), the rest
    cluster = Cluster(tmp_path, database_url="postgresql://x@127.0.0.1/x")
    assert cluster.env()["TRUSTED_PROXIES"] == "1"


def test_the_proxy_fix_wraps_every_other_middleware(app, app_behind):
    """The page cache's fast path and Socket.IO answer before Flask: they must see the client, not the proxy."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    built = app_behind(1)
    assert isinstance(built.wsgi_app, ProxyFix)
    assert not isinstance(app_behind(0).wsgi_app, ProxyFix)
