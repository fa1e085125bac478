"""The page cache during a sale (app/core/pagecache/, app/shop/caching.py): pages end per product (and per list
showing it), stock moves only shorten a page's life to PAGE_CACHE_SOFT_SECONDS, invalidations follow the commit."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import text, update

from app.core import pagecache
from app.core.pagecache.stores import UNTAGGED, LocalStore
from app.shop import inventory, services
from app.shop.models import Product
from tests.shop.conftest import make_product, seller  # noqa: F401  (the shop's fixtures: its pages are cached)


@pytest.fixture
def cache(app):
    saved_ttl, saved_store = app.config["PAGE_CACHE_TTL"], app.extensions[pagecache.EXTENSION_KEY]
    app.config["PAGE_CACHE_TTL"] = 30
    app.extensions[pagecache.EXTENSION_KEY] = LocalStore(64, soft_seconds=2)
    yield app.extensions[pagecache.EXTENSION_KEY]
    app.config["PAGE_CACHE_TTL"] = saved_ttl
    app.extensions[pagecache.EXTENSION_KEY] = saved_store


@pytest.fixture
def published(cache, monkeypatch):
    """Every invalidation the store receives, as (hard tags, soft tags)."""
    calls = []
    real = cache.invalidate

    def record(hard, soft=()):
        calls.append((set(hard), set(soft)))
        real(hard, soft)

    monkeypatch.setattr(cache, "invalidate", record)
    return calls


def _url(product) -> str:
    return f"/shop/p/{product.id}/{product.slug}"


def _state(app, path) -> str:
    return app.test_client().get(path).headers.get("X-Page-Cache", "none")


def _entry_for(cache, marker: str) -> dict:
    return next(e for e in cache._entries.values() if marker in e["body"])


@pytest.fixture
def two_shops(factory, seller, make_product):
    owner, org = seller
    other_owner = factory.user("Chủ Hộ Cam")
    other = factory.org(other_owner, name="Hộ Cam Canh", kind="household")
    a = make_product(owner, org, "Bưởi Diễn", stock=5)
    b = make_product(other_owner, other, "Cam Canh", stock=5, price=45000)
    return (owner, org, a), (other_owner, other, b)


def test_a_sale_keeps_the_product_page_for_the_soft_window_then_shows_the_new_stock(app, cache, db, seller,
                                                                                     make_product):
    owner, org = seller
    product = make_product(owner, org, stock=5)
    assert _state(app, _url(product)) == "miss"
    inventory.reserve_stock(product.variants[0].id, 2, reason="order")
    db.session.commit()
    page = app.test_client().get(_url(product))
    assert page.headers["X-Page-Cache"] == "hit" and "5 quả" in page.get_data(as_text=True)  # within the window
    entry = next(iter(cache._entries.values()))
    assert entry["expires_at"] <= time.time() + cache.soft_seconds
    entry["expires_at"] = time.time() - 0.01  # the window has passed
    fresh = app.test_client().get(_url(product))
    assert fresh.headers["X-Page-Cache"] == "miss" and "3 quả" in fresh.get_data(as_text=True)
    # More orders within the window leave the refilled page served: one render per window, whatever the rate.
    for _ in range(3):
        inventory.reserve_stock(product.variants[0].id, 1, reason="order")
        db.session.commit()
        assert _state(app, _url(product)) == "hit"


def test_a_change_to_one_product_leaves_the_other_pages_cached(app, cache, db, two_shops):
    (owner, org, a), (other_owner, other, b) = two_shops
    for path in (_url(a), _url(b), f"/shop/o/{org.slug}", f"/shop/o/{other.slug}", "/shop/"):
        assert _state(app, path) == "miss", path
    variant = b.variants[0]
    services.set_variants(other_owner, b, [services.VariantRow(id=variant.id, label=None, price=47000)])
    db.session.commit()
    assert _state(app, _url(b)) == "miss"
    assert _state(app, f"/shop/o/{other.slug}") == "miss" and _state(app, "/shop/") == "miss"  # lists showing b
    assert _state(app, _url(a)) == "hit" and _state(app, f"/shop/o/{org.slug}") == "hit"


def test_a_new_or_renamed_product_ends_the_list_pages_not_the_product_pages(app, cache, db, two_shops, make_product):
    (owner, org, a), (other_owner, other, b) = two_shops
    for path in (_url(a), _url(b), f"/shop/o/{other.slug}", "/shop/?q=buoi"):
        _state(app, path)
    make_product(owner, org, "Bưởi Da Xanh", stock=3)
    assert _state(app, "/shop/?q=buoi") == "miss"  # a search it now belongs to
    assert _state(app, f"/shop/o/{other.slug}") == "miss"  # every list: which products a list shows may change
    assert _state(app, _url(a)) == "hit" and _state(app, _url(b)) == "hit"


def test_a_stock_move_shortens_only_the_pages_that_show_that_stock(app, cache, db, two_shops):
    (owner, org, a), (other_owner, other, b) = two_shops
    for path in (_url(a), _url(b), "/shop/", f"/shop/o/{other.slug}"):
        _state(app, path)
    long_lived = {key: e["expires_at"] for key, e in cache._entries.items()}
    inventory.reserve_stock(a.variants[0].id, 1, reason="order")
    db.session.commit()
    soon = time.time() + cache.soft_seconds
    shortened = {key for key, e in cache._entries.items() if e["expires_at"] < long_lived[key]}
    assert {key for key in shortened if cache._entries[key]["expires_at"] <= soon} == shortened
    bodies = {cache._entries[key]["body"] for key in shortened}
    assert len(shortened) == 2 and all("Bưởi Diễn" in body for body in bodies)  # a's page and the full list
    assert _state(app, f"/shop/o/{other.slug}") == "hit" and _state(app, _url(b)) == "hit"


def test_the_stock_service_invalidates_one_variant_softly(app, cache, db, seller, make_product, published):
    owner, org = seller
    product = make_product(owner, org, stock=5)
    del published[:]
    vid = product.variants[0].id
    inventory.reserve_stock(vid, 1, reason="order")
    inventory.sell_reserved(vid, 1, "paid")
    assert published == []  # nothing before the commit
    db.session.commit()
    assert published == [(set(), {f"stock:{vid}"})]


def test_writes_the_cache_cannot_place_end_every_page(app, cache, db, seller, make_product, published):
    owner, org = seller
    make_product(owner, org, stock=5)
    del published[:]
    db.session.execute(update(Product).where(Product.status == "active").values(price=61000))
    db.session.commit()
    db.session.execute(text("UPDATE variants SET price = NULL WHERE price IS NOT NULL"))
    db.session.commit()
    assert [hard for hard, _ in published] == [{pagecache.EVERYTHING}] * 2


def test_a_released_savepoint_publishes_nothing_before_the_commit(app, cache, db, seller, make_product, published):
    owner, org = seller
    product = make_product(owner, org, stock=5)
    assert _state(app, _url(product)) == "miss"
    del published[:]
    with db.session.begin_nested():
        services.update_product(owner, product, services.ProductData(
            name=product.name, category=product.category, unit=product.unit, price=71000, status="active"))
    assert published == [] and _state(app, _url(product)) == "hit"  # released, not committed
    db.session.rollback()
    assert published == [] and _state(app, _url(product)) == "hit"
    services.update_product(owner, product, services.ProductData(
        name=product.name, category=product.category, unit=product.unit, price=72000, status="active"))
    db.session.commit()
    assert published and _state(app, _url(product)) == "miss"


def test_a_page_that_declares_no_tags_goes_with_any_invalidation():
    store = LocalStore(8, soft_seconds=2)
    for key, tags in (("untagged", {UNTAGGED}), ("tagged", {"product:1"})):
        _, state = store.get(key)
        assert store.set(key, {"body": key, "epoch": state[1], "stored_at": time.time()}, 30, tags, state)
    store.invalidate(set(), {"stock:9"})
    assert store._entries["untagged"]["expires_at"] <= time.time() + 2
    assert store._entries["tagged"]["expires_at"] > time.time() + 20
    store.invalidate({"product:2"})
    assert "untagged" not in store._entries and "tagged" in store._entries


def test_the_shop_registers_its_pages_cookie_and_models(app):
    from app.accounts.models import Organisation
    from app.shop.models import Photo, Variant
    from app.shop.ordering.views import CART_COOKIE

    registered = pagecache.registry(app)
    assert registered.endpoints == {"shop.index", "shop.storefront", "shop.product"}
    assert CART_COOKIE in registered.private_cookies
    assert set(registered.watches) == {Product, Variant, Photo, Organisation}
    with pytest.raises(TypeError):
        pagecache.watch(app, Product, "not callable")
    with pytest.raises(ValueError):
        pagecache.cache_endpoints(app, "")


def test_the_redis_store_ends_pages_per_product_and_keeps_them_through_a_sale(app, db, two_shops):
    import uuid

    from app.core.pagecache.stores import RedisStore
    from tests.conftest import reachable_redis_url

    (owner, org, a), (other_owner, other, b) = two_shops
    store = RedisStore(reachable_redis_url(), f"cholive-test-page:{uuid.uuid4().hex[:8]}:", soft_seconds=2)
    saved_ttl, saved_store = app.config["PAGE_CACHE_TTL"], app.extensions[pagecache.EXTENSION_KEY]
    app.config["PAGE_CACHE_TTL"], app.extensions[pagecache.EXTENSION_KEY] = 30, store
    try:
        for path in (_url(a), _url(b), "/shop/"):
            assert _state(app, path) == "miss" and _state(app, path) == "hit", path
        inventory.reserve_stock(a.variants[0].id, 1, reason="order")
        db.session.commit()
        assert _state(app, _url(a)) == "hit" and _state(app, "/shop/") == "hit"  # a sale keeps the pages...
        ttls = sorted(store.redis.pttl(key) for key in store.redis.keys(store.prefix + "e:*"))
        assert ttls[0] <= 2000 and ttls[1] <= 2000 and ttls[2] > 20000  # ...for the soft window: a's and the list
        services.set_variants(other_owner, b, [services.VariantRow(id=b.variants[0].id, label=None, price=47000)])
        db.session.commit()
        assert _state(app, _url(b)) == "miss" and _state(app, "/shop/") == "miss" and _state(app, _url(a)) == "hit"
    finally:
        app.config["PAGE_CACHE_TTL"], app.extensions[pagecache.EXTENSION_KEY] = saved_ttl, saved_store
        store.redis.delete(*store.redis.keys(store.prefix + "*"))
