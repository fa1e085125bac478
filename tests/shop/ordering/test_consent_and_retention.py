"""#17 item 4: checkout asks for express consent (never pre-ticked) and keeps its version; registration too; the
retention job de-identifies the receiver of old delivered orders and nothing else."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.accounts import privacy
from app.accounts.models import Consent, User
from app.core.dbtypes import utcnow
from app.shop.ordering.models import Order
from app.shop.ordering.services import get_cart, transition
from tests.shop.ordering.test_views import checkout_form


def test_checkout_without_consent_is_refused_with_a_message_and_changes_nothing(db, client, auth, buyer, stocked,
                                                                                address):
    auth.login_as(buyer)
    client.post("/shop/cart/add", data={"variant_id": stocked.id, "quantity": 1})
    page = client.get("/shop/checkout").get_data(as_text=True)
    assert 'name="consent"' in page and "checked" not in page.split('name="consent"')[1].split(">")[0]
    form = {k: v for k, v in checkout_form(address).items() if k != "consent"}
    refused = client.post("/shop/checkout", data=form)
    assert refused.status_code == 422
    assert "Vui lòng đánh dấu ô đồng ý" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Order.id))) == 0
    assert db.session.scalar(select(func.count(Consent.id))) == 0

    assert client.post("/shop/checkout", data=checkout_form(address)).status_code == 302
    order = db.session.scalar(select(Order))
    assert order.consent_version == privacy.policy_version()
    [consent] = db.session.scalars(select(Consent)).all()
    assert (consent.purpose, consent.granted, consent.source, consent.policy_version) == (
        "order_delivery", True, "checkout", "2026-01-01")


def test_registration_records_consent_with_its_version_and_marketing_only_when_ticked(db, client):
    refused = client.post("/register", data={"name": "Lan", "login": "0912345670", "password": "matkhau123"})
    assert refused.status_code == 200 and "Vui lòng đánh dấu ô đồng ý" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == 0

    assert client.post("/register", data={"name": "Lan", "login": "0912345670", "password": "matkhau123",
                                          "consent": "y"}).status_code == 302
    user = db.session.scalar(select(User))
    state = privacy.consent_state(user)
    assert state["account"].granted and state["account"].policy_version == "2026-01-01"
    assert state["marketing"] is None, "the optional box was not ticked: nothing is assumed"

    # Withdrawing (and giving) marketing consent from "My data" adds a dated row each time.
    client.post("/account/data/marketing", data={"marketing": "y"})
    client.post("/account/data/marketing", data={})
    rows = db.session.scalars(select(Consent).where(Consent.purpose == "marketing").order_by(Consent.id)).all()
    assert [r.granted for r in rows] == [True, False]
    assert "Dữ liệu của tôi" in client.get("/account/data").get_data(as_text=True)


def test_api_registration_needs_the_consent_too(db, client):
    bad = client.post("/api/v1/auth/register", json={"name": "Lan", "phone": "0912345671", "password": "matkhau123"})
    assert bad.status_code == 400 and bad.json["code"] == "consent_required"
    assert db.session.scalar(select(func.count(User.id))) == 0
    ok = client.post("/api/v1/auth/register", json={"name": "Lan", "phone": "0912345671", "password": "matkhau123",
                                                     "privacy_consent": True, "marketing_consent": True})
    assert ok.status_code == 201
    assert {c.purpose for c in db.session.scalars(select(Consent))} == {"account", "marketing"}


def test_the_retention_job_deidentifies_old_delivered_orders_only(db, runner, buyer, stocked, place, seller):
    owner = seller[0]
    orders = []
    for _ in range(3):
        cart = get_cart(buyer, None, create=True)
        cart_line_add(db, cart, stocked)
        orders.append(place(cart, buyer)[0])
    old_delivered, recent_delivered, old_open = orders
    for order in (old_delivered, recent_delivered):
        for status in ("confirmed", "packed", "shipped", "delivered"):
            transition(order, status, owner)
    old_delivered.created_at = old_open.created_at = utcnow() - timedelta(days=400)
    db.session.commit()

    result = runner.invoke(args=["compliance", "deidentify-addresses"])
    assert result.exit_code == 0 and "1 order(s)" in result.output and "365 days" in result.output
    db.session.expire_all()
    gone = db.session.get(Order, old_delivered.id)
    assert (gone.buyer_name, gone.buyer_phone, gone.street, gone.commune_code) == ("", "", "", None)
    assert gone.address_erased_at is not None and gone.total == old_delivered.total
    for kept in (recent_delivered, old_open):
        assert db.session.get(Order, kept.id).buyer_phone == "+84912345678"
    again = runner.invoke(args=["compliance", "deidentify-addresses"])
    assert "0 order(s)" in again.output
    from app.core import jobs

    job = jobs.get_job("compliance.deidentify-addresses")
    assert job is not None and job.func() == (0, 365), "the scheduler runs the same job"


def cart_line_add(db, cart, variant):
    from app.shop.ordering.services import add_to_cart

    add_to_cart(cart, variant.id, 1)
    db.session.commit()


def test_the_api_checkout_records_consent_when_sent_and_refuses_a_no(db, client, buyer, stocked, address):
    from app.accounts.services import issue_api_token

    raw, _ = issue_api_token(buyer, 30)
    db.session.commit()
    headers = {"Authorization": f"Bearer {raw}"}
    client.post("/api/v1/cart", json={"variant_id": stocked.id, "quantity": 1}, headers=headers)
    body = {"name": "Người Mua", "phone": "0912 345 678", "street": "Số 5", "payment_method": "cod",
            **address, "idempotency_key": "api-1"}
    refused = client.post("/api/v1/checkout", json={**body, "privacy_consent": False}, headers=headers)
    assert refused.status_code == 400 and refused.json["code"] == "consent_required"
    assert db.session.scalar(select(func.count(Order.id))) == 0
    done = client.post("/api/v1/checkout", json={**body, "privacy_consent": True}, headers=headers)
    assert done.status_code == 201, done.json
    assert db.session.scalar(select(Order.consent_version)) == "2026-01-01"
