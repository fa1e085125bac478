"""Catalog pages under wrk: a hello-world Flask page (baseline) vs the product list, a product page, a search, a 304,
each through the whole pipeline (page cache off) and again from the page cache ("_cached")."""
from __future__ import annotations

import http.client
import re
import shutil
import subprocess
import threading
import time
from urllib.parse import urlsplit

import requests

from . import common

QUICK = {"seconds": 1, "connections": 16, "codes": 20}
FULL = {"seconds": 8, "connections": 32, "codes": 40}
WRK_HINT = "wrk not found: apt-get install -y wrk (falling back to a slower Python load generator)"
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def _wrk(url: str, seconds: int, connections: int, headers: dict) -> dict:
    _, load = common.cores()
    cmd = (["taskset", "-c", str(load)] if load is not None else []) + [
        "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for key, value in headers.items():
        cmd += ["-H", f"{key}: {value}"]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, timeout=seconds + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    pct = {p: float(v) * _UNITS[u] for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)}
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {"requests_per_s": rps, "p50_ms": pct.get("50"), "p99_ms": pct.get("99"),
            "non_2xx_3xx": int(non2xx.group(1)) if non2xx else 0, "tool": "wrk"}


def _python_load(url: str, seconds: int, connections: int, headers: dict) -> dict:
    """Closed loop over keep-alive connections in threads: slower than wrk, same shape of numbers."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    latencies: list[float] = []
    bad = 0
    stop = time.monotonic() + seconds

    def worker():
        nonlocal bad
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        while time.monotonic() < stop:
            sent = time.monotonic()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            latencies.append(time.monotonic() - sent)
            bad += response.status >= 400
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"requests_per_s": round(len(latencies) / seconds, 1), "p50_ms": common.ms(common.percentile(latencies, 50)),
            "p99_ms": common.ms(common.percentile(latencies, 99)), "non_2xx_3xx": bad, "tool": "python"}


def load(server, url: str, settings: dict, headers: dict | None = None) -> dict:
    first = requests.get(url, headers=headers or {}, timeout=30)
    measure = _wrk if shutil.which("wrk") else _python_load
    before = server.cpu()
    result = measure(url, settings["seconds"], settings["connections"], headers or {})
    used = server.cpu() - before
    total = result["requests_per_s"] * settings["seconds"]
    return {**result, "status": first.status_code, "page_cache": first.headers.get("X-Page-Cache"), "server_cpu_s": round(used, 3),
            "cpu_s_per_1000": round(used / max(total, 1) * 1000, 3)}


def run(quick: bool, workdir) -> dict:
    settings = QUICK if quick else FULL
    if not shutil.which("wrk"):
        print(WRK_HINT, flush=True)
    env = common.app_env("sqlite://", workdir)
    with common.servers("bench.baseline_server:app", env, workdir, use_app_config=False) as (server,):
        baseline = {"hello": load(server, server.url + "/hello", settings)}
    pages = {}
    with common.database("postgresql", workdir) as url:
        env = common.app_env(url, workdir)
        seeding, seed = common.Seeding(env, "--buyers", "0", "--codes", str(settings["codes"])), None
        # The whole pipeline (page cache off), then the same pages from the page cache (app/core/pagecache/).
        for suffix, ttl in (("", "0"), ("_cached", "30")):
            with common.servers("wsgi:app", {**env, "PAGE_CACHE_TTL": ttl}, workdir) as (server,):
                seed = seed or seeding.result()
                product = server.url + f"/shop/p/{seed['product']['id']}/{seed['product']['slug']}"
                pages["list" + suffix] = load(server, server.url + "/shop/", settings)
                pages["product" + suffix] = load(server, product, settings)
                pages["search" + suffix] = load(server, server.url + "/shop/?q=buoi+dien", settings)
                # A returning browser: its session cookie and the ETag it was given.
                browser = requests.Session()
                browser.get(product, timeout=30)
                etag = browser.get(product, timeout=30).headers.get("ETag")
                cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
                if etag:
                    pages["product_304" + suffix] = load(server, product, settings,
                                                         {"If-None-Match": etag, "Cookie": cookie})
    return {"settings": settings, "database": "postgresql", "baseline": baseline, "app": pages}
