"""After the live: live cart → shop orders without reserving twice, hold expiry, the waitlist chain."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.accounts.models import Notification
from app.core.addresses import commune_province, find_commune
from app.core.dbtypes import utcnow
from app.core.phone import display_phone
from app.errors import Conflict, InvalidInput, NotFound, NotSignedIn
from app.livestream import afterlive, services
from app.livestream.models import LiveOrderLine, LiveProduct, LiveReservation, LiveWaitlist
from app.shop.models import Product, StockMovement, Variant
from app.shop.ordering import services as ordering

T0 = utcnow()


def post(live, user, text, client_id, at=0):
    return services.post_comment(live.id, user, text, client_id, now=T0 + timedelta(seconds=at), min_interval=0)


def counters(db, code):
    return db.session.execute(
        select(func.sum(Variant.received), func.sum(Variant.available), func.sum(Variant.reserved),
               func.sum(Variant.sold)).join(Product).where(Product.code == code)).one()


@pytest.fixture
def details():
    commune = find_commune("Xã Ô Diên")
    return {"name": "Trần Thị Lan", "phone": "0912 345 678", "province_code": commune_province(commune),
            "commune_code": commune, "street": "Số 5, thôn Đông", "note": None, "payment_method": "cod"}


def run(now, **kw):
    """The job's expiry and waitlist counts (reminders are tested on their own)."""
    counts = afterlive.run_hold_expiry(now, **kw)
    return {"expired": counts["expired"], "served": counts["served"]}


def ids(user, now=None):
    return [r.id for r in afterlive.held_lines(user, now or T0)]


def test_live_cart_groups_held_lines_by_live(db, make_live, buyer, factory):
    live = make_live([("A12", "Bưởi Diễn", 10, None), ("B3", "Cam Canh", 5, None)], live_price=50000)
    post(live, buyer, "chốt A12 x2, B3", "c1")
    other = factory.user("Người khác")
    post(live, other, "A12", "c2", at=1)
    db.session.commit()
    groups = afterlive.live_cart(buyer, T0)
    assert len(groups) == 1
    assert [(r.live_product.live_code, r.quantity) for r in groups[0].lines] == [("A12", 2), ("B3", 1)]
    assert groups[0].subtotal == 3 * 50000
    with pytest.raises(NotSignedIn):
        afterlive.live_cart(None)


def test_checkout_moves_held_stock_into_the_order_without_reserving_twice(db, make_live, buyer, details):
    live = make_live([("A12", "Bưởi Diễn", 10, None)], live_price=55000)
    post(live, buyer, "chốt A12 x3", "c1")
    db.session.commit()
    assert counters(db, "A12") == (10, 7, 3, 0)
    moves_before = db.session.scalar(select(func.count(StockMovement.id)))

    orders = afterlive.checkout_live_cart(buyer, ids(buyer), idempotency_key="k1", now=T0, **details)
    db.session.commit()

    assert len(orders) == 1
    order = orders[0]
    assert order.status == "placed" and order.payment_method == "cod"
    assert [(line.quantity, line.unit_price) for line in order.lines] == [(3, 55000)]  # the live price
    assert order.subtotal == 165000 and order.total == order.subtotal + order.shipping_fee
    # The same 3 units: still reserved, now by the order; no reserve movement was written.
    assert counters(db, "A12") == (10, 7, 3, 0)
    assert db.session.scalar(select(func.count(StockMovement.id))) == moves_before
    res = db.session.scalars(select(LiveReservation)).one()
    assert res.status == "checked_out"
    assert db.session.scalars(select(LiveOrderLine)).one().order_id == order.id
    assert afterlive.live_cart(buyer, T0) == []
    # The shop's state machine owns the units now: confirming sells them, as for any order.
    ordering.transition(order, "confirmed", None)
    db.session.commit()
    assert counters(db, "A12") == (10, 7, 0, 3)


def test_checkout_cancel_gives_stock_back_once(db, make_live, buyer, details):
    live = make_live([("A12", "Bưởi Diễn", 10, None)])
    post(live, buyer, "A12 x2", "c1")
    db.session.commit()
    order = afterlive.checkout_live_cart(buyer, ids(buyer), idempotency_key="k", now=T0, **details)[0]
    db.session.commit()
    ordering.transition(order, "cancelled", None)
    db.session.commit()
    assert counters(db, "A12") == (10, 10, 0, 0)
    # The checked-out line does not expire later and give the units back a second time.
    assert afterlive.expire_holds(T0 + timedelta(days=3))["expired"] == 0
    db.session.commit()
    assert counters(db, "A12") == (10, 10, 0, 0)


def test_checkout_is_idempotent_and_refuses_what_is_not_held(db, make_live, buyer, factory, details):
    live = make_live([("A12", "Bưởi Diễn", 10, None)])
    post(live, buyer, "A12", "c1")
    other = factory.user("Người khác")
    post(live, other, "A12", "c2", at=1)
    db.session.commit()
    mine, theirs = ids(buyer), ids(other)

    with pytest.raises(Conflict):  # someone else's line: nothing happens to it
        afterlive.checkout_live_cart(buyer, mine + theirs, idempotency_key="x", now=T0, **details)
    db.session.rollback()
    assert db.session.scalar(select(LiveReservation.status).where(LiveReservation.id == theirs[0])) == "held"

    first = afterlive.checkout_live_cart(buyer, mine, idempotency_key="same", now=T0, **details)
    db.session.commit()
    again = afterlive.checkout_live_cart(buyer, mine, idempotency_key="same", now=T0, **details)
    assert [o.id for o in again] == [o.id for o in first]
    assert counters(db, "A12") == (10, 8, 2, 0)


@pytest.mark.parametrize("bad, code", [({"phone": "12"}, "invalid_phone"), ({"street": " "}, "invalid_street"),
                                       ({"payment_method": "bitcoin"}, "invalid_payment_method"),
                                       ({"payment_method": "stripe"}, "stripe_off")])
def test_bad_checkout_details_change_nothing(db, make_live, buyer, details, bad, code):
    live = make_live([("A12", "Bưởi Diễn", 10, None)])
    post(live, buyer, "A12 x2", "c1")
    db.session.commit()
    with pytest.raises(InvalidInput) as info:
        afterlive.checkout_live_cart(buyer, ids(buyer), idempotency_key=uuid.uuid4().hex, now=T0,
                                     **{**details, **bad})
    db.session.rollback()
    assert info.value.code == code
    assert db.session.scalar(select(LiveReservation.status)) == "held"
    assert counters(db, "A12") == (10, 8, 2, 0)


def test_checkout_rejects_empty_or_garbage_line_lists(db, make_live, buyer, details):
    make_live()
    for raw in ([], None, ["abc"], [0], "1"):
        with pytest.raises(InvalidInput):
            afterlive.checkout_live_cart(buyer, raw, idempotency_key=uuid.uuid4().hex, now=T0, **details)
        db.session.rollback()


def test_a_hold_that_ran_out_cannot_be_checked_out(db, make_live, buyer, details):
    live = make_live()
    post(live, buyer, "A12", "c1")
    db.session.commit()
    line = ids(buyer)
    late = T0 + timedelta(hours=25)
    assert afterlive.held_lines(buyer, late) == []
    with pytest.raises(Conflict):
        afterlive.checkout_live_cart(buyer, line, idempotency_key="late", now=late, **details)
    db.session.rollback()


def test_vietqr_live_checkout_needs_a_bank_account_and_waits_for_payment(db, make_live, buyer, details, seller):
    live = make_live()
    post(live, buyer, "A12", "c1")
    db.session.commit()
    with pytest.raises(InvalidInput) as info:
        afterlive.checkout_live_cart(buyer, ids(buyer), idempotency_key="q1", now=T0,
                                     **{**details, "payment_method": "vietqr"})
    db.session.rollback()
    assert info.value.code == "no_bank_account"
    _, org = seller
    org.bank_bin, org.bank_account_number, org.bank_account_name = "970436", "0011001234567", "HTX BUOI DIEN"
    db.session.commit()
    order = afterlive.checkout_live_cart(buyer, ids(buyer), idempotency_key="q2", now=T0,
                                         **{**details, "payment_method": "vietqr"})[0]
    db.session.commit()
    assert order.status == "pending_payment" and order.expires_at is not None
    # Unpaid: the shop's own expiry releases the units, exactly once.
    ordering.expire_unpaid(order.expires_at + timedelta(seconds=1))
    db.session.commit()
    assert counters(db, "A12") == (10, 10, 0, 0)


def test_expired_hold_passes_to_the_waitlist_and_notifies(db, make_live, buyer, factory):
    live = make_live([("A12", "Bưởi Diễn", 2, None)])
    assert post(live, buyer, "A12 x2", "c1")["reserved"]
    late_buyer = factory.user("Phạm Văn Hùng")
    ack = post(live, late_buyer, "chốt A12", "c2", at=1)
    assert ack["ok"] is False and ack["error"]["code"] == "out_of_stock"
    entry = afterlive.join_waitlist(late_buyer, live, "a12", 1, now=T0)
    third = factory.user("Lê Thị Hoa")
    second_entry = afterlive.join_waitlist(third, live, "A12", 2, now=T0)
    db.session.commit()
    assert entry.status == "waiting" and afterlive.waitlist_position(entry) == 1
    assert afterlive.waitlist_position(second_entry) == 2
    assert afterlive.join_waitlist(late_buyer, live, "A12", 1, now=T0).id == entry.id  # one place each

    # Not yet due: nothing moves.
    assert run(T0 + timedelta(hours=23), hold_hours=24) == {"expired": 0, "served": 0}
    due = T0 + timedelta(hours=24, seconds=1)
    assert run(due, hold_hours=24) == {"expired": 1, "served": 2}
    db.session.commit()

    assert db.session.scalar(select(LiveReservation.status).where(LiveReservation.user_id == buyer.id)) == "expired"
    got = {r.user_id: r.quantity for r in db.session.scalars(
        select(LiveReservation).where(LiveReservation.status == "held"))}
    assert got == {late_buyer.id: 1, third.id: 1}  # first in line gets all they asked for, then the rest
    assert counters(db, "A12") == (2, 0, 2, 0)
    lp = db.session.scalars(select(LiveProduct)).one()
    assert lp.allotment_used == 2
    notes = db.session.scalars(select(Notification).where(Notification.kind == "waitlist_served")).all()
    assert sorted(n.user_id for n in notes) == sorted([late_buyer.id, third.id])
    assert all(n.link == "/live/cart" for n in notes)
    # The new hold runs from when the place was served, and the line is in the waiter's live cart.
    assert [r.live_product.live_code for r in afterlive.held_lines(late_buyer, due)] == ["A12"]
    assert db.session.get(LiveWaitlist, entry.id).status == "served"


def test_expiry_twice_releases_once(db, make_live, buyer):
    live = make_live([("A12", "Bưởi Diễn", 5, None)])
    post(live, buyer, "A12 x2", "c1")
    db.session.commit()
    due = T0 + timedelta(days=2)
    assert afterlive.expire_holds(due)["expired"] == 1
    assert afterlive.expire_holds(due)["expired"] == 0
    db.session.commit()
    assert counters(db, "A12") == (5, 5, 0, 0)


def test_waitlist_bad_input(db, make_live, buyer):
    live = make_live([("A12", "Bưởi Diễn", 2, None)], per_buyer_limit=3)
    with pytest.raises(NotSignedIn):
        afterlive.join_waitlist(None, live, "A12")
    with pytest.raises(NotFound):
        afterlive.join_waitlist(buyer, live, "ZZ9")
    for qty in (0, -1, 100, "abc", True):
        with pytest.raises(InvalidInput):
            afterlive.join_waitlist(buyer, live, "A12", qty)
    with pytest.raises(InvalidInput) as info:
        afterlive.join_waitlist(buyer, live, "A12", 4)
    assert info.value.code == "limit_exceeded"
    with pytest.raises(InvalidInput):
        afterlive.join_waitlist(buyer, live, "A12", 1, variant="XXL")
    db.session.rollback()
    assert db.session.scalar(select(func.count(LiveWaitlist.id))) == 0


def test_joining_when_units_are_free(db, make_live, buyer, seller):
    live = make_live([("A12", "Bưởi Diễn", 2, None)])
    with pytest.raises(Conflict) as info:  # on air with stock: the chat is the way to order
        afterlive.join_waitlist(buyer, live, "A12", 1, now=T0)
    assert info.value.code == "in_stock"
    services.end_live(seller[0], live)
    entry = afterlive.join_waitlist(buyer, live, "A12", 1, now=T0)  # after the live: served at once
    db.session.commit()
    assert entry.status == "served"
    assert counters(db, "A12") == (2, 1, 1, 0)


def test_no_waitlist_before_the_live_or_for_banned_buyers(db, make_live, buyer, seller, factory):
    from app.livestream import moderation

    owner, _ = seller
    scheduled = make_live([("A12", "Bưởi Diễn", 1, None)], state="scheduled")
    with pytest.raises(services.LiveNotOnAir):
        afterlive.join_waitlist(buyer, scheduled, "A12")
    db.session.rollback()
    services.start_live(owner, scheduled)
    first = factory.user("Người mua trước")
    post(scheduled, first, "A12", "c0")
    entry = afterlive.join_waitlist(buyer, scheduled, "A12", now=T0)
    moderation.ban_user(owner, scheduled, buyer.id)
    db.session.commit()
    late = factory.user("Người đến sau")
    afterlive.join_waitlist(late, scheduled, "A12", now=T0)
    db.session.commit()
    with pytest.raises(moderation.Banned):
        afterlive.join_waitlist(buyer, scheduled, "A12", now=T0)
    db.session.rollback()
    # The hold runs out: the banned buyer loses the place, the next one gets the unit.
    assert run(T0 + timedelta(days=2)) == {"expired": 1, "served": 1}
    db.session.commit()
    assert db.session.get(LiveWaitlist, entry.id).status == "cancelled"
    assert [r.user_id for r in db.session.scalars(select(LiveReservation).where(LiveReservation.status == "held"))] \
        == [late.id]


def test_leave_waitlist_only_your_own(db, make_live, buyer, factory):
    live = make_live([("A12", "Bưởi Diễn", 1, None)])
    post(live, factory.user("Người mua trước"), "A12", "c0")
    entry = afterlive.join_waitlist(buyer, live, "A12", now=T0)
    with pytest.raises(NotFound):
        afterlive.leave_waitlist(factory.user("Người lạ"), entry.id)
    assert afterlive.leave_waitlist(buyer, entry.id).status == "cancelled"
    assert afterlive.my_waitlist(buyer) == []


# Pages -----------------------------------------------------------------------------------------------

def test_live_cart_page_checkout_with_cod(client, auth, db, make_live, buyer, details):
    live = make_live([("A12", "Bưởi Diễn", 10, None)], live_price=50000)
    post(live, buyer, "chốt A12 x2", "c1")
    db.session.commit()
    auth.login_as(buyer)
    assert 'data-testid="held-callout"' in client.get(f"/live/{live.id}").get_data(as_text=True)
    page = client.get("/live/cart")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Bưởi Diễn" in html and f"/live/{live.id}/claims" in html
    assert display_phone(buyer.phone) in html  # the phone is filled in from the account
    line_ids = [r.id for r in afterlive.held_lines(buyer)]
    form = {"line": line_ids, "name": details["name"], "phone": details["phone"],
            "province_code": details["province_code"], "commune_code": details["commune_code"],
            "street": details["street"], "payment_method": "cod", "idempotency_key": "page-1",
            "consent": "y"}
    bad = client.post("/live/cart", data={**form, "phone": "123"})
    assert bad.status_code == 422
    assert db.session.scalar(select(LiveReservation.status)) == "held"
    done = client.post("/live/cart", data=form)
    assert done.status_code == 302 and "/shop/orders/" in done.headers["Location"]
    assert db.session.scalar(select(LiveReservation.status)) == "checked_out"
    assert "live-cart-empty" in client.get("/live/cart").get_data(as_text=True)
    assert 'data-testid="held-callout"' not in client.get(f"/live/{live.id}").get_data(as_text=True)


def test_another_buyers_lines_cannot_be_checked_out_from_the_page(client, auth, db, make_live, buyer, factory,
                                                                   details):
    live = make_live()
    victim = factory.user("Người khác")
    post(live, victim, "A12", "c1")
    db.session.commit()
    auth.login_as(buyer)
    assert "Bưởi" not in client.get("/live/cart").get_data(as_text=True)
    theirs = [r.id for r in afterlive.held_lines(victim)]
    client.post("/live/cart", data={"line": theirs, **{k: v for k, v in details.items() if v}, "idempotency_key": "z"})
    assert db.session.scalar(select(LiveReservation.status)) == "held"


def test_join_waitlist_page_and_json(client, auth, db, make_live, buyer, factory):
    live = make_live([("A12", "Bưởi Diễn", 1, None)])
    post(live, factory.user("Người mua trước"), "A12", "c0")
    db.session.commit()
    auth.login_as(buyer)
    response = client.post(f"/live/{live.id}/waitlist", data={"code": "A12"}, headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.json["status"] == "waiting"
    bad = client.post(f"/live/{live.id}/waitlist", data={"code": "ZZ"}, headers={"Accept": "application/json"})
    assert bad.status_code == 404 and bad.json["error"]["code"] == "unknown_code"
    assert db.session.scalar(select(func.count(LiveWaitlist.id))) == 1
    assert 'data-testid="waiting"' in client.get(f"/live/{live.id}").get_data(as_text=True)


def test_cli_expire_holds(runner, db, make_live, buyer):
    live = make_live([("A12", "Bưởi Diễn", 3, None)])
    services.post_comment(live.id, buyer, "A12 x2", "old", now=utcnow() - timedelta(hours=30), min_interval=0)
    db.session.commit()
    result = runner.invoke(args=["live", "expire-holds"])
    assert result.exit_code == 0, result.output
    assert "1 expired" in result.output
    assert counters(db, "A12") == (3, 3, 0, 0)


# JSON API ----------------------------------------------------------------------------------------------

def test_api_live_cart_is_only_ever_your_own(client, db, make_live, buyer, factory):
    from app.accounts.services import issue_api_token

    live = make_live([("A12", "Bưởi Diễn", 10, None)], live_price=40000)
    other = factory.user("Người khác")
    post(live, buyer, "A12 x2", "c1")
    post(live, other, "A12 x3", "c2", at=1)
    mine, _ = issue_api_token(buyer, 30)
    theirs, _ = issue_api_token(other, 30)
    db.session.commit()
    assert client.get("/api/v1/live/cart").status_code == 401
    assert client.get("/api/v1/live/cart", headers={"Authorization": "Bearer nope"}).status_code == 401
    body = client.get("/api/v1/live/cart", headers={"Authorization": f"Bearer {mine}"}).get_json()
    assert body["total"] == 80000 and len(body["groups"]) == 1
    assert [(line["code"], line["quantity"]) for line in body["groups"][0]["lines"]] == [("A12", 2)]
    body = client.get("/api/v1/live/cart", headers={"Authorization": f"Bearer {theirs}"}).get_json()
    assert body["total"] == 120000
    # There is no way to name another buyer: the cart is always the token's owner's.
    assert client.get(f"/api/v1/live/cart?user_id={buyer.id}",
                      headers={"Authorization": f"Bearer {theirs}"}).get_json()["total"] == 120000


def test_api_waitlist(client, db, make_live, buyer, factory):
    from app.accounts.services import issue_api_token

    live = make_live([("A12", "Bưởi Diễn", 1, None)])
    post(live, factory.user("Người mua trước"), "A12", "c0")
    raw, _ = issue_api_token(buyer, 30)
    db.session.commit()
    headers = {"Authorization": f"Bearer {raw}"}
    url = f"/api/v1/live/sessions/{live.id}/waitlist"
    assert client.post(url, json={"code": "A12"}).status_code == 401
    body = client.post(url, json={"code": "A12"}, headers=headers).get_json()
    assert body["status"] == "waiting" and body["position"] == 1
    bad = client.post(url, json={"code": "A12", "quantity": 500}, headers=headers)
    assert bad.status_code == 400
    assert client.post(url, json={"quantity": 1}, headers=headers).status_code in (400, 422)


def test_openapi_lists_after_live_paths(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/live/cart", "/api/v1/live/organisations/{org_slug}/follow",
                 "/api/v1/live/sessions/{session_id}/waitlist"):
        assert path in paths


def test_hold_expiry_is_a_registered_job(app, db, make_live, buyer):
    jobs = pytest.importorskip("app.core.jobs")
    job = next(j for j in jobs.registered_jobs() if j.name == "live.expire_holds")
    assert job.every_seconds == 60
    live = make_live([("A12", "Bưởi Diễn", 3, None)])
    services.post_comment(live.id, buyer, "A12", "old", now=utcnow() - timedelta(hours=30), min_interval=0)
    db.session.commit()
    assert job.func() == {"expired": 1, "served": 0, "reminded": 0}
    db.session.commit()
    assert counters(db, "A12") == (3, 3, 0, 0)


def test_api_sessions_give_cover_and_organisation_slug(client, db, make_live, seller):
    import io

    from PIL import Image

    from app.core.storage import get_storage
    from app.livestream import covers

    owner, org = seller
    live = make_live()
    raw = io.BytesIO()
    Image.new("RGB", (32, 18), (10, 120, 60)).save(raw, format="PNG")
    covers.set_cover(owner, live, raw.getvalue(), get_storage())
    db.session.commit()
    listed = client.get("/api/v1/live/sessions").get_json()[0]
    assert listed["organisation_slug"] == org.slug and listed["cover_url"].endswith(".webp")
    detail = client.get(f"/api/v1/live/sessions/{live.id}").get_json()
    assert detail["cover_url"] == listed["cover_url"] and "live" not in detail
    assert client.get(detail["cover_url"]).status_code == 200


def test_a_cancelled_live_order_frees_its_live_place_for_the_waitlist(db, make_live, buyer, factory, details, seller):
    _, org = seller
    org.bank_bin, org.bank_account_number, org.bank_account_name = "970436", "0011001234567", "HTX BUOI DIEN"
    live = make_live([("A12", "Bưởi Diễn", 2, None)])
    post(live, buyer, "A12 x2", "c1")
    waiter = factory.user("Người chờ")
    afterlive.join_waitlist(waiter, live, "A12", 1, now=T0)
    order = afterlive.checkout_live_cart(buyer, ids(buyer), idempotency_key="qr", now=T0,
                                         **{**details, "payment_method": "vietqr"})[0]
    db.session.commit()
    assert run(T0) == {"expired": 0, "served": 0}
    ordering.expire_unpaid(order.expires_at + timedelta(seconds=1))  # never paid: the shop cancels it
    db.session.commit()
    assert counters(db, "A12") == (2, 2, 0, 0)
    assert run(T0) == {"expired": 0, "served": 1}
    assert run(T0) == {"expired": 0, "served": 0}  # counted once
    db.session.commit()
    assert db.session.scalar(select(LiveReservation.status).where(LiveReservation.user_id == buyer.id)) == "cancelled"
    assert [r.quantity for r in afterlive.held_lines(waiter, T0)] == [1]
    assert counters(db, "A12") == (2, 1, 1, 0)
    assert db.session.scalars(select(LiveProduct)).one().allotment_used == 1


def test_hold_hours_come_from_the_environment():
    import os
    import subprocess
    import sys
    from pathlib import Path

    from app.config import Config

    assert Config.LIVE_HOLD_HOURS == 24.0
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", "from app.config import Config; print(Config.LIVE_HOLD_HOURS)"],
                         cwd=root, env={**os.environ, "LIVE_HOLD_HOURS": "6"}, capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "6.0"


def test_api_live_checkout(client, db, make_live, buyer, factory, details):
    from app.accounts.services import issue_api_token

    live = make_live([("A12", "Bưởi Diễn", 10, None)], live_price=50000)
    other = factory.user("Người khác")
    post(live, buyer, "A12 x2", "c1")
    post(live, other, "A12", "c2", at=1)
    mine, _ = issue_api_token(buyer, 30)
    db.session.commit()
    headers = {"Authorization": f"Bearer {mine}"}
    cart = client.get("/api/v1/live/cart", headers=headers).get_json()
    line_ids = [line["id"] for line in cart["groups"][0]["lines"]]
    body = {"lines": line_ids, "idempotency_key": "api-1", **{k: v for k, v in details.items() if v is not None}}
    assert client.post("/api/v1/live/cart/checkout", json=body).status_code == 401
    theirs = [r.id for r in afterlive.held_lines(other)]
    stolen = client.post("/api/v1/live/cart/checkout", json={**body, "lines": theirs, "idempotency_key": "x"},
                         headers=headers)
    assert stolen.status_code == 409 and stolen.get_json()["code"] == "not_held"
    bad = client.post("/api/v1/live/cart/checkout", json={**body, "phone": "abc"}, headers=headers)
    assert bad.status_code == 400 and bad.get_json()["code"] == "invalid_phone"
    done = client.post("/api/v1/live/cart/checkout", json=body, headers=headers)
    assert done.status_code == 201
    order = done.get_json()[0]
    assert order["status"] == "placed" and order["subtotal"] == 100000 and order["lines"][0]["quantity"] == 2
    again = client.post("/api/v1/live/cart/checkout", json=body, headers=headers)
    assert again.status_code == 201 and again.get_json()[0]["number"] == order["number"]
    assert client.get("/api/v1/live/cart", headers=headers).get_json()["groups"] == []
    assert db.session.scalar(select(LiveReservation.status).where(LiveReservation.user_id == other.id)) == "held"


def test_checkout_racing_the_expiry_job_settles_each_line_once(app, db, make_live, details):
    """Buyers check out while two expiry workers run: every line ends checked out or expired, never both."""
    import threading

    from app.accounts.models import User
    from app.shop.ordering.models import Order

    live = make_live([("A12", "Bưởi Diễn", 8, None)])
    users = [User(name=f"Khách {n}", phone=f"+8491{n:07d}", password_hash="x") for n in range(8)]
    db.session.add_all(users)
    db.session.commit()
    for user in users:
        post(live, user, "A12", f"c{user.id}")
    db.session.commit()
    lines = {user.id: ids(user)[0] for user in users}
    barrier = threading.Barrier(len(users) + 2)
    outcomes, errors = {}, []
    lock = threading.Lock()

    def check_out(user_id):
        with app.app_context():
            try:
                barrier.wait(timeout=60)
                user = db.session.get(User, user_id)
                afterlive.checkout_live_cart(user, [lines[user_id]], idempotency_key=f"race-{user_id}",
                                             now=T0 + timedelta(hours=1), **details)
                db.session.commit()
                result = "ordered"
            except Conflict:
                db.session.rollback()
                result = "too_late"
            except Exception as exc:
                db.session.rollback()
                with lock:
                    errors.append(repr(exc))
                return
            with lock:
                outcomes[user_id] = result

    def expire():
        with app.app_context():
            try:
                barrier.wait(timeout=60)
                afterlive.run_hold_expiry(T0 + timedelta(hours=25))
                db.session.commit()
            except Exception as exc:
                db.session.rollback()
                with lock:
                    errors.append(repr(exc))

    workers = [threading.Thread(target=check_out, args=(u.id,)) for u in users]
    workers += [threading.Thread(target=expire) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()

    assert errors == []
    db.session.expire_all()
    statuses = dict(db.session.execute(select(LiveReservation.user_id, LiveReservation.status)).all())
    assert set(statuses.values()) <= {"checked_out", "expired"}
    assert {uid for uid, s in statuses.items() if s == "checked_out"} == \
        {uid for uid, r in outcomes.items() if r == "ordered"}
    ordered = sum(1 for s in statuses.values() if s == "checked_out")
    assert db.session.scalar(select(func.count(Order.id))) == ordered
    assert db.session.scalar(select(func.count(LiveOrderLine.id))) == ordered
    assert counters(db, "A12") == (8, 8 - ordered, ordered, 0)
    assert db.session.scalar(select(LiveProduct.allotment_used)) == ordered


def test_one_reminder_per_buyer_and_live_before_the_hold_ends(db, make_live, buyer, factory, app):
    from flask_babel import force_locale

    from app.accounts import notifications

    live = make_live([("A12", "Bưởi Diễn", 10, None)])
    post(live, buyer, "A12", "c1")
    post(live, buyer, "A12", "c2", at=5)
    post(live, factory.user("Người khác"), "A12", "c3", at=6)
    db.session.commit()
    # Held 24 h from T0 (+5 s, +6 s); reminded once in the last 30 minutes (LIVE_HOLD_REMIND_MINUTES).
    assert afterlive.run_hold_expiry(T0 + timedelta(hours=23, minutes=20))["reminded"] == 0
    assert afterlive.run_hold_expiry(T0 + timedelta(hours=23, minutes=40))["reminded"] == 2
    assert afterlive.run_hold_expiry(T0 + timedelta(hours=23, minutes=50))["reminded"] == 0
    db.session.commit()
    note = db.session.scalars(select(Notification).where(Notification.user_id == buyer.id)).one()
    assert note.kind == "hold_expiring" and note.link == f"/live/cart?live={live.id}"
    with app.test_request_context("/"), force_locale("en"):
        text = notifications.text_of(note)
    assert live.title in text and "held until" in text


def test_the_live_cart_checkout_keeps_the_per_buyer_cap(db, make_live, buyer, details):
    """Held lines pass through the shop's checkout, which counts them against the buyer's cap like any order."""
    live = make_live([("A12", "Bưởi Diễn", 10, None)], live_price=50000)
    post(live, buyer, "chốt A12 x4", "c1")
    db.session.commit()
    with pytest.raises(InvalidInput) as caught:
        afterlive.checkout_live_cart(buyer, ids(buyer), idempotency_key="cap", now=T0, max_units_per_buyer=3,
                                     **details)
    db.session.rollback()
    assert caught.value.code == "buyer_limit" and caught.value.details["limit"] == 3
    assert db.session.scalar(select(LiveReservation.status)) == "held" and counters(db, "A12") == (10, 6, 4, 0)
    [order] = afterlive.checkout_live_cart(buyer, ids(buyer), idempotency_key="cap", now=T0, max_units_per_buyer=4,
                                           **details)
    assert order.lines[0].quantity == 4


def test_the_live_cart_page_shares_the_checkout_rate_limit(client, auth, db, app, monkeypatch, make_live, buyer,
                                                           details):
    monkeypatch.setitem(app.config, "CHECKOUT_LIMIT", "1 per minute")
    live = make_live([("A12", "Bưởi Diễn", 10, None)], live_price=50000)
    post(live, buyer, "chốt A12", "c1")
    db.session.commit()
    auth.login_as(buyer)
    form = {**{k: v for k, v in details.items() if v is not None}, "consent": "y"}
    first = client.post("/live/cart", data={**form, "line": ids(buyer), "idempotency_key": "r1"})
    assert first.status_code == 302
    post(live, buyer, "chốt A12", "c2", at=5)
    db.session.commit()
    again = client.post("/live/cart", data={**form, "line": ids(buyer), "idempotency_key": "r2"})
    assert again.status_code == 429
    assert client.post("/shop/checkout", data={**form, "idempotency_key": "r3"}).status_code == 429  # one bucket
    assert client.get("/live/cart").status_code == 200
    from app.accounts.services import issue_api_token

    raw, _ = issue_api_token(buyer, 30)
    db.session.commit()
    body = {k: v for k, v in form.items() if k != "consent"}
    api = client.post("/api/v1/live/cart/checkout", json={**body, "lines": ids(buyer), "idempotency_key": "r4"},
                      headers={"Authorization": f"Bearer {raw}"})
    assert api.status_code == 429 and api.json["code"] == "rate_limited"
