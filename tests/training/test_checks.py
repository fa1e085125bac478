"""Practical-task checkers against real data made through the real services."""
from __future__ import annotations

import io
import uuid
from datetime import timedelta

import pytest
from PIL import Image

from app.core.addresses import commune_province, find_commune
from app.core.storage import get_storage
from app.shop import photos as shop_photos
from app.shop import services as shop_services
from app.shop.ordering import payment_events
from app.shop.ordering import services as ordering
from app.shop.payments.bank_notifications import parse_sepay
from app.training.checks import (
    CHECKS,
    CheckResult,
    check_first_real_order,
    check_practice_orders,
    check_product_with_photos,
    check_vietqr_matched,
)
from app.training.practice import services as practice


def _png(color=(200, 120, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def seller(factory):
    owner = factory.user("Lê Thị Hương")
    org = factory.org(owner, name="Hộ Hương", kind="household")
    from app.accounts.services import set_bank_account
    set_bank_account(owner, org, bank_bin="970436", account_number="0071001234567", account_name="Le Thi Huong")
    from app.extensions import db
    db.session.commit()
    return owner, org


def _product(db, owner, org, *, status="active", photos=0, stock=10, code=None, price=80_000):
    product = shop_services.create_product(owner, org, shop_services.ProductData(
        name="Mật ong nhãn", category="processed", unit="bottle", price=price, code=code, status=status), stock=stock)
    for i in range(photos):
        shop_photos.add_photo(owner, product, _png((i * 40, 100, 50)), get_storage())
    db.session.commit()
    return product


def _order(db, product, buyer, method="cod"):
    cart = ordering.get_cart(buyer, None, create=True)
    ordering.add_to_cart(cart, product.variants[0].id, 1)
    commune = find_commune("Xã Ô Diên")
    [order] = ordering.checkout(cart, buyer, name="Người Mua", phone="0912 345 678", street="Số 5, thôn Đông",
                                note=None, payment_method=method, idempotency_key=uuid.uuid4().hex,
                                province_code=commune_province(commune), commune_code=commune)
    db.session.commit()
    return order


def _transfer(order, amount=None, tx="T1"):
    return parse_sepay({"id": tx, "gateway": "Vietcombank", "transactionDate": "2026-11-28 10:00:00",
                        "accountNumber": "0071001234567", "content": f"CK {order.number} thanh toan",
                        "transferType": "in", "transferAmount": amount if amount is not None else order.total,
                        "referenceCode": f"REF{tx}", "description": "x"})


def test_registry_has_the_four_kinds():
    assert set(CHECKS) == {"product_with_photos", "practice_orders", "first_real_order", "vietqr_matched"}


def test_nothing_done_yet(db, factory):
    user = factory.user()
    for kind, check in CHECKS.items():
        result = check(user.id)
        assert isinstance(result, CheckResult) and result.done is False and result.evidence_url is None, kind
        assert result.detail


def test_product_with_photos(db, seller):
    owner, org = seller
    _product(db, owner, org, photos=2, code="MO1")
    assert not check_product_with_photos(owner.id).done
    draft = _product(db, owner, org, photos=3, status="draft", code="MO2")
    assert not check_product_with_photos(owner.id).done, "a draft is not published"
    assert check_product_with_photos(owner.id, min_photos=2).done
    shop_services.set_status(owner, draft, "active")
    db.session.commit()
    result = check_product_with_photos(owner.id)
    assert result.done and result.evidence_url == f"/shop/p/{draft.id}/{draft.slug}"
    assert "3" in result.detail
    assert not check_product_with_photos(owner.id, min_photos=4).done
    with pytest.raises(ValueError):
        check_product_with_photos(owner.id, min_photos=0)


def test_product_with_photos_counts_only_the_users_organisations(db, factory, seller):
    owner, org = seller
    _product(db, owner, org, photos=3)
    stranger = factory.user("Người ngoài")
    assert not check_product_with_photos(stranger.id).done
    staff = factory.user("Nhân viên")
    from app.accounts.models import Membership
    db.session.add(Membership(user_id=staff.id, organisation_id=org.id, role="staff"))
    db.session.commit()
    assert check_product_with_photos(staff.id).done


def test_practice_orders(db, factory):
    trainee = factory.user("Học viên")
    run = practice.start_practice(trainee, pace="flash", seed=21)  # five demo products: always 5+ orders
    db.session.commit()
    assert not check_practice_orders(trainee.id).done, "a running practice does not count"
    now = run.started_at
    while practice.deliver_next(run, now := now + timedelta(seconds=2)) is not None:
        pass
    practice.finish_practice(trainee, run, now=now)
    db.session.commit()
    assert run.orders_correct >= 5
    result = check_practice_orders(trainee.id, min_orders=5)
    assert result.done and result.evidence_url == f"/training/practice/{run.id}"
    missing = check_practice_orders(trainee.id, min_orders=run.orders_correct + 1)
    assert not missing.done and str(run.orders_correct) in missing.detail
    other = factory.user("Người khác")
    assert not check_practice_orders(other.id).done


def test_practice_live_is_not_a_real_order_or_a_real_product(db, factory):
    trainee = factory.user("Học viên")
    run = practice.start_practice(trainee, pace="flash", seed=3)
    db.session.commit()
    while practice.deliver_next(run) is not None:
        pass
    db.session.commit()
    assert not check_first_real_order(trainee.id).done
    assert not check_product_with_photos(trainee.id, min_photos=1).done


def test_first_real_order(db, factory, seller):
    owner, org = seller
    product = _product(db, owner, org, photos=0)
    buyer = factory.user("Người Mua")
    assert not check_first_real_order(owner.id).done
    online = _order(db, product, buyer, method="vietqr")
    assert online.status == "pending_payment"
    assert not check_first_real_order(owner.id).done, "an unpaid online order is not an order yet"
    cod = _order(db, product, buyer, method="cod")
    result = check_first_real_order(owner.id)
    assert result.done and result.evidence_url == f"/shop/manage/{org.slug}/orders/{cod.number}"
    ordering.transition(cod, "cancelled", owner)
    db.session.commit()
    assert not check_first_real_order(owner.id).done, "a cancelled order does not count"


def test_vietqr_matched(db, factory, seller):
    owner, org = seller
    product = _product(db, owner, org)
    buyer = factory.user("Người Mua")
    order = _order(db, product, buyer, method="vietqr")
    assert payment_events.handle_bank_notification(_transfer(order, amount=order.total - 1000, tx="T0")) == "amount_mismatch"
    db.session.commit()
    assert not check_vietqr_matched(owner.id).done, "a transfer sent to review is not an automatic match"
    ordering.seller_mark_paid(owner, org, order.number)
    db.session.commit()
    assert not check_vietqr_matched(owner.id).done, "marked paid by hand is not an automatic match"

    second = _order(db, product, buyer, method="vietqr")
    assert payment_events.handle_bank_notification(_transfer(second, tx="T2")) == "paid"
    db.session.commit()
    result = check_vietqr_matched(owner.id)
    assert result.done and second.number in result.detail and second.number in result.evidence_url
    assert check_first_real_order(owner.id).done
    assert not check_vietqr_matched(buyer.id).done
