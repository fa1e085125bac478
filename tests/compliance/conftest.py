"""Compliance fixtures: a marketplace, a household seller with products, orders placed and moved in time."""
from __future__ import annotations

import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from app.core.addresses import commune_province, find_commune

VN = ZoneInfo("Asia/Ho_Chi_Minh")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def vn(*args) -> datetime:
    """A moment given in Vietnam's time (the tax periods' clock)."""
    return datetime(*args, tzinfo=VN)


@pytest.fixture
def marketplace(db):
    from app.compliance import settings

    settings.choose_mode(None, "marketplace", date(2025, 7, 1))
    db.session.commit()


def factory_commit():
    from app.extensions import db

    db.session.commit()


@pytest.fixture
def household(factory):
    """(owner, organisation): a household business."""
    owner = factory.user("Chủ Hộ Lan")
    org = factory.org(owner, name="Hộ kinh doanh Lan", kind="household")
    org.bank_bin, org.bank_account_number, org.bank_account_name = "970436", "0123456789", "NGUYEN THI LAN"
    factory_commit()
    return owner, org


@pytest.fixture
def admin(factory):
    return factory.user("Quản Trị", is_admin=True)


@pytest.fixture
def verify(db, admin):
    """verify(owner, org, id_number=...) → the approved verification (with its registration paper)."""
    from app.compliance import verification
    from app.core.storage import get_storage

    def run(owner, org, id_number="001085012345", tax_code=None):
        verification.submit(owner, org, tax_code=tax_code, id_number=id_number if org.kind == "household" else None,
                            representative_name="Nguyễn Thị Lan")
        verification.add_document(owner, org, "business_registration", PDF, get_storage())
        found = verification.review(admin, org, "approved")
        db.session.commit()
        return found

    return run


@pytest.fixture
def product(db):
    """product(owner, org, name, price, category="fruit", stock=100) → an active product (draft first when the
    platform would refuse an unverified seller, then put on sale directly in the table)."""
    from app.shop import services

    def make(owner, org, name="Bưởi Diễn", price=60_000, category="fruit", stock=100, code=None):
        p = services.create_product(owner, org, services.ProductData(name=name, category=category, unit="piece",
                                                                     price=price, code=code, status="draft"),
                                    stock=stock)
        p.status = "active"  # the selling check is tested on its own; here the seller's goods are simply on sale
        db.session.commit()
        return p

    return make


@pytest.fixture
def order(db, factory):
    """order(lines=[(product, qty), ...], method="vietqr", at=...) → one order of the products' organisation."""
    from app.shop.ordering import services

    buyer = factory.user("Người Mua")
    commune = find_commune("Xã Ô Diên")

    def make(lines, method="vietqr", at=None):
        org = lines[0][0].organisation
        if not org.has_bank_account:
            org.bank_bin, org.bank_account_number, org.bank_account_name = "970436", "0123456789", "CHU SHOP"
        cart = services.get_cart(buyer, None, create=True)
        for p, qty in lines:
            services.add_to_cart(cart, p.variants[0].id, qty)
        [made] = services.checkout(cart, buyer, name="Người Mua", phone="0912345678",
                                   province_code=commune_province(commune), commune_code=commune, street="Thôn Đông",
                                   note=None, payment_method=method, idempotency_key=uuid.uuid4().hex,
                                   now=at, payment_minutes=60 * 24 * 365, stripe_enabled=True)
        db.session.commit()
        return made

    return make


@pytest.fixture
def move(db):
    """move(order, "confirmed", "packed", ..., at=...) → the order through the seller's steps at that moment."""
    from app.shop.ordering import services

    def run(o, *statuses, at=None):
        for status in statuses:
            services.transition(o, status, None, now=at)
        db.session.commit()

    return run


@pytest.fixture
def pay(db):
    from app.shop.ordering import services

    def run(o, at, provider="bank"):
        assert services.mark_paid(o, provider, None, o.total, now=at)
        db.session.commit()

    return run


def entries(db, order_id=None):
    from sqlalchemy import select

    from app.compliance.models import WithholdingEntry

    query = select(WithholdingEntry).order_by(WithholdingEntry.id)
    if order_id is not None:
        query = query.where(WithholdingEntry.order_id == order_id)
    db.session.expire_all()
    return list(db.session.scalars(query))
