"""Periodic jobs: the registry, one unit of work per run, the Redis lock, the scheduler, the CLI, order expiry."""
from __future__ import annotations

import threading
import time
import uuid
from datetime import timedelta

import pytest

from app.core import jobs
from app.extensions import db as _db


@pytest.fixture
def registry():
    """The job registry as the app built it, restored after the test."""
    saved = dict(jobs._registry)
    yield jobs
    jobs._registry.clear()
    jobs._registry.update(saved)


@pytest.fixture
def redis_lock(app):
    """The app pointed at the real Redis on 127.0.0.1:6379 with a key prefix of its own."""
    import redis

    url = "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_timeout=1).ping()
    except Exception:
        from tests.support.skips import skip_or_fail

        skip_or_fail(f"Redis is not reachable at {url}")
    prefix = f"test-jobs-{uuid.uuid4().hex[:8]}"
    app.config.update(REDIS_URL=url, JOBS_LOCK_PREFIX=prefix)
    client = redis.Redis.from_url(url)
    yield client
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
    app.config.update(REDIS_URL=None, JOBS_LOCK_PREFIX=None)


# Registry ------------------------------------------------------------------------------------------

def test_register_replace_and_list(registry):
    def first():
        return 1

    def second():
        return 2

    registry.register_job("test.tidy", first, 30)
    registry.register_job("test.tidy", second, 45)  # same name: replaced, not doubled
    job = registry.get_job("test.tidy")
    assert job.func is second and job.every_seconds == 45
    names = [j.name for j in registry.registered_jobs()]
    assert names.count("test.tidy") == 1 and names == sorted(names)


@pytest.mark.parametrize("name, func, every, error", [
    ("", lambda: None, 10, ValueError),
    ("   ", lambda: None, 10, ValueError),
    ("x", "not callable", 10, TypeError),
    ("x", lambda: None, 0, ValueError),
    ("x", lambda: None, -5, ValueError),
    ("x", lambda: None, 1.5, ValueError),
    ("x", lambda: None, True, ValueError),
])
def test_bad_registrations_are_refused(registry, name, func, every, error):
    with pytest.raises(error):
        registry.register_job(name, func, every)


def test_the_shop_registers_order_expiry_every_minute(app):
    job = jobs.get_job("shop.expire-orders")
    assert job is not None and job.every_seconds == 60
    from app.shop.ordering.services import expire_unpaid

    assert job.func is expire_unpaid


def test_core_imports_no_feature():
    import ast
    from pathlib import Path

    source = Path(jobs.__file__).read_text(encoding="utf-8")
    imported = {node.module or "" for node in ast.walk(ast.parse(source)) if isinstance(node, ast.ImportFrom)}
    assert not {m for m in imported if m.lstrip(".").split(".")[0] in ("shop", "livestream", "training", "accounts")}


# One unit of work per run ---------------------------------------------------------------------------

def _make_org(name: str) -> None:
    from app.accounts.models import Organisation

    _db.session.add(Organisation(name=name, slug=f"job-{uuid.uuid4().hex[:8]}", kind="cooperative"))


def _count_orgs(name: str) -> int:
    from app.accounts.models import Organisation

    _db.session.expire_all()
    return _db.session.query(Organisation).filter_by(name=name).count()


def test_a_run_commits_its_work(app, registry):
    def job():
        _make_org("HTX từ job")
        return "made one"

    registry.register_job("test.commit", job, 60)
    outcome = jobs.run_job(app, "test.commit")
    assert outcome.ran and outcome.result == "made one"
    assert _count_orgs("HTX từ job") == 1


def test_a_failing_run_leaves_nothing_behind(app, registry):
    def job():
        _make_org("HTX nửa chừng")
        _db.session.flush()
        raise RuntimeError("boom")

    registry.register_job("test.fail", job, 60)
    with pytest.raises(RuntimeError):
        jobs.run_job(app, "test.fail")
    assert _count_orgs("HTX nửa chừng") == 0
    jobs._tick(app, "test.fail")  # the scheduler's wrapper logs instead of raising
    assert _count_orgs("HTX nửa chừng") == 0


def test_unknown_job_is_a_key_error(app):
    with pytest.raises(KeyError):
        jobs.run_job(app, "no.such.job")


# The Redis lock -----------------------------------------------------------------------------------------

@pytest.mark.redis
def test_a_held_lock_skips_the_tick_and_a_run_releases_it(app, registry, redis_lock):
    calls = []
    registry.register_job("test.locked", lambda: calls.append(1) or len(calls), 60)
    key = jobs.lock_key(app, "test.locked")
    redis_lock.set(key, "another-process", ex=30)
    assert jobs.run_job(app, "test.locked") == jobs.JobRun("test.locked", ran=False)
    assert calls == [] and redis_lock.get(key) == b"another-process"  # someone else's lock is left alone
    redis_lock.delete(key)
    assert jobs.run_job(app, "test.locked").ran and calls == [1]
    assert redis_lock.get(key) is None  # released once the run is over
    assert jobs.run_job(app, "test.locked").ran and calls == [1, 1]


@pytest.mark.redis
def test_the_lock_expires_if_a_process_dies_holding_it(app, registry, redis_lock):
    started = threading.Event()
    release = threading.Event()

    def slow():
        started.set()
        release.wait(5)

    registry.register_job("test.ttl", slow, 7)
    runner = threading.Thread(target=jobs.run_job, args=(app, "test.ttl"))
    runner.start()
    assert started.wait(5)
    ttl = redis_lock.ttl(jobs.lock_key(app, "test.ttl"))
    release.set()
    runner.join(5)
    assert 0 < ttl <= 7


@pytest.mark.redis
def test_a_second_process_ticking_during_a_run_skips_it(app, registry, redis_lock):
    started, release, runs = threading.Event(), threading.Event(), []

    def job():
        runs.append(1)
        started.set()
        release.wait(5)  # the first process is still at work while the second one ticks

    registry.register_job("test.once", job, 60)
    first = []
    runner = threading.Thread(target=lambda: first.append(jobs.run_job(app, "test.once")))
    runner.start()
    try:
        assert started.wait(5)
        second = jobs.run_job(app, "test.once")  # another process of the cluster, same moment
    finally:
        release.set()
        runner.join(10)
    assert second.ran is False and first[0].ran is True and runs == [1]


def test_unreachable_redis_skips_rather_than_running_unlocked(app, registry):
    calls = []
    registry.register_job("test.noredis", lambda: calls.append(1), 60)
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    try:
        assert not jobs.run_job(app, "test.noredis").ran
    finally:
        app.config["REDIS_URL"] = None
    assert calls == []


# The scheduler ------------------------------------------------------------------------------------------

def test_scheduler_runs_registered_jobs_in_the_background(app, registry):
    ticked = threading.Event()
    seen = []

    def job():
        from flask import current_app

        seen.append(current_app.name)  # runs inside an app context
        ticked.set()

    registry.register_job("test.background", job, 1)
    assert jobs.start_scheduler(app) is None  # JOBS_ENABLED is off in tests
    app.config["JOBS_ENABLED"] = True
    try:
        scheduler = jobs.start_scheduler(app)
        assert scheduler is not None and jobs.start_scheduler(app) is scheduler  # never twice
        assert {j.id for j in scheduler.get_jobs()} >= {"test.background", "shop.expire-orders"}
        assert ticked.wait(5)
        assert seen[0] == app.name
    finally:
        jobs.stop_scheduler(app)
        app.config["JOBS_ENABLED"] = False


def test_the_scheduler_starts_with_the_first_request_only_when_enabled(database_url, tmp_path):
    from app import create_app
    from app.config import Testing

    def build(enabled: bool):
        config = type("JobsConfig", (Testing,), {"SQLALCHEMY_DATABASE_URI": database_url, "JOBS_ENABLED": enabled,
                                                 "STORAGE_LOCAL_DIR": tmp_path, "REDIS_URL": None})
        return create_app(config)

    off = build(False)
    off.test_client().get("/healthz")
    assert "scheduler" not in off.extensions.get(jobs.EXTENSION_KEY, {})
    on = build(True)
    assert "scheduler" not in on.extensions.get(jobs.EXTENSION_KEY, {})  # building the app (a CLI command) starts nothing
    try:
        on.test_client().get("/healthz")
        scheduler = on.extensions[jobs.EXTENSION_KEY]["scheduler"]
        assert scheduler.running
        on.test_client().get("/healthz")
        assert on.extensions[jobs.EXTENSION_KEY]["scheduler"] is scheduler
    finally:
        jobs.stop_scheduler(on)
        with on.app_context():
            _db.session.remove()
            _db.engine.dispose()


# CLI and the order expiry --------------------------------------------------------------------------------

@pytest.fixture
def overdue_order(db, factory):
    """A VietQR order of 2 units whose payment deadline passed an hour ago."""
    from app.core.addresses import commune_province, find_commune
    from app.shop import services as shop
    from app.shop.ordering import services as ordering

    owner = factory.user("Chủ HTX")
    org = factory.org(owner, name="HTX Hết hạn")
    org.bank_bin, org.bank_account_number, org.bank_account_name = "970436", "0123456789", "HTX HET HAN"
    product = shop.create_product(owner, org, shop.ProductData(name="Bưởi Diễn", category="fruit", unit="fruit",
                                                               price=60000, status="active"), stock=10)
    buyer = factory.user("Người Mua")
    cart = ordering.get_cart(buyer, None, create=True)
    ordering.add_to_cart(cart, product.variants[0].id, 2)
    commune = find_commune("Xã Ô Diên")
    [order] = ordering.checkout(cart, buyer, name="Người Mua", phone="0912345678", province_code=commune_province(commune),
                                commune_code=commune, street="Thôn Đông", note=None, payment_method="vietqr",
                                idempotency_key=uuid.uuid4().hex)
    order.expires_at = order.expires_at - timedelta(hours=2)
    db.session.commit()
    return order, product.variants[0]


def _state(db, order, variant):
    db.session.expire_all()
    return db.session.get(type(order), order.id).status, (variant.available, variant.reserved, variant.sold)


def test_a_tick_expires_an_overdue_order_and_frees_its_stock(app, db, overdue_order):
    order, variant = overdue_order
    assert _state(db, order, variant) == ("pending_payment", (8, 2, 0))
    outcome = jobs.run_job(app, "shop.expire-orders")
    assert outcome.ran and outcome.result == 1
    assert _state(db, order, variant) == ("cancelled", (10, 0, 0))
    assert jobs.run_job(app, "shop.expire-orders").result == 0  # nothing left to do, nothing done twice
    assert _state(db, order, variant) == ("cancelled", (10, 0, 0))


def test_the_scheduler_expires_an_overdue_order(app, db, overdue_order, registry):
    order, variant = overdue_order
    from app.shop.ordering.services import expire_unpaid

    registry.register_job("shop.expire-orders", expire_unpaid, 1)
    app.config["JOBS_ENABLED"] = True
    try:
        jobs.start_scheduler(app)
        deadline = time.monotonic() + 8
        while _state(db, order, variant)[0] != "cancelled" and time.monotonic() < deadline:
            time.sleep(0.1)  # polling a background thread's commit, bounded by the deadline
    finally:
        jobs.stop_scheduler(app)
        app.config["JOBS_ENABLED"] = False
    assert _state(db, order, variant) == ("cancelled", (10, 0, 0))


def test_cli_lists_and_runs_jobs(app, db, runner, overdue_order):
    listed = runner.invoke(args=["jobs", "list"])
    assert listed.exit_code == 0 and "shop.expire-orders" in listed.output and "every 60 s" in listed.output
    ran = runner.invoke(args=["jobs", "run", "shop.expire-orders"])
    assert ran.exit_code == 0 and "shop.expire-orders: 1" in ran.output
    order, variant = overdue_order
    assert _state(db, order, variant)[0] == "cancelled"
    unknown = runner.invoke(args=["jobs", "run", "no.such.job"])
    assert unknown.exit_code != 0 and "shop.expire-orders" in unknown.output
