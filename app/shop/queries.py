"""Read-side shop queries: the catalog with search and filters, storefronts, product pages, stock history."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Generic, TypeVar

from flask_babel import format_number
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import defer, joinedload, selectinload

from ..accounts.models import Organisation
from ..accounts.services import membership
from ..errors import NotFound
from ..extensions import db
from .models import CATEGORY_CODES, UNIT_LABELS, Product, StockMovement, Variant
from .search import match, page_ids, terms

T = TypeVar("T")
MAX_PER_PAGE = 60
COUNT_CAP = 1000  # a search counts its matches up to here ("1.000+"): counting them all costs more than the page


@dataclass
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int
    capped: bool = False  # more than `total` match: the count stopped at COUNT_CAP
    # Index in `items` of the first result whose name does not hold a typed word (found through its seller's
    # name, place or description); such results always come after the name matches. None: no such item.
    others_from: int | None = None

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_next(self) -> bool:
        # Past the cap the count says nothing: a full page means there may be another one.
        return self.page < self.pages or (self.capped and len(self.items) == self.per_page)

    @property
    def total_label(self) -> str:
        """The count as shown in the buyer's language: '16', '1.000+' (vi) or '1,000+' (en)."""
        return format_number(self.total) + ("+" if self.capped else "")

    @property
    def pages_label(self) -> str:
        return f"{max(self.pages, self.page)}+" if self.capped else str(self.pages)

    @property
    def has_prev(self) -> bool:
        return self.page > 1


@dataclass
class CatalogFilters:
    """What a buyer can narrow the catalog by; every field optional, bad values ignored rather than fatal."""

    q: str | None = None
    category: str | None = None
    commune: int | None = None
    ocop: int | None = None          # at least this many valid OCOP stars
    price_min: int | None = None
    price_max: int | None = None
    organisation_id: int | None = None
    page: int = 1
    per_page: int = 24
    today: date = field(default_factory=date.today)

    def normalised(self) -> CatalogFilters:
        self.category = self.category if self.category in CATEGORY_CODES else None
        self.ocop = self.ocop if self.ocop and 1 <= self.ocop <= 5 else None
        self.page = max(1, min(int(self.page or 1), 10_000))
        self.per_page = max(1, min(int(self.per_page or 24), MAX_PER_PAGE))
        self.price_min = self.price_min if self.price_min and self.price_min > 0 else None
        self.price_max = self.price_max if self.price_max and self.price_max > 0 else None
        return self


def _with_cards(stmt: Select) -> Select:
    return stmt.options(joinedload(Product.organisation), selectinload(Product.photos),
                        selectinload(Product.variants))


def _filtered(f: CatalogFilters, columns=(Product.id,), *, by_category: bool = True) -> Select:
    """Active products passing every filter but the query (and the category when `by_category` is false)."""
    stmt = select(*columns).where(Product.status == "active")
    if f.organisation_id:
        stmt = stmt.where(Product.organisation_id == f.organisation_id)
    if f.category and by_category:
        stmt = stmt.where(Product.category == f.category)
    if f.commune:
        # A product's origin commune, else the commune of the organisation selling it.
        stmt = stmt.join(Organisation, Organisation.id == Product.organisation_id).where(
            func.coalesce(Product.origin_commune_code, Organisation.commune_code) == f.commune)
    if f.ocop:
        stmt = stmt.where(Product.ocop_stars >= f.ocop, Product.ocop_expires_on >= f.today)
    if f.price_min:
        stmt = stmt.where(Product.price >= f.price_min)
    if f.price_max:
        stmt = stmt.where(Product.price <= f.price_max)
    return stmt


def catalog(filters: CatalogFilters) -> Page[Product]:
    """Active products matching the filters; ranked by relevance when there is a query, newest first otherwise.

    The page is chosen on product ids alone (ORDER BY ... LIMIT), then only those products are loaded; a search
    counts its matches up to COUNT_CAP.
    """
    f = filters.normalised()
    stmt = _filtered(f)
    words = terms(f.q)
    capped = False
    if words:
        found = match(words)
        stmt = stmt.where(found.where)
        # The count needs no rank, so it never joins the ranking; it stops after COUNT_CAP + 1 matches.
        total = db.session.scalar(select(func.count()).select_from(stmt.limit(COUNT_CAP + 1).subquery())) or 0
        capped, total = total > COUNT_CAP, min(total, COUNT_CAP)
        ids = page_ids(stmt, words, found, f.per_page, (f.page - 1) * f.per_page)
    elif f.q and f.q.strip():
        return Page([], 0, f.page, f.per_page)  # only punctuation typed: nothing can match
    else:
        total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        ids = db.session.scalars(stmt.order_by(Product.created_at.desc(), Product.id.desc())
                                 .limit(f.per_page).offset((f.page - 1) * f.per_page)).all()
    loaded = {p.id: p for p in db.session.scalars(_with_cards(select(Product).where(Product.id.in_(ids)))).unique()}
    items = [loaded[i] for i in ids if i in loaded]
    others = [n for n, product in enumerate(items) if words and not name_holds(product.search_name, words)]
    return Page(items, total, f.page, f.per_page, capped, others[0] if others else None)


def name_holds(search_name: str | None, words: list[str]) -> bool:
    """Whether a typed word starts a word of the product's folded name or code (search.name_hits > 0)."""
    padded = " " + (search_name or "")
    return any(f" {word}" in padded for word in words)


def category_counts(filters: CatalogFilters | None = None, organisation_id: int | None = None) -> dict[str, int]:
    """How many active products each category chip would show: with the query and the other filters applied
    (not the category itself), so a chip's number is what tapping it finds."""
    f = (filters or CatalogFilters(organisation_id=organisation_id)).normalised()
    stmt = _filtered(f, (Product.category, func.count(Product.id)), by_category=False)
    words = terms(f.q)
    if words:
        stmt = stmt.where(match(words).where)
    elif f.q and f.q.strip():
        return {}
    return dict(db.session.execute(stmt.group_by(Product.category)).tuples().all())


def communes_with_products() -> list[int]:
    """Communes that have something for sale, for the commune filter."""
    rows = db.session.execute(
        select(func.coalesce(Product.origin_commune_code, Organisation.commune_code))
        .join(Organisation, Organisation.id == Product.organisation_id)
        .where(Product.status == "active").distinct()
    ).scalars()
    return sorted(code for code in rows if code)


# Built once: the statement for a product page (its cache key is still computed per execution, not its options).
# The two search columns (the folded name and the whole searchable text) are the only ones the page never shows.
_PRODUCT_PAGE = select(Product).where(Product.id == bindparam("product_id")).options(
    joinedload(Product.organisation), joinedload(Product.photos), joinedload(Product.variants),
    defer(Product.search_name), defer(Product.search_text))


def product_for_viewer(product_id: int, viewer=None) -> Product:
    """A product page: active products for everyone, drafts and archived ones only for their organisation.

    One statement for everything the page shows: the product joined to its organisation, photos and variants
    (photos × variants rows, a handful for a real product, at most 10 × its options), cheaper than a round trip
    for each collection on an uncached page."""
    product = db.session.scalars(_PRODUCT_PAGE, {"product_id": product_id}).unique().first()
    if product is None:
        raise NotFound(_l("We could not find that product."))
    if product.status != "active" and membership(viewer, product.organisation) is None:
        raise NotFound(_l("This product is not on sale."))
    return product


@dataclass(frozen=True)
class StockRow:
    variant_id: int
    available: int


@dataclass(frozen=True)
class ProductStock:
    """What a product page's stock line shows: the counts of its options on sale, and how to word them."""

    product_id: int
    is_preorder: bool
    harvest_date: date | None
    unit: str
    variants: list[StockRow]

    @property
    def available(self) -> int:
        return sum(max(row.available, 0) for row in self.variants)

    @property
    def unit_label(self) -> str:
        return str(UNIT_LABELS.get(self.unit, self.unit))


def stock_of(product_id: int) -> ProductStock | None:
    """A product's stock line in one statement (None when the product is not on sale)."""
    rows = db.session.execute(
        select(Product.is_preorder, Product.harvest_date, Product.unit, Variant.id, Variant.available)
        .join(Variant, Variant.product_id == Product.id)
        .where(Product.id == product_id, Product.status == "active", Variant.is_active.is_(True))
        .order_by(Variant.position, Variant.id)).all()
    if not rows:
        return None
    return ProductStock(product_id, rows[0].is_preorder, rows[0].harvest_date, rows[0].unit,
                        [StockRow(row.id, row.available) for row in rows])


def organisation_products(org: Organisation, status: str | None = None) -> list[Product]:
    """The seller's product list, newest first, archived ones only when asked for."""
    stmt = select(Product).where(Product.organisation_id == org.id)
    stmt = stmt.where(Product.status == status) if status else stmt.where(Product.status != "archived")
    return list(db.session.scalars(_with_cards(stmt.order_by(Product.updated_at.desc(), Product.id.desc()))).unique())


def stock_movements(product: Product, limit: int = 200) -> list[StockMovement]:
    """The ledger of a product's variants, newest first, with who did it."""
    return list(db.session.scalars(
        select(StockMovement).join(Variant, Variant.id == StockMovement.variant_id)
        .where(Variant.product_id == product.id)
        .options(joinedload(StockMovement.actor), joinedload(StockMovement.variant))
        .order_by(StockMovement.created_at.desc(), StockMovement.id.desc()).limit(limit)
    ))
