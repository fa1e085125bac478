"""The notification pages: the admin's only for admins, a buyer's settings and browsers only their own, push
endpoints only at known push services (never an address inside our network)."""
from __future__ import annotations

from sqlalchemy import select

from app.notify.models import ChannelConsent, PushSubscription

SUBSCRIPTION = {"endpoint": "https://fcm.googleapis.com/fcm/send/abc", "keys": {
    "p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
    "auth": "tBHItJI5svbpez7KI4CCXg"}}


def test_the_admin_page_is_for_admins_and_says_which_providers_are_off(client, auth, factory, db):
    assert client.get("/admin/notifications").status_code == 302  # sign in first
    buyer = factory.user("Người mua")
    auth.login_as(buyer)
    assert client.get("/admin/notifications").status_code == 403
    auth.logout()
    admin = factory.user("Quản trị", is_admin=True)
    auth.login_as(admin)
    page = client.get("/admin/notifications").get_data(as_text=True)
    for channel in ("zalo", "sms", "push"):
        assert f'data-testid="provider-{channel}"' in page
    assert page.count("tắt: không gửi gì qua kênh này") == 3 and "ZALO_APP_ID" in page and "ESMS_BRANDNAME" in page
    assert 'data-testid="template-order_placed"' in page and "Đơn hàng CL7K3P9Q đã được đặt" in page
    english = client.get("/admin/notifications?lang=en").get_data(as_text=True)
    assert "Order CL7K3P9Q placed" in english


def test_a_buyer_saves_channel_choices_as_consents(client, auth, factory, db):
    buyer = factory.user("Người mua")
    auth.login_as(buyer)
    page = client.get("/account/notifications").get_data(as_text=True)
    assert 'data-testid="push-off"' in page  # web push not configured: the page says so
    client.post("/account/notifications", data={"sms": "on", "push": "on", "first": "sms"})
    [consent] = db.session.scalars(select(ChannelConsent)).all()
    assert (consent.user_id, consent.channel, consent.granted) == (buyer.id, "zalo", False)
    response = client.post("/account/notifications", data={"first": "fax"})
    assert response.status_code == 200 and "Kênh thông báo không hợp lệ" in response.get_data(as_text=True)


def test_push_subscriptions_only_for_signed_in_buyers_and_known_push_services(client, auth, factory, db):
    assert client.post("/account/notifications/push", json=SUBSCRIPTION).status_code in (302, 401)
    buyer = factory.user("Người mua")
    auth.login_as(buyer)
    inside = dict(SUBSCRIPTION, endpoint="http://127.0.0.1:6379/")
    response = client.post("/account/notifications/push", json=inside)
    assert response.status_code == 400 and response.json["code"] == "push_origin"
    assert client.post("/account/notifications/push", json={"endpoint": "x"}).status_code == 400
    assert client.post("/account/notifications/push", json=SUBSCRIPTION).status_code == 201
    assert db.session.scalars(select(PushSubscription)).one().user_id == buyer.id


def test_a_buyer_cannot_remove_another_buyers_browser(client, auth, factory, db):
    owner_of_browser = factory.user("Chủ trình duyệt")
    auth.login_as(owner_of_browser)
    client.post("/account/notifications/push", json=SUBSCRIPTION)
    auth.logout()
    auth.login_as(factory.user("Người khác"))
    assert client.post("/account/notifications/push/remove",
                       json={"endpoint": SUBSCRIPTION["endpoint"]}).json == {"removed": 0}
    assert db.session.scalars(select(PushSubscription)).one().user_id == owner_of_browser.id


def test_the_service_worker_is_served_for_the_whole_site(client):
    response = client.get("/sw.js")
    assert response.status_code == 200 and response.headers["Service-Worker-Allowed"] == "/"
    assert "notificationclick" in response.get_data(as_text=True)
