"""A product's quality papers (OCOP certificate, food-safety certificate, advertising confirmation), what a
pre-live checklist asks of them, and the job that warns sellers before an OCOP certificate lapses and removes the
rating when it does.

`product_documents(product_id)` and `documents_missing(product, required)` are the read side other features call
(a pre-live checklist): plain questions, no request, no current user.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..accounts import notifications
from ..accounts.models import Membership, User
from ..core.dbtypes import utcnow
from ..core.storage import Storage
from ..core.uploads import DOCUMENTS, IMAGE, save_upload
from ..errors import InvalidInput, NotFound
from ..extensions import db
from .models import DOCUMENT_KINDS, ISSUING_LEVELS, Product, ProductDocument

DEFAULT_OCOP_MONTHS = 36
DEFAULT_WARNING_DAYS = 60
MAX_DOCUMENT_BYTES = 8 * 1024 * 1024
KIND_LABELS = {"ocop": _l("OCOP certificate"), "food_safety": _l("Food safety certificate"),
               "advertising": _l("Advertising confirmation")}
LEVEL_LABELS = {"province": _l("Province (3★, 4★)"), "ministry": _l("Ministry (5★)")}


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the last day of the month when it has fewer days)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class DocumentData:
    kind: str
    number: str | None = None
    ocop_stars: int | None = None
    issuing_level: str | None = None
    issued_on: date | None = None
    expires_on: date | None = None


def add_document(actor: User | None, product: Product, data: DocumentData, file: bytes, storage: Storage, *,
                 ocop_months: int = DEFAULT_OCOP_MONTHS, today: date | None = None) -> ProductDocument:
    """Check and store a paper for `product` (the caller checked the actor manages it: services.managed_product).

    An OCOP certificate needs its stars (3–5; 5★ is issued by the ministry, 3★ and 4★ by the province), number and
    issue date; without an expiry date it is valid `ocop_months` (a dated setting, 36 months) from issue. A valid
    one sets the product's OCOP badge."""
    today = today or date.today()
    if data.kind not in DOCUMENT_KINDS:
        raise InvalidInput(_l("Choose what kind of paper this is."), code="invalid_kind", field="kind")
    number = " ".join((data.number or "").split())[:60] or None
    stars = level = None
    expires = data.expires_on
    if data.kind == "ocop":
        stars = data.ocop_stars
        if stars not in (3, 4, 5):
            raise InvalidInput(_l("An OCOP certificate has 3, 4 or 5 stars."), code="invalid_ocop",
                               field="ocop_stars")
        level = data.issuing_level
        if level not in ISSUING_LEVELS or (stars == 5) != (level == "ministry"):
            raise InvalidInput(_l("5★ certificates are issued by the ministry, 3★ and 4★ by the province."),
                               code="invalid_level", field="issuing_level")
        if not number:
            raise InvalidInput(_l("Please enter the certificate number."), code="invalid_number", field="number")
        if data.issued_on is None:
            raise InvalidInput(_l("Please enter the date of issue."), code="invalid_date", field="issued_on")
        expires = expires or add_months(data.issued_on, ocop_months)
    if data.issued_on and data.issued_on > today:
        raise InvalidInput(_l("The date of issue cannot be in the future."), code="invalid_date", field="issued_on")
    if expires and data.issued_on and expires <= data.issued_on:
        raise InvalidInput(_l("The expiry date must be after the date of issue."), code="invalid_date",
                           field="expires_on")
    if expires and expires < today:
        raise InvalidInput(_l("This paper has already expired."), code="expired", field="expires_on")
    stored = save_upload(storage, file, prefix="private/product-docs", accept=DOCUMENTS | {IMAGE},
                         max_bytes=MAX_DOCUMENT_BYTES,
                         refused_message=_l("Please upload the paper as a PDF or a photo (JPEG, PNG, WebP)."))
    document = ProductDocument(product_id=product.id, kind=data.kind, number=number, ocop_stars=stars,
                               issuing_level=level, issued_on=data.issued_on, expires_on=expires,
                               file_key=stored.key, file_ext=stored.extension,
                               uploaded_by_id=actor.id if actor is not None else None)
    db.session.add(document)
    if data.kind == "ocop":
        product.ocop_stars, product.ocop_expires_on = stars, expires
    db.session.flush()
    return document


def document_of(product: Product, document_id: Any) -> ProductDocument:
    document = db.session.get(ProductDocument, document_id) if str(document_id).isdigit() else None
    if document is None or document.product_id != product.id:
        raise NotFound()
    return document


def remove_document(product: Product, document: ProductDocument) -> None:
    """Take a paper off (the caller checked the actor manages the product); the badge goes with its certificate."""
    if document.product_id != product.id:
        raise NotFound()
    db.session.delete(document)
    db.session.flush()
    if document.kind == "ocop":
        _refresh_badge(product, date.today())


def _refresh_badge(product: Product, today: date) -> None:
    """The product's badge from its newest valid OCOP certificate, or none."""
    best = db.session.scalar(
        select(ProductDocument).where(ProductDocument.product_id == product.id, ProductDocument.kind == "ocop",
                                      ProductDocument.expires_on >= today)
        .order_by(ProductDocument.issued_on.desc(), ProductDocument.id.desc()).limit(1))
    product.ocop_stars = best.ocop_stars if best is not None else None
    product.ocop_expires_on = best.expires_on if best is not None else None


# Read side for other features ------------------------------------------------------------------------------

def product_documents(product_id: int) -> list[ProductDocument]:
    """Every paper of a product, newest first."""
    return list(db.session.scalars(select(ProductDocument).where(ProductDocument.product_id == product_id)
                                   .order_by(ProductDocument.created_at.desc(), ProductDocument.id.desc())))


def documents_missing(product: Product, required: tuple[str, ...] | list[str] = ("food_safety",),
                      on: date | None = None) -> list[str]:
    """Which of the `required` kinds the product has no valid paper of on that day (a pre-live checklist asks)."""
    day = on or date.today()
    have = {d.kind for d in product_documents(product.id) if d.valid_on(day)}
    return [kind for kind in required if kind not in have]


# The expiry job -------------------------------------------------------------------------------------------

def _text(data: dict[str, Any]) -> str:
    try:
        until = format_date(date.fromisoformat(str(data.get("expires_on"))), "dd/MM/yyyy")
    except ValueError:
        until = ""
    return _("The OCOP certificate of %(product)s expires on %(date)s: renew it, or the OCOP badge comes off.",
             product=data.get("product", ""), date=until)


notifications.register_text("certificate_expiring", _text)


def run_expiry(today: date, warning_days: int, now: datetime | None = None) -> dict[str, int]:
    """Warn the organisation's members of OCOP certificates expiring within `warning_days` (once per paper), and
    remove the rating of products whose certificate has expired (once). Returns the counts; safe to rerun."""
    from datetime import timedelta

    now = now or utcnow()
    counts = {"warned": 0, "expired": 0}
    soon = db.session.scalars(select(ProductDocument).where(
        ProductDocument.kind == "ocop", ProductDocument.warned_at.is_(None), ProductDocument.expires_on >= today,
        ProductDocument.expires_on <= today + timedelta(days=warning_days)))
    for document in soon:
        product = document.product
        members = db.session.scalars(select(Membership.user_id)
                                     .where(Membership.organisation_id == product.organisation_id)).all()
        for user_id in members:
            notifications.notify(user_id, "certificate_expiring",
                                 {"product": product.name, "expires_on": str(document.expires_on),
                                  "product_id": product.id},
                                 link=f"/shop/manage/{product.organisation.slug}/products/{product.id}#documents")
        document.warned_at = now
        counts["warned"] += 1
    lapsed = db.session.scalars(select(ProductDocument).where(
        ProductDocument.kind == "ocop", ProductDocument.expired_at.is_(None), ProductDocument.expires_on < today))
    for document in lapsed:
        document.expired_at = now
        _refresh_badge(document.product, today)
        counts["expired"] += 1
    db.session.flush()
    return counts
