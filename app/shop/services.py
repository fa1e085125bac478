"""Write-side product operations: create, edit, archive, variants, photos, stock adjustments."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, overload

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..accounts.models import Organisation, User
from ..accounts.selling import require_may_sell
from ..accounts.services import require_org_role
from ..core import addresses
from ..core.money import MAX_VND
from ..core.text import fold, slugify
from ..errors import Conflict, InvalidInput, NotFound
from ..extensions import db
from . import inventory
from .models import CATEGORY_CODES, STATUSES, UNIT_CODES, Product, StockMovement, Variant
from .search import refresh_search

CODE_PATTERN = re.compile(r"^[A-Z]{1,4}[0-9]{1,4}$")
MAX_VARIANTS = 30
MAX_DESCRIPTION = 10_000
MAX_BUYER_LIMIT = 1_000_000


@dataclass
class ProductData:
    """What a seller fills in for a product; prices in whole dong, dates as date objects."""

    name: str | None
    category: str | None
    unit: str | None
    price: int | None
    description: str | None = None
    compare_at_price: int | None = None
    code: str | None = None
    ocop_stars: int | None = None
    ocop_expires_on: date | None = None
    origin_commune_code: int | None = None
    is_preorder: bool = False
    harvest_date: date | None = None
    preorder_cap: int | None = None
    status: str = "draft"
    max_per_buyer: int | None = None


# Validation ---------------------------------------------------------------------------------------

@overload
def check_price(value: Any, *, field: str = "price", allow_none: Literal[False] = False) -> int: ...


@overload
def check_price(value: Any, *, field: str = "price", allow_none: bool) -> int | None: ...


def check_price(value: Any, *, field: str = "price", allow_none: bool = False) -> int | None:
    """Whole dong above zero and below ten billion; anything else is a typo worth stopping."""
    if value is None and allow_none:
        return None
    if value is None or isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(_l("Please enter the price in dong, digits only."), code="invalid_price", field=field)
    if value <= 0:
        raise InvalidInput(_l("The price must be above zero."), code="invalid_price", field=field)
    if value > MAX_VND:
        raise InvalidInput(_l("That price is too high. Please check the number of zeros."), code="invalid_price",
                           field=field)
    return value


def check_buyer_limit(value: Any) -> int | None:
    """A product's own cap on the units one buyer may hold in open orders: empty (the platform's), or 1 and up."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_BUYER_LIMIT:
        raise InvalidInput(_l("The limit per buyer must be a whole number from 1 to %(max)s, or empty.",
                              max=MAX_BUYER_LIMIT), code="invalid_buyer_limit", field="max_per_buyer")
    return value


def normalise_code(raw: str | None) -> str:
    """'bd 01' → 'BD01'; refuse anything buyers could not type in a comment."""
    code = "".join(str(raw or "").split()).upper()
    if not CODE_PATTERN.match(code):
        raise InvalidInput(_l("The code must be 1–4 letters followed by 1–4 digits, for example A12 or BD01."),
                           code="invalid_code", field="code")
    return code


def _code_taken(org_id: int, code: str, except_id: int | None = None) -> bool:
    stmt = select(Product.id).where(Product.organisation_id == org_id, Product.code == code)
    if except_id:
        stmt = stmt.where(Product.id != except_id)
    return db.session.scalar(stmt) is not None


def suggest_code(org: Organisation, name: str) -> str:
    """The first free code made of the name's initial and a number: 'Bưởi Diễn' → B1, B2, ..."""
    letter = next((ch.upper() for ch in fold(name) if "a" <= ch <= "z"), "S")
    taken = set(db.session.scalars(select(Product.code).where(Product.organisation_id == org.id)))
    number = 1
    while f"{letter}{number}" in taken:
        number += 1
    return f"{letter}{number}"


def _unique_slug(org_id: int, name: str, except_id: int | None = None) -> str:
    base = slugify(name, 70)
    slug, n = base, 1
    while True:
        stmt = select(Product.id).where(Product.organisation_id == org_id, Product.slug == slug)
        if except_id:
            stmt = stmt.where(Product.id != except_id)
        if db.session.scalar(stmt) is None:
            return slug
        n += 1
        slug = f"{base}-{n}"


def _check_sellable(org: Organisation, status: str) -> None:
    """A practice stall's products stay drafts: real buyers must never be able to order sandbox stock. Putting a
    product on sale is also asked of the registered selling checks (a marketplace's seller verification)."""
    if status == "active" and org.is_sandbox:
        raise InvalidInput(_l("Products of a practice stall cannot be put on sale."), code="practice_stall",
                           field="status")
    if status == "active":
        require_may_sell(org, "publish")


def _clean(org: Organisation, data: ProductData, except_id: int | None = None) -> dict[str, Any]:
    name = " ".join((data.name or "").split())
    if not name or len(name) > 160:
        raise InvalidInput(_l("Please enter the product name (up to 160 characters)."), code="invalid_name",
                           field="name")
    if data.category not in CATEGORY_CODES:
        raise InvalidInput(_l("Please choose a category from the list."), code="invalid_category", field="category")
    if data.unit not in UNIT_CODES:
        raise InvalidInput(_l("Please choose a unit from the list."), code="invalid_unit", field="unit")
    if data.status not in STATUSES:
        raise InvalidInput(_l("Unknown status."), code="invalid_status", field="status")
    _check_sellable(org, data.status)
    price = check_price(data.price)
    compare = check_price(data.compare_at_price, field="compare_at_price", allow_none=True)
    if compare is not None and compare <= price:
        raise InvalidInput(_l("The price before discount must be higher than the price."), code="invalid_price",
                           field="compare_at_price")
    description = (data.description or "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput(_l("The description is too long."), code="invalid_description", field="description")
    code = normalise_code(data.code) if (data.code or "").strip() else suggest_code(org, name)
    if _code_taken(org.id, code, except_id):
        raise Conflict(_l("Another product of yours already uses the code %(code)s.", code=code),
                       code="code_taken", field="code")
    stars = data.ocop_stars or None
    if stars is not None:
        if isinstance(stars, bool) or not isinstance(stars, int) or not 1 <= stars <= 5:
            raise InvalidInput(_l("OCOP stars go from 1 to 5."), code="invalid_ocop", field="ocop_stars")
        if data.ocop_expires_on is None:
            raise InvalidInput(_l("Please enter when the OCOP certificate expires."), code="invalid_ocop",
                               field="ocop_expires_on")
    commune = data.origin_commune_code or None
    if commune is not None and addresses.commune_province(commune) is None:
        raise InvalidInput(_l("Please choose a commune from the list."), code="invalid_commune",
                           field="origin_commune_code")
    cap = data.preorder_cap or None
    if data.is_preorder:
        if data.harvest_date is None:
            raise InvalidInput(_l("A pre-order needs the expected harvest date."), code="invalid_preorder",
                               field="harvest_date")
        if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or not 0 < cap <= inventory.MAX_QTY):
            raise InvalidInput(_l("The pre-order limit must be a whole number above zero."), code="invalid_preorder",
                               field="preorder_cap")
    return dict(max_per_buyer=check_buyer_limit(data.max_per_buyer),
                name=name, category=data.category, unit=data.unit, price=price, compare_at_price=compare,
                description=description or None, code=code, ocop_stars=stars,
                ocop_expires_on=data.ocop_expires_on if stars else None, origin_commune_code=commune,
                is_preorder=bool(data.is_preorder), harvest_date=data.harvest_date if data.is_preorder else None,
                preorder_cap=cap if data.is_preorder else None, status=data.status)


# Products -----------------------------------------------------------------------------------------

def managed_product(actor: User | None, org: Organisation, product_id: int) -> Product:
    """A product the actor may manage: a member of its organisation; others get 403, strays 404."""
    require_org_role(actor, org, "staff")
    product = db.session.get(Product, product_id)
    if product is None or product.organisation_id != org.id:
        raise NotFound(_l("We could not find that product."))
    return product


def create_product(actor: User | None, org: Organisation, data: ProductData, *, stock: int = 0) -> Product:
    """A new product with its one default variant and, optionally, its opening stock."""
    require_org_role(actor, org, "staff")
    fields = _clean(org, data)
    if isinstance(stock, bool) or not isinstance(stock, int) or stock < 0 or stock > inventory.MAX_QTY:
        raise InvalidInput(_l("The stock must be a whole number, zero or more."), code="invalid_quantity",
                           field="stock")
    product = Product(organisation_id=org.id, organisation=org, slug=_unique_slug(org.id, fields["name"]), **fields)
    refresh_search(product)
    db.session.add(product)
    variant = Variant(product=product, label=None, position=0)
    db.session.add(variant)
    db.session.flush()
    if stock:
        inventory.receive_stock(variant, stock, actor, _l("Opening stock"))
    return product


def update_product(actor: User | None, product: Product, data: ProductData) -> Product:
    """The seller's edit; the OCOP badge is not among what it changes: only a certificate sets it (documents.py)."""
    require_org_role(actor, product.organisation, "staff")
    fields = _clean(product.organisation, data, except_id=product.id)
    del fields["ocop_stars"], fields["ocop_expires_on"]
    if fields["name"] != product.name:
        product.slug = _unique_slug(product.organisation_id, fields["name"], except_id=product.id)
    for key, value in fields.items():
        setattr(product, key, value)
    refresh_search(product)
    db.session.flush()
    return product


def set_status(actor: User | None, product: Product, status: str) -> None:
    """Publish, unpublish or archive; an archived product leaves the catalog but keeps its history."""
    require_org_role(actor, product.organisation, "staff")
    if status not in STATUSES:
        raise InvalidInput(_l("Unknown status."), code="invalid_status")
    _check_sellable(product.organisation, status)
    product.status = status
    db.session.flush()


def set_buyer_limit(actor: User | None, product: Product, max_per_buyer: Any) -> Product:
    """Set (or clear, with None) how many units of the product one buyer may hold in open orders."""
    require_org_role(actor, product.organisation, "staff")
    product.max_per_buyer = check_buyer_limit(max_per_buyer)
    db.session.flush()
    return product


def archive_product(actor: User | None, product: Product) -> None:
    set_status(actor, product, "archived")


# Variants -----------------------------------------------------------------------------------------

@dataclass
class VariantRow:
    id: int | None
    label: str | None
    price: int | None = None


def set_variants(actor: User | None, product: Product, rows: list[VariantRow]) -> list[Variant]:
    """Replace the product's options; variants with history are deactivated, never deleted."""
    require_org_role(actor, product.organisation, "staff")
    rows = [r for r in rows if r.id or (r.label or "").strip() or r.price is not None]
    if not rows:
        raise InvalidInput(_l("A product needs at least one option."), code="no_variants")
    if len(rows) > MAX_VARIANTS:
        raise InvalidInput(_l("Up to %(n)s options per product.", n=MAX_VARIANTS), code="too_many_variants")
    mine = {v.id: v for v in product.variants}
    labels: list[str | None] = []
    for row in rows:
        if row.id is not None and row.id not in mine:
            raise InvalidInput(_l("That option belongs to another product."), code="foreign_variant")
        label = " ".join((row.label or "").split()) or None
        if label and len(label) > 40:
            raise InvalidInput(_l("An option name has at most 40 characters."), code="invalid_variant")
        check_price(row.price, field="variant_price", allow_none=True)
        labels.append(label)
    if len(rows) > 1 and None in labels:
        raise InvalidInput(_l("Every option needs a name, for example 1kg or M."), code="invalid_variant")
    if len({fold(lbl or "") for lbl in labels}) != len(labels):
        raise InvalidInput(_l("Two options have the same name."), code="duplicate_variant")

    kept_ids = {row.id for row in rows if row.id is not None}
    by_label = {fold(v.label or ""): v for v in product.variants if v.id not in kept_ids}
    for variant in list(product.variants):
        if variant.id in kept_ids:
            continue
        if variant.available or variant.reserved:
            raise Conflict(_l("Option %(label)s still has stock. Set its stock to zero first.",
                              label=variant.label or "—"), code="variant_has_stock")
        variant.is_active = False
    chosen = [mine.get(row.id) if row.id is not None else by_label.pop(fold(label or ""), None)
              for row, label in zip(rows, labels, strict=True)]
    # The unique (product, label) pair is checked row by row, so renames that swap labels go through
    # temporary names, and retired variants whose label is wanted again step aside.
    wanted = {fold(lbl) for lbl in labels if lbl}
    for variant in product.variants:
        if variant in chosen and variant.id:
            variant.label = f"~{variant.id}"
        elif not variant.is_active and variant.label and fold(variant.label) in wanted:
            variant.label = f"{variant.label[:30]} #{variant.id}"
    db.session.flush()
    result = []
    for position, (row, label, existing) in enumerate(zip(rows, labels, chosen, strict=True)):
        variant = existing if existing is not None else Variant(product=product)
        if existing is None:
            db.session.add(variant)
        variant.label, variant.price, variant.position, variant.is_active = label, row.price, position, True
        result.append(variant)
    _drop_unused_variants(product)
    db.session.flush()
    return result


def _drop_unused_variants(product: Product) -> None:
    """Inactive variants that never moved stock can go for good."""
    for variant in list(product.variants):
        if not variant.is_active and variant.id and variant.received == 0 and not db.session.scalar(
                select(func.count(StockMovement.id)).where(StockMovement.variant_id == variant.id)):
            product.variants.remove(variant)


def adjust_variant_stock(actor: User | None, product: Product, variant_id: int, delta: int,
                         reason: str | None) -> StockMovement:
    """A seller's stock correction, through the one inventory service."""
    require_org_role(actor, product.organisation, "staff")
    variant = db.session.get(Variant, variant_id)
    if variant is None or variant.product_id != product.id:
        raise InvalidInput(_l("That option belongs to another product."), code="foreign_variant")
    return inventory.adjust_stock(variant, delta, actor, reason)
