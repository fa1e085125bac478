"""Buyer-facing shop pages: the catalog with search and filters, product pages, storefronts."""
from __future__ import annotations

import hashlib
import time
from urllib.parse import urlencode

from flask import Response, jsonify, make_response, redirect, render_template, request, session, url_for
from flask_babel import format_number, get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from ...accounts.services import get_organisation
from ...core import addresses, pagecache, reads
from ...core.money import parse_vnd
from ...errors import NotFound
from .. import bp, caching, queries
from ..models import CATEGORIES, CATEGORY_EMOJI


def _int_arg(name: str) -> int | None:
    try:
        return int(request.args.get(name, ""))
    except ValueError:
        return None


def _filters(organisation_id: int | None = None) -> queries.CatalogFilters:
    return queries.CatalogFilters(
        q=(request.args.get("q") or "").strip()[:100] or None,
        category=request.args.get("category") or None,
        commune=_int_arg("commune"),
        ocop=_int_arg("ocop"),
        price_min=parse_vnd(request.args.get("price_min")),
        price_max=parse_vnd(request.args.get("price_max")),
        organisation_id=organisation_id,
        page=_int_arg("page") or 1,
    )


def _args(**changes) -> str:
    """This page's query string with some arguments changed (None removes one): chips and pager links."""
    args = request.args.to_dict()
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    return "?" + urlencode(args)


def _catalog_page(template: str, org=None):
    filters = _filters(org.id if org else None)
    page = queries.catalog(filters)
    pagecache.tag(*caching.page_tags(page.items, listing=True, organisation_id=org.id if org else None))
    context = dict(page=page, filters=filters, org=org, args=_args, categories=CATEGORIES, emoji=CATEGORY_EMOJI,
                   counts=queries.category_counts(filters))
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "results":
        return render_template("shop/_results.html", **context)
    if not org:
        context["communes"] = [(code, addresses.commune_name(code)) for code in queries.communes_with_products()]
    return render_template(template, **context)


@bp.get("/")
def index():
    """The catalog: search box, category chips, filters, product cards."""
    return _catalog_page("shop/index.html")


@bp.get("/o/<slug>")
def storefront(slug: str):
    """One organisation's shop window."""
    org = get_organisation(slug)
    if org.is_sandbox:
        raise NotFound(_l("We could not find that organisation."))
    return _catalog_page("shop/storefront.html", org=org)


@bp.get("/p/<int:product_id>")
@bp.get("/p/<int:product_id>/<slug>")
def product(product_id: int, slug: str | None = None):
    # It only reads, in one statement: no BEGIN/ROLLBACK round trips around it (core.reads).
    with reads.outside_a_transaction():
        return _product_page(product_id, slug)


def _product_page(product_id: int, slug: str | None):
    item = queries.product_for_viewer(product_id, current_user if current_user.is_authenticated else None)
    if slug != item.slug:
        return redirect(url_for("shop.product", product_id=item.id, slug=item.slug), 301)
    if pagecache.active():  # an anonymous visitor: the page cache stores the page, sets its ETag, answers 304s
        pagecache.tag(*caching.page_tags([item]))
        return render_template("shop/product.html", product=item)
    if session.get("_flashes"):  # a pending flash must be shown (and consumed) by a real render
        return render_template("shop/product.html", product=item)
    generate_csrf()  # the page's CSRF token exists before the ETag that covers it is computed
    etag = _product_etag(item)
    if request.if_none_match.contains(etag):  # answered before rendering: that is the saving
        return Response(status=304, headers={"ETag": f'"{etag}"', "Cache-Control": "private, no-cache"})
    response = make_response(render_template("shop/product.html", product=item))
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, no-cache"
    return response.make_conditional(request)


def _product_etag(item) -> str:
    """Changes with the product, its variants' prices and stock, the language, the viewer and the CSRF secret in the page."""
    parts = [item.id, item.updated_at.isoformat() if item.updated_at else "", str(get_locale() or ""),
             current_user.get_id() if current_user.is_authenticated else "-", session.get("csrf_token") or "",
             *(f"{v.id}:{v.price}:{v.available}:{v.is_active}" for v in item.variants)]
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:32]


STOCK_SECONDS = 1  # one answer per product and language per second and process, however many pages ask
_stock_answers: dict[tuple[int, str], tuple[float, dict]] = {}


@bp.get("/p/<int:product_id>/stock")
def product_stock(product_id: int):
    """The product page's stock line and each option's count, as JSON, for the page's script (shop/stock.js):
    the page itself may come from the page cache, which keeps pages through stock moves for a couple of seconds."""
    locale = str(get_locale() or "vi")
    now = time.monotonic()
    known = _stock_answers.get((product_id, locale))
    if known is None or known[0] <= now:
        found = queries.stock_of(product_id)
        if found is None:
            raise NotFound(_l("This product is not on sale."))
        known = (now + STOCK_SECONDS, _stock_answer(found))
        if len(_stock_answers) > 10_000:
            _stock_answers.clear()
        _stock_answers[(product_id, locale)] = known
    response = jsonify(known[1])
    response.headers["Cache-Control"] = f"public, max-age={STOCK_SECONDS + 1}"
    return response


def _stock_answer(stock: queries.ProductStock) -> dict:
    """The same words as the page's stock line and option list (shop/_macros.html stock_line, product.html)."""
    if stock.is_preorder:
        line = gettext("Pre-order: harvest on %(date)s",
                       date=stock.harvest_date.strftime("%d/%m/%Y") if stock.harvest_date else "")
    elif stock.available > 0:
        line = gettext("%(n)s %(unit)s left", n=format_number(stock.available), unit=stock.unit_label)
    else:
        line = gettext("Sold out")
    return {"product_id": stock.product_id, "available": stock.available, "buyable": stock.available > 0,
            "line": line,
            "variants": {str(row.variant_id): {"available": row.available,
                                               "text": gettext("%(n)s left", n=format_number(row.available)) if row.available > 0
                                               else gettext("Sold out")} for row in stock.variants}}
