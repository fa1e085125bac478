"""#17 item 4: a buyer who deletes their account leaves no name, phone or address on any page, API answer, socket
replay or export; their chat lines stay under "Người mua đã xóa tài khoản"; their orders keep only what accounting
requires."""
from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlalchemy import select

from app.accounts import notifications, privacy
from app.accounts.models import User
from app.core.addresses import commune_province, find_commune
from app.livestream import afterlive
from app.shop.ordering import address_book
from app.shop.ordering.models import Order
from app.shop.ordering.services import transition
from tests.conftest import AuthActions
from tests.livestream.live_sockets import NS, comment, connect, events  # noqa: F401

NAME = "Phạm Thị Hồng Nhung"
PHONE = "0977123456"
STREET = "Số 77 ngõ Quỳnh"
SECRETS = (NAME, "Hồng Nhung", PHONE, "+84977123456", "0977 123 456", "977123456", STREET, "ngõ Quỳnh", "Nhung ***")
DELETED_VI = "Người mua đã xóa tài khoản"


def leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


@pytest.fixture
def seeded(db, factory, make_live, seller, connect, no_rate_limit):  # noqa: F811 (the imported fixture)
    """A buyer with a profile address, a live comment (with their phone), a live order delivered, an address-book
    entry, a notification, consents and outbox messages."""
    buyer = factory.user(NAME, login=PHONE, street=STREET)
    privacy.record_consent(buyer, "account", True, "register")
    privacy.record_consent(buyer, "marketing", True, "register")
    live = make_live([("A12", "Bưởi Diễn", 10, None)], live_price=50000)
    db.session.commit()
    ack = comment(connect(live.id, buyer), f"chốt A12 sdt {PHONE} {NAME}", "del-1")
    assert ack["reserved"], ack
    commune = find_commune("Xã Ô Diên")
    lines = [r.id for r in afterlive.held_lines(buyer)]
    [order] = afterlive.checkout_live_cart(
        buyer, lines, idempotency_key="del-order", name=NAME, phone=PHONE, province_code=commune_province(commune),
        commune_code=commune, street=STREET, note=f"Gọi {PHONE}", payment_method="cod", consent_version="2026-01-01")
    address_book.remember(buyer, order)
    notifications.write(buyer.id, "order_expired", {"number": order.number, "org": "HTX"})
    db.session.commit()
    for status in ("confirmed", "packed", "shipped", "delivered"):
        transition(order, status, seller[0])
        db.session.commit()
    return {"buyer": buyer, "live": live, "order": order, "org": seller[1]}


def test_the_export_holds_every_kind_of_record_the_buyer_has(seeded, client, auth):
    data = privacy.export_user_data(seeded["buyer"])
    for section in ("profile", "consents", "addresses", "orders", "comments", "notifications", "live_order_lines",
                    "messages"):
        assert data[section], section
    text = json.dumps(data, ensure_ascii=False)
    assert PHONE in data["comments"][0]["text"] and STREET in text and NAME in text
    assert data["orders"][0]["consent_version"] == "2026-01-01"
    assert {c["purpose"] for c in data["consents"]} == {"account", "marketing"}

    auth.login_as(seeded["buyer"])
    as_json = client.get("/account/data.json")
    assert as_json.status_code == 200 and "no-store" in as_json.headers["Cache-Control"]
    assert json.loads(as_json.get_data(as_text=True)).keys() == data.keys()
    archive = zipfile.ZipFile(io.BytesIO(client.get("/account/data.zip").data))
    assert {f"{s}.csv" for s in data} == set(archive.namelist())
    orders_csv = archive.read("orders.csv").decode("utf-8-sig")
    assert seeded["order"].number in orders_csv and STREET in orders_csv
    api = client.get("/api/v1/me/data")
    assert api.status_code == 200 and api.json["orders"][0]["number"] == seeded["order"].number
    page = client.get("/account/data").get_data(as_text=True)
    assert "Dữ liệu của tôi" in page


def _walk(app, who, values) -> dict[str, str]:
    """Every GET page and API answer `who` can reach whose arguments we can fill in: path → body."""
    adapter = app.url_map.bind("localhost")
    bodies = {}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in ("static", "media") or rule.endpoint.endswith(".static"):
            continue
        if not set(rule.arguments) <= set(values):
            continue
        path = adapter.build(rule.endpoint, {k: values[k] for k in rule.arguments})
        response = who.get(path)
        bodies[path] = response.get_data().decode("utf-8", "replace")
    return bodies


def test_deleting_the_account_leaves_no_name_phone_or_address_anywhere(seeded, app, db, connect, factory):  # noqa: F811
    buyer, live, order, org = seeded["buyer"], seeded["live"], seeded["order"], seeded["org"]
    me = app.test_client()
    AuthActions(me, None).login_as(buyer)
    wrong = me.post("/account/delete", data={"password": "not-it"})
    assert wrong.status_code == 422 and db.session.get(User, buyer.id).phone == "+84977123456"
    done = me.post("/account/delete", data={"password": "matkhau123"})
    assert done.status_code == 302
    assert me.get("/account").status_code == 302, "signed out"

    db.session.expire_all()
    user = db.session.get(User, buyer.id)
    assert user.is_deleted and user.phone is None and user.name == "" and user.street is None
    kept = db.session.scalar(select(Order).where(Order.id == order.id))
    assert (kept.total, kept.status, kept.lines[0].quantity) == (order.total, "delivered", 1)
    assert kept.buyer_name == kept.buyer_phone == kept.street == "" and kept.note is None

    values = {"session_id": live.id, "org_slug": org.slug, "slug": org.slug, "number": order.number,
              "live_id": live.id}
    owner, admin, anonymous = app.test_client(), app.test_client(), app.test_client()
    AuthActions(owner, None).login_as(org.memberships[0].user)
    AuthActions(admin, None).login_as(factory.user("Quản Trị Viên", is_admin=True))
    seen = 0
    for who in (owner, admin, anonymous):
        for path, body in _walk(app, who, values).items():
            seen += 1
            assert leaks(body) == [], (path, leaks(body))
    assert seen > 40
    # The seller's order page and the live console still show the order and the line, without the person.
    assert order.number in owner.get(f"/shop/manage/{org.slug}/orders/{order.number}").get_data(as_text=True)
    console = owner.get(f"/live/{live.id}/console").get_data(as_text=True)
    assert DELETED_VI in console

    # Socket replay on join: watchers and the seller's console get the line, under the deleted label.
    for sock in (connect(live.id, last_id=0), connect(live.id, org.memberships[0].user, last_id=0)):
        got = json.dumps(sock.get_received(NS), ensure_ascii=False)
        assert leaks(got) == [] and DELETED_VI in got

    export = json.dumps(privacy.export_user_data(user), ensure_ascii=False)
    assert leaks(export) == []


def test_a_delivery_under_way_blocks_deletion_and_changes_nothing(db, factory, auth, client, seller, make_live,
                                                                  connect, no_rate_limit):  # noqa: F811
    buyer = factory.user(NAME, login=PHONE)
    live = make_live([("A12", "Bưởi Diễn", 10, None)], live_price=50000)
    db.session.commit()
    assert comment(connect(live.id, buyer), "chốt A12", "b1")["reserved"]
    auth.login_as(buyer)
    response = client.post("/account/delete", data={"password": "matkhau123"})
    assert response.status_code == 422
    assert "live cart" in response.get_data(as_text=True) or "giỏ live" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, buyer.id).phone == "+84977123456"


def test_the_api_deletes_the_caller_with_a_token(db, factory, client):
    from app.accounts.services import issue_api_token

    buyer = factory.user(NAME, login=PHONE)
    raw, _ = issue_api_token(buyer, 30)
    db.session.commit()
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.delete("/api/v1/me", json={"password": "wrong-one"}, headers=headers).status_code == 400
    assert client.delete("/api/v1/me", json={"password": "matkhau123"}, headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401, "the token was revoked"
    db.session.expire_all()
    assert db.session.get(User, buyer.id).phone is None
