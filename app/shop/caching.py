"""What the shop puts in the page cache (core.pagecache) and which of its writes invalidate which pages.

Pages are tagged with what they show (`page_tags`): "product:<id>" for each product, "org:<id>" for each seller,
"stock:<variant id>" for each variant whose stock they show, and "listing" for a list or search page (whose
choice and order of products any product's searchable or sortable field can change). A write invalidates the
tags below after its commit. Stock moves (every order) are soft: the pages showing that stock live on for at
most PAGE_CACHE_SOFT_SECONDS, so a sale does not empty the cache, while a product's page never shows stock
older than that.
"""
from __future__ import annotations

from collections.abc import Iterable

from flask import Flask

from ..accounts.models import Organisation
from ..core import pagecache
from .models import Photo, Product, Variant

CACHED_ENDPOINTS = ("shop.index", "shop.storefront", "shop.product")
STOCK_COLUMNS = frozenset({"received", "available", "reserved", "sold"})
# Product columns that decide which products a list or search page shows, and in which order.
LISTING_COLUMNS = frozenset({"status", "category", "price", "name", "code", "description", "search_name",
                             "search_text", "origin_commune_code", "ocop_stars", "ocop_expires_on",
                             "organisation_id", "created_at"})
LISTING = "listing"


def product_tag(product_id: int) -> str:
    return f"product:{product_id}"


def stock_tag(variant_id: int) -> str:
    return f"stock:{variant_id}"


def org_tag(organisation_id: int) -> str:
    return f"org:{organisation_id}"


def page_tags(products: Iterable[Product], *, listing: bool = False, organisation_id: int | None = None) -> list[str]:
    """The tags of a page showing these products (and their stock): what the view passes to pagecache.tag."""
    tags = [LISTING] if listing else []
    if organisation_id is not None:
        tags.append(org_tag(organisation_id))
    for product in products:
        tags += [product_tag(product.id), org_tag(product.organisation_id)]
        tags += [stock_tag(variant.id) for variant in product.variants]
    return tags


def _product(product: Product, changed: frozenset[str] | None) -> set[str]:
    if changed is None or changed & LISTING_COLUMNS:
        return {product_tag(product.id), LISTING}
    return {product_tag(product.id)}


def _variant(variant: Variant, changed: frozenset[str] | None) -> set[str]:
    if changed is not None and changed <= STOCK_COLUMNS:
        return {pagecache.Soft(stock_tag(variant.id))}
    return {product_tag(variant.product_id)}


def _variant_by_key(variant_id: int, changed: frozenset[str] | None) -> set[str]:
    """shop.inventory's conditional UPDATEs set only the stock counters of one variant."""
    if changed is not None and changed <= STOCK_COLUMNS:
        return {pagecache.Soft(stock_tag(variant_id))}
    return {pagecache.EVERYTHING}


def _photo(photo: Photo, changed: frozenset[str] | None) -> set[str]:
    return {product_tag(photo.product_id)}


def _organisation(org: Organisation, changed: frozenset[str] | None) -> set[str]:
    return {org_tag(org.id), LISTING}


def register_page_cache(app: Flask) -> None:
    """Called when the shop's blueprint is registered, before pagecache.init_app."""
    from .ordering.views import CART_COOKIE

    pagecache.cache_endpoints(app, *CACHED_ENDPOINTS)
    pagecache.private_cookies(app, CART_COOKIE)
    pagecache.watch(app, Product, _product)
    pagecache.watch(app, Variant, _variant, by_key=_variant_by_key)
    pagecache.watch(app, Photo, _photo)
    pagecache.watch(app, Organisation, _organisation)
