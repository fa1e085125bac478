"""Lots (batches) of a product and their traceability: the public page of a lot and its QR label.

The label's URL follows the GS1 Digital Link form `https://<site>/01/<GTIN>/10/<lot>` when the product has a GTIN
(Circular 02/2024/TT-BKHCN: national traceability uses GS1 identifiers), which this site resolves to the lot's
page; without a GTIN it is the site's own `/lot/<id>`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

import segno
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..errors import Conflict, InvalidInput, NotFound
from ..extensions import db
from .models import Product, ProductLot

LOT_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,19}$")


def gtin_check_digit_ok(digits: str) -> bool:
    """GS1 mod-10: from the right, the digits before the check digit weigh 3, 1, 3, ..."""
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def clean_gtin(raw: str | None) -> str | None:
    """A GTIN-8, -12, -13 or -14 with a correct check digit, kept as 14 digits (GS1 Digital Link's form); empty:
    None."""
    digits = "".join((raw or "").split())
    if not digits:
        return None
    if not digits.isdigit() or len(digits) not in (8, 12, 13, 14) or not gtin_check_digit_ok(digits):
        raise InvalidInput(_l("That is not a valid GTIN (barcode number): 8, 12, 13 or 14 digits with its check "
                              "digit."), code="invalid_gtin", field="gtin")
    return digits.zfill(14)


def set_gtin(product: Product, raw: str | None) -> None:
    """(The caller checked the actor manages the product.)"""
    product.gtin = clean_gtin(raw)
    db.session.flush()


@dataclass(frozen=True)
class LotData:
    code: str | None
    produced_on: date | None
    farm: str | None = None
    plot: str | None = None
    certifications: str | None = None
    note: str | None = None


def add_lot(product: Product, data: LotData, today: date | None = None) -> ProductLot:
    """A new lot of `product` (the caller checked the actor manages it)."""
    code = (data.code or "").strip()
    if not LOT_CODE.match(code):
        raise InvalidInput(_l("The lot code is 1 to 20 letters, digits or - . _ / (for example LO-2026-12)."),
                           code="invalid_lot", field="code")
    if data.produced_on is None:
        raise InvalidInput(_l("Please enter the harvest or production date."), code="invalid_date",
                           field="produced_on")
    if data.produced_on > (today or date.today()):
        raise InvalidInput(_l("The harvest or production date cannot be in the future."), code="invalid_date",
                           field="produced_on")
    if db.session.scalar(select(ProductLot.id).where(ProductLot.product_id == product.id,
                                                     ProductLot.code == code)) is not None:
        raise Conflict(_l("This product already has a lot with that code."), code="lot_taken", field="code")
    lot = ProductLot(product_id=product.id, code=code, produced_on=data.produced_on,
                     farm=" ".join((data.farm or "").split())[:160] or None,
                     plot=" ".join((data.plot or "").split())[:80] or None,
                     certifications=" ".join((data.certifications or "").split())[:300] or None,
                     note=(data.note or "").strip()[:2000] or None)
    db.session.add(lot)
    db.session.flush()
    return lot


def lots_of(product_id: int) -> list[ProductLot]:
    return list(db.session.scalars(select(ProductLot).where(ProductLot.product_id == product_id)
                                   .order_by(ProductLot.produced_on.desc(), ProductLot.id.desc())))


def lot_of(product: Product, lot_id: int) -> ProductLot:
    lot = db.session.get(ProductLot, lot_id)
    if lot is None or lot.product_id != product.id:
        raise NotFound(_l("We could not find that lot."))
    return lot


def latest_lot(product_id: int) -> ProductLot | None:
    """The newest lot of a product (what the live shows when the product is pinned)."""
    return db.session.scalar(select(ProductLot).where(ProductLot.product_id == product_id)
                             .order_by(ProductLot.produced_on.desc(), ProductLot.id.desc()).limit(1))


def public_lot(lot_id: int) -> ProductLot:
    """A lot whose product is on sale or was (not a draft, not a practice stall's)."""
    lot = db.session.get(ProductLot, lot_id)
    if lot is None or lot.product.status == "draft" or lot.product.organisation.is_sandbox:
        raise NotFound(_l("We could not find that lot."))
    return lot


def lot_by_gtin(gtin: str, code: str) -> ProductLot:
    """The lot a GS1 Digital Link names (GTIN in any of its lengths, lot code)."""
    digits = gtin if gtin.isdigit() else ""
    if len(digits) not in (8, 12, 13, 14):
        raise NotFound(_l("We could not find that lot."))
    lot = db.session.scalar(select(ProductLot).join(Product).where(Product.gtin == digits.zfill(14),
                                                                   ProductLot.code == code))
    if lot is None:
        raise NotFound(_l("We could not find that lot."))
    return public_lot(lot.id)


def label_url(lot: ProductLot, site: str) -> str:
    """What the QR label encodes: the GS1 Digital Link when the product has a GTIN, else the site's /lot/<id>."""
    site = site.rstrip("/")
    if lot.product.gtin:
        return f"{site}/01/{lot.product.gtin}/10/{quote(lot.code, safe='')}"
    return f"{site}/lot/{lot.id}"


def label_svg(url: str) -> str:
    """The label's QR as inline SVG scaled by CSS (quiet zone kept, crisp edges)."""
    svg = segno.make(url, error="m", micro=False).svg_inline(scale=1, border=4, dark="#000", light="#fff",
                                                             omitsize=True, svgclass="lot-qr")
    return svg.replace("<svg ", '<svg shape-rendering="crispEdges" role="img" aria-label="QR" ', 1)
