"""The outbox: one message per event, one attempt row per channel call, fallback, retries, no duplicate after a
crash, opt-out honoured; the real Zalo, eSMS and pywebpush clients against their doubles."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.accounts.models import Notification
from app.core.dbtypes import utcnow
from app.notify import outbox, services
from app.notify.models import ChannelConsent, OutboxAttempt, OutboxMessage, ProviderToken, PushSubscription


def messages(db, template=None):
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if template:
        query = query.where(OutboxMessage.template == template)
    return db.session.scalars(query).all()


def tries(db, message):
    return [(a.channel, a.number, a.status) for a in db.session.scalars(
        select(OutboxAttempt).where(OutboxAttempt.message_id == message.id).order_by(OutboxAttempt.id))]


def test_without_providers_the_bell_gets_the_order_at_once(db, buyer, place_order):
    order = place_order(buyer)
    [message] = messages(db, "order_placed")
    assert message.status == "sent" and message.channel == "inapp" and message.cost == 0
    assert tries(db, message) == [("inapp", 1, "sent")]
    [note] = db.session.scalars(select(Notification).where(Notification.user_id == buyer.id)).all()
    assert note.kind == "message" and note.link == f"/shop/orders/{order.number}"
    from app.accounts.notifications import text_of

    assert order.number in text_of(note) and "đã được đặt" in text_of(note)


def test_an_order_event_writes_one_message_and_one_attempt_per_channel_call(app, db, buyer, place_order, zalo, esms):
    order = place_order(buyer)
    [message] = messages(db, "order_placed")
    assert message.status == "pending" and message.tries == []  # nothing is sent inside the order's transaction
    assert outbox.send_due() == 1
    db.session.expire_all()
    message = db.session.get(OutboxMessage, message.id)
    assert tries(db, message) == [("zalo", 1, "sent")] and message.channel == "zalo"
    assert message.cost == app.config["NOTIFY_COST_ZALO"]
    [(tracking, phone, template_id, data)] = zalo.delivered
    assert tracking == f"cl{message.id}z" and phone == "84912345678" and template_id == "227001"
    assert data["order_code"] == order.number and data["shop_name"] == "HTX Bưởi Diễn"
    assert esms.delivered == [] and outbox.send_due() == 0  # sent once, never again
    # the same event again (a replayed signal) writes nothing new
    assert outbox.write("order_placed", dedupe_key=f"order_placed:{order.id}", template="order_placed",
                        params={}, user_id=buyer.id) is None


def test_fallback_to_sms_when_zalo_refuses(db, buyer, place_order, zalo, esms):
    zalo.without_zalo.add("84912345678")
    place_order(buyer)
    outbox.send_due()
    db.session.expire_all()
    [message] = messages(db, "order_placed")
    assert tries(db, message) == [("zalo", 1, "refused"), ("sms", 1, "sent")]
    assert message.status == "sent" and message.channel == "sms" and "-118" in message.last_error
    [(request_id, phone, content)] = esms.delivered
    assert request_id == f"cl{message.id}s" and phone == "0912345678"
    assert content.startswith("Cho Live: Don hang") and content.isascii()  # plain letters: one cheap SMS part


def test_a_provider_error_is_retried_later_with_backoff(app, db, buyer, place_order, zalo):
    place_order(buyer)
    zalo.fail_next(502)
    now = utcnow()
    assert outbox.send_due(now) == 0
    db.session.expire_all()
    [message] = messages(db, "order_placed")
    assert message.status == "pending" and tries(db, message) == [("zalo", 1, "error")]
    base = app.config["NOTIFY_RETRY_BASE_SECONDS"]
    assert abs((message.next_attempt_at - now).total_seconds() - base) < 2
    assert outbox.send_due(now + timedelta(seconds=base - 5)) == 0  # not due yet
    assert outbox.send_due(now + timedelta(seconds=base + 1)) == 1
    db.session.expire_all()
    assert tries(db, messages(db, "order_placed")[0]) == [("zalo", 1, "error"), ("zalo", 2, "sent")]
    assert len(zalo.delivered) == 1


def test_backoff_doubles_and_gives_up_on_a_channel_after_the_limit(app, db, buyer, place_order, zalo, monkeypatch):
    monkeypatch.setitem(app.config, "NOTIFY_MAX_ATTEMPTS", 2)
    place_order(buyer)
    assert outbox.backoff(app.config, 1) == timedelta(seconds=60) and outbox.backoff(app.config, 3) == timedelta(
        seconds=240)
    zalo.fail_next(503)
    zalo.fail_next(503)
    now = utcnow()
    outbox.send_due(now)
    outbox.send_due(now + timedelta(minutes=2))
    outbox.send_due(now + timedelta(minutes=10))
    db.session.expire_all()
    [message] = messages(db, "order_placed")
    # two tries on Zalo, then the bell: the buyer still hears about the order
    assert tries(db, message) == [("zalo", 1, "error"), ("zalo", 2, "error"), ("inapp", 1, "sent")]


class ProcessDied(BaseException):
    """What a killed process looks like to the code after the provider call: nothing more runs."""


@pytest.mark.parametrize("channel", ["zalo", "sms"])
def test_no_second_message_after_a_crash_between_send_and_mark(app, db, buyer, place_order, zalo, esms,
                                                                monkeypatch, channel):
    if channel == "sms":
        zalo.without_zalo.add("84912345678")
    place_order(buyer)
    real_record = outbox._record

    def crash_after_the_provider_took_it(message, attempt, result, now):
        if result.status == "sent":
            raise ProcessDied()
        real_record(message, attempt, result, now)

    monkeypatch.setattr(outbox, "_record", crash_after_the_provider_took_it)
    now = utcnow()
    with pytest.raises(ProcessDied):
        outbox.send_due(now)
    db.session.rollback()
    monkeypatch.setattr(outbox, "_record", real_record)
    delivered = zalo.delivered if channel == "zalo" else esms.delivered
    assert len(delivered) == 1
    assert outbox.send_due(now + timedelta(seconds=5)) == 0  # the claim's lease still holds: nobody touches it
    lease = app.config["NOTIFY_SENDING_LEASE_SECONDS"]
    outbox.send_due(now + timedelta(seconds=lease + 1))
    outbox.send_due(now + timedelta(seconds=lease + 3600))
    db.session.expire_all()
    [message] = messages(db, "order_placed")
    assert message.status == "sent" and message.channel == channel
    assert len(delivered) == 1, "the buyer got the message twice"
    if channel == "zalo":
        assert tries(db, message) == [("zalo", 1, "unknown")]  # Zalo cannot say: never resent
        assert len(zalo.calls("/message/template")) == 1
    else:
        # eSMS is asked again with the same RequestId and answers "Request exist": delivered once
        assert tries(db, message) == [("zalo", 1, "refused"), ("sms", 1, "sent")]
        assert [r.json()["RequestId"] for r in esms.calls(
            "/MainService.svc/json/SendMultipleMessage_V4_post_json/")] == [f"cl{message.id}s"] * 2


def test_two_senders_never_take_the_same_message(app, db, buyer, place_order, zalo):
    place_order(buyer)
    [message] = messages(db, "order_placed")
    now = utcnow()
    assert outbox._claim(message.id, now, timedelta(minutes=5)) is True
    assert outbox._claim(message.id, now, timedelta(minutes=5)) is False
    assert outbox.send_one(message.id, now) is None and zalo.delivered == []


def test_a_channel_turned_off_is_never_tried_and_the_choice_is_kept_with_its_time(db, buyer, place_order, zalo,
                                                                                    esms):
    before = utcnow()
    assert services.set_channels(buyer, {"zalo": False}, "account page") == 1
    assert services.set_channels(buyer, {"zalo": False}, "account page") == 0  # no change, no new row
    db.session.commit()
    place_order(buyer)
    outbox.send_due()
    db.session.expire_all()
    [message] = messages(db, "order_placed")
    assert tries(db, message) == [("sms", 1, "sent")] and zalo.calls("/message/template") == []
    [consent] = db.session.scalars(select(ChannelConsent)).all()
    assert (consent.user_id, consent.channel, consent.granted, consent.source) == (buyer.id, "zalo", False,
                                                                                   "account page")
    assert consent.created_at >= before
    services.set_channels(buyer, {"zalo": True}, "account page")
    db.session.commit()
    assert db.session.scalar(select(func.count(ChannelConsent.id))) == 2


def test_the_buyer_may_put_another_channel_first(db, buyer, place_order, zalo, esms):
    services.set_first_channel(buyer, "sms")
    db.session.commit()
    place_order(buyer)
    outbox.send_due()
    db.session.expire_all()
    assert tries(db, messages(db, "order_placed")[0]) == [("sms", 1, "sent")] and zalo.delivered == []


def test_zalo_tokens_are_refreshed_and_the_rotated_refresh_token_kept(db, buyer, place_order, zalo):
    first = zalo.refresh_token
    place_order(buyer)
    outbox.send_due()
    token = db.session.get(ProviderToken, "zalo_zns")
    assert token.refresh_token == zalo.refresh_token != first  # the spent one is never used again
    zalo.expire_tokens()  # Zalo now answers -124 to the stored access token
    place_order(buyer, phone="0912345679")
    outbox.send_due()
    assert len(zalo.delivered) == 2 and len(zalo.calls("/v4/oa/access_token")) == 2
    assert [r.header("secret_key") for r in zalo.calls("/v4/oa/access_token")] == [zalo.app_secret] * 2


def test_web_push_reaches_the_browser_with_vapid_and_an_encrypted_payload(client, auth, db, buyer, place_order,
                                                                          push):
    auth.login_as(buyer)
    subscription = push.subscription()
    response = client.post("/account/notifications/push", json=subscription)
    assert response.status_code == 201
    order = place_order(buyer)
    assert outbox.send_due() == 1
    [(browser, payload, topic)] = push.shown
    [message] = messages(db, "order_placed")
    assert payload["url"].endswith(f"/shop/orders/{order.number}") and order.number in payload["body"]
    assert payload["title"] == f"Đơn hàng {order.number} đã được đặt" and topic == f"cl{message.id}p"
    assert push.refusals == []


def test_a_push_subscription_gone_is_deleted_and_the_bell_takes_over(client, auth, db, buyer, place_order, push):
    auth.login_as(buyer)
    subscription = push.subscription()
    client.post("/account/notifications/push", json=subscription)
    push.gone.add(subscription["endpoint"].rsplit("/", 1)[-1])
    place_order(buyer)
    outbox.send_due()
    db.session.expire_all()
    assert db.session.scalar(select(func.count(PushSubscription.id))) == 0
    assert tries(db, messages(db, "order_placed")[0]) == [("push", 1, "refused"), ("inapp", 1, "sent")]


def test_routed_bell_kinds_become_outbox_messages(db, buyer):
    from app.accounts import notifications

    note = notifications.notify(buyer.id, "waitlist_served", {"quantity": 2, "name": "Bưởi"}, "/live/1")
    db.session.commit()
    [message] = messages(db, "waitlist_served")
    assert note is not None and note.kind == "waitlist_served" and message.channel == "inapp"
    assert notifications.text_of(note).startswith("Tin vui")


def test_a_bell_kind_without_a_template_goes_through_the_outbox_to_the_bell_only(db, buyer, monkeypatch, esms):
    from app.accounts import notifications
    from app.notify import subscribers

    monkeypatch.setattr(subscribers, "ROUTED_KINDS", subscribers.ROUTED_KINDS | {"live_started"})
    note = notifications.notify(buyer.id, "live_started", {"org": "HTX A", "title": "Bưởi"}, "/live/1")
    db.session.commit()
    [message] = messages(db, "live_started")
    assert note.kind == "live_started" and tries(db, message) == [("inapp", 1, "sent")]
    assert esms.delivered == []  # news is never an SMS
