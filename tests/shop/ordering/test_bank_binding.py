"""A bank transfer pays an order only when the money went into the account the order's VietQR named."""
from __future__ import annotations

import pytest

from app.shop.ordering.models import BankReview, Order, PaymentEvent

from .test_views import checkout_form, counters, give_bank

BANK_KEY = "bank-key-123"


@pytest.fixture(autouse=True)
def bank_on(app):
    app.config["BANK_WEBHOOK_API_KEY"] = BANK_KEY
    yield
    app.config["BANK_WEBHOOK_API_KEY"] = None


@pytest.fixture
def other_seller(db, factory):
    """Another cooperative with its own account at MB (BIN 970422): (owner, org)."""
    owner = factory.user("Chủ HTX khác")
    org = factory.org(owner, name="HTX Cam Canh")
    org.bank_bin, org.bank_account_number, org.bank_account_name = "970422", "0999888777", "HTX CAM CANH"
    db.session.commit()
    return owner, org


def transfer(client, order, tid, *, account="0123456789", gateway="Vietcombank", amount=None, **extra):
    body = {"id": tid, "gateway": gateway, "transactionDate": "2026-11-28 10:00:00", "accountNumber": account,
            "content": f"MBVCB.{tid} {order.number.replace('-', '')} chuyen tien", "transferType": "in",
            "transferAmount": order.total if amount is None else amount, "referenceCode": f"FT{tid}", **extra}
    response = client.post("/webhooks/bank", json=body, headers={"Authorization": f"Apikey {BANK_KEY}"})
    assert response.status_code == 200
    return response.json["outcome"]


@pytest.fixture
def qr_order(db, client, auth, buyer, stocked, address, seller):
    give_bank(db, seller[1])  # Vietcombank 970436, 0123456789
    auth.login_as(buyer)
    client.post("/shop/cart/add", data={"variant_id": stocked.id, "quantity": 2})
    assert client.post("/shop/checkout", data=checkout_form(address, "vietqr")).status_code == 302
    auth.logout()
    return db.session.query(Order).one()


def unpaid(db, order) -> bool:
    db.session.expire_all()
    same = db.session.get(Order, order.id)
    return same.paid_at is None and same.status == "pending_payment"


def test_a_transfer_into_another_sellers_account_pays_nothing(db, client, auth, qr_order, stocked, seller,
                                                               other_seller):
    """SePay reports money that reached org B's account with org A's order number: A's order stays unpaid."""
    other_owner, other_org = other_seller
    assert transfer(client, qr_order, 1, account="0999888777", gateway="MBBank") == "account_mismatch"
    assert unpaid(db, qr_order) and counters(db, stocked) == (8, 2, 0)
    reviews = {r.organisation_id: r for r in db.session.query(BankReview)}
    assert reviews[seller[1].id].reason == "account_mismatch" and reviews[seller[1].id].order_id == qr_order.id
    # the seller whose account got the money is told to send it back, and is not linked to the other order
    assert reviews[other_org.id].reason == "other_sellers_order" and reviews[other_org.id].order_id is None
    auth.login_as(seller[0])
    page = client.get(f"/shop/manage/{seller[1].slug}/bank-reviews").get_data(as_text=True)
    assert "Tiền vào tài khoản khác, không phải của bạn" in page
    assert qr_order.number in page and "MBBank ···8777" in page and "0999888777" not in page
    auth.logout()
    auth.login_as(other_owner)
    page = client.get(f"/shop/manage/{other_org.slug}/bank-reviews").get_data(as_text=True)
    assert "hãy chuyển trả tiền cho người gửi" in page and qr_order.buyer_name not in page


def test_the_same_digits_at_another_bank_pay_nothing(db, client, qr_order):
    assert transfer(client, qr_order, 2, gateway="MBBank") == "bank_mismatch"
    assert transfer(client, qr_order, 3, gateway="Ngân hàng Lạ") == "bank_mismatch"  # a bank we cannot name
    assert unpaid(db, qr_order)
    assert {r.reason for r in db.session.query(BankReview)} == {"bank_mismatch"}


@pytest.mark.parametrize("account, gateway, extra", [
    ("0123 456-789", "VCB", {}),                           # spaces, dashes and the bank's ticker
    ("0123456789", "vietcombank", {}),                     # any case
    ("9990001112", "Vietcombank", {"subAccount": "0123456789"}),  # the VA the QR named, on a main account
    ("0123456789", "970436", {}),                          # a relay that sends the BIN
])
def test_the_account_the_qr_named_pays_however_it_is_written(db, client, qr_order, account, gateway, extra):
    assert transfer(client, qr_order, 4, account=account, gateway=gateway, **extra) == "paid"
    db.session.expire_all()
    assert db.session.get(Order, qr_order.id).paid_at is not None


def test_the_account_named_at_checkout_stays_the_one_that_pays(db, client, auth, buyer, qr_order, seller):
    """The seller moves to another account after the buyer got the QR: the QR's account still pays, the new
    one does not (that transfer was not made from this order's QR), and the order page keeps the QR's account."""
    org = seller[1]
    org.bank_bin, org.bank_account_number = "970422", "0555666777"
    db.session.commit()
    auth.login_as(buyer)
    page = client.get(f"/shop/orders/{qr_order.number}").get_data(as_text=True)
    assert 'data-copy="0123456789"' in page and "0555666777" not in page
    assert transfer(client, qr_order, 5, account="0555666777", gateway="MBBank") == "account_mismatch"
    assert unpaid(db, qr_order)
    assert transfer(client, qr_order, 6) == "paid"


def test_an_order_of_an_organisation_without_an_account_is_never_paid_by_a_transfer(db, client, auth, buyer, stocked,
                                                                                    address, seller):
    auth.login_as(buyer)
    client.post("/shop/cart/add", data={"variant_id": stocked.id, "quantity": 1})
    client.post("/shop/checkout", data=checkout_form(address, "cod"))
    order = db.session.query(Order).one()
    assert transfer(client, order, 7) == "account_mismatch"
    db.session.expire_all()
    assert db.session.get(Order, order.id).paid_at is None
    assert db.session.query(PaymentEvent).one().outcome == "account_mismatch"
