"""Practice live: sandbox stock, simulated buyers through the real live services, the score card, privacy."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.core.dbtypes import utcnow
from app.errors import Forbidden, InvalidInput
from app.extensions import socketio
from app.livestream import queries as live_queries
from app.livestream import services as live_services
from app.livestream.models import ChatMessage, LiveReservation
from app.shop import services as shop_services
from app.shop.models import Product, StockMovement, Variant
from app.shop.ordering.models import Order
from app.training.checks import check_practice_orders
from app.training.practice import driver, scorecard, services
from app.training.practice.models import PracticeComment, PracticeRun


def _real_stock(products):
    return {v.id: (v.received, v.available, v.reserved, v.sold)
            for p in products for v in db_session().scalars(select(Variant).where(Variant.product_id == p.id))}


def db_session():
    from app.extensions import db
    return db.session


def _play_all(run, start, step_s=3.0):
    """Deliver every scripted comment, one every step_s seconds of the run's clock; returns the last time."""
    now = start
    while True:
        now += timedelta(seconds=step_s)
        if services.deliver_next(run, now) is None:
            return now


def test_practice_without_products_uses_demo_goods_in_a_hidden_sandbox(db, trainee):
    run = services.start_practice(trainee, pace="calm", seed=11)
    db.session.commit()
    live = run.session
    assert live.is_practice and live.state == "live"
    assert live.organisation_id == run.sandbox.organisation_id
    codes = [lp.live_code for lp in live.products]
    assert codes == ["B1", "G2", "C3", "M4", "R5"]
    assert all(lp.product.status == "draft" for lp in live.products), "sandbox copies never show in the shop"
    assert [lp.allotment for lp in live.products] == [services.RACE_STOCK] + [services.SANDBOX_STOCK["calm"]] * 4, \
        "B1, the first product without options, is the one buyers race for: little stock"
    assert len(run.comments) >= 18
    assert {c.intent for c in run.comments} >= {"order", "question", "chat"}
    # Never listed anywhere public.
    assert live not in live_queries.current_and_upcoming()
    assert live_queries.recently_ended() == []


def test_copies_of_the_trainees_products_with_their_codes_and_options(db, trainee, trainee_shop):
    org, (pomelo, rice) = trainee_shop
    run = services.start_practice(trainee, pace="busy", product_ids=[rice.id], seed=3)
    db.session.commit()
    lp, *filled = run.session.products
    assert lp.live_code == "GT2" and lp.product.name == "Gạo tám thơm" and lp.product_id != rice.id
    assert [f.live_code for f in filled] == ["B1", "G2"], "sample goods fill a thin live up to three products"
    assert [v.label for v in lp.product.active_variants] == ["5kg", "10kg"]
    assert lp.product.organisation_id != org.id
    texts = " ".join(c.text.lower() for c in run.comments)
    assert "gt2" in texts and "bd1" not in texts, "only the chosen product, not the other one of the shop"


def test_simulated_comments_reach_the_real_chat_and_never_touch_real_stock_or_orders(db, trainee, trainee_shop):
    org, products = trainee_shop
    before = _real_stock(products)
    movements = db.session.scalar(select(func.count(StockMovement.id)))
    run = services.start_practice(trainee, pace="flash", seed=5)
    db.session.commit()
    sandbox_movements = db.session.scalar(select(func.count(StockMovement.id))) - movements
    _play_all(run, run.started_at, 0.5)
    db.session.commit()

    messages = db.session.scalars(select(ChatMessage).where(ChatMessage.session_id == run.session_id)).all()
    assert len(messages) == len(run.comments)
    assert {m.kind for m in messages} >= {"order", "question", "chat"}
    held = db.session.scalars(select(LiveReservation).where(LiveReservation.session_id == run.session_id)).all()
    assert held, "orders became live reservations"
    sandbox_variants = {v.id for lp in run.session.products for v in lp.product.variants}
    assert {r.variant_id for r in held} <= sandbox_variants

    assert _real_stock(products) == before, "real stock untouched"
    real_ids = {v.id for p in products for v in p.variants}
    assert db.session.scalar(select(func.count(StockMovement.id)).where(
        StockMovement.variant_id.in_(real_ids))) == 2 + 1, "only the test's own opening stock moved real variants"
    assert db.session.scalar(select(func.count(Order.id))) == 0, "no order, real or otherwise"
    assert sandbox_movements > 0


def test_the_race_for_the_last_unit_is_settled_by_the_live_services(db, trainee):
    run = services.start_practice(trainee, pace="busy", seed=8)
    db.session.commit()
    _play_all(run, run.started_at)
    db.session.commit()
    loser = next(c for c in run.comments if c.intent == "race_loser")
    winner = run.comments[loser.seq - 2]
    import json
    assert json.loads(winner.message.ack_json)["reserved"], winner.text
    ack = json.loads(loser.message.ack_json)
    assert ack["ok"] is False and ack["error"]["code"] == "out_of_stock", loser.text


def test_score_card_when_the_trainee_does_nothing(db, trainee):
    run = services.start_practice(trainee, pace="busy", seed=21)
    db.session.commit()
    end = _play_all(run, run.started_at)
    services.finish_practice(trainee, run, now=end)
    db.session.commit()
    result = run.result
    assert run.status == "finished" and run.session.state == "ended"
    soft = [c for c in run.comments if c.intent == "soft_cancel"]
    questions = [c for c in run.comments if c.intent in ("question", "race_loser")]
    assert result["questions"] == len(questions) and result["answered"] == 0
    assert result["median_answer_seconds"] is None
    assert len(result["unanswered"]) == len(questions)
    assert "unanswered" in result["tips"]
    if soft:
        assert result["wrong_lines"], "lines of buyers who backed out stayed"
        assert "wrong_lines" in result["tips"]
    assert result["missed_comments"] >= len(questions)
    assert run.orders_expected == result["orders_expected"] > 0


def test_score_card_for_a_trainee_who_does_everything_right(db, trainee):
    run = services.start_practice(trainee, pace="flash", seed=21)
    db.session.commit()
    live = run.session
    now = run.started_at
    waits = []
    for comment in list(run.comments):
        now += timedelta(seconds=3)
        services.deliver_next(run, now)
        if comment.intent == "soft_cancel":
            for res in live_queries.buyer_reservations(live.id, comment.buyer_user_id):
                live_services.cancel_reservation(trainee, res)
        if comment.intent in ("question", "race_loser"):
            wait = 4 + len(waits) % 3  # 4, 5, 6 s, ...
            waits.append(wait)
            live_services.post_seller_reply(trainee, live, "Dạ còn ạ, chị chốt nhé", f"r{comment.seq}",
                                            now=now + timedelta(seconds=wait))
            now += timedelta(seconds=wait)
    db.session.commit()
    services.finish_practice(trainee, run, now=now)
    db.session.commit()
    result = run.result
    assert result["orders_correct"] == result["orders_expected"] >= 5
    assert result["wrong_lines"] == [] and result["missed_orders"] == [] and result["unanswered"] == []
    from statistics import median
    assert waits and result["median_answer_seconds"] == round(median(waits), 1)
    assert result["tips"] == ["well_done"]
    assert check_practice_orders(trainee.id).done


def test_cancelling_a_good_line_is_a_missed_order(db, trainee):
    run = services.start_practice(trainee, pace="calm", seed=4)
    db.session.commit()
    end = _play_all(run, run.started_at)
    scorecard.score(run)  # no side effect
    kept = live_queries.held_queue(run.session_id)
    expected_before = scorecard.score(run)["orders_correct"]
    victim = kept[0]
    live_services.cancel_reservation(trainee, victim)
    result = services.finish_practice(trainee, run, now=end).result
    assert result["orders_correct"] == expected_before - 1
    assert any(line["code"] == victim.live_product.live_code for line in result["missed_orders"])
    assert "missed_orders" in result["tips"]


def test_finishing_twice_keeps_the_first_score_and_a_new_run_can_start(db, trainee):
    run = services.start_practice(trainee, pace="calm", seed=1)
    db.session.commit()
    with pytest.raises(services.PracticeRunning):
        services.start_practice(trainee, pace="busy")
    services.deliver_next(run)
    services.finish_practice(trainee, run)
    first = dict(run.result)
    services.finish_practice(trainee, run)
    assert run.result == first and "ended_early" in first["tips"]
    assert services.deliver_next(run) is None, "an ended practice takes no more comments"
    again = services.start_practice(trainee, pace="flash", seed=2)
    db.session.commit()
    assert again.sandbox_id == run.sandbox_id and again.session_id != run.session_id
    assert [lp.allotment for lp in again.session.products] == [services.RACE_STOCK] + [8] * 4
    assert all(v.available >= services.SANDBOX_STOCK["flash"] for lp in again.session.products
               for v in lp.product.active_variants)


def test_deliver_due_follows_the_clock(db, trainee):
    run = services.start_practice(trainee, pace="calm", seed=9)
    db.session.commit()
    assert services.deliver_due(run, run.started_at) == []
    first = run.comments[0]
    got = services.deliver_due(run, run.started_at + timedelta(milliseconds=first.at_ms))
    assert [d.payload["text"] for d in got] == [first.text]
    rest = services.deliver_due(run, run.started_at + timedelta(hours=1), limit=1000)
    assert len(rest) == len(run.comments) - 1
    assert services.is_done(run)


# Bad input --------------------------------------------------------------------------------------------

def test_a_practice_live_cannot_touch_real_stock(db, trainee, trainee_shop):
    org, (pomelo, rice) = trainee_shop
    run = services.start_practice(trainee, pace="calm", seed=1)
    db.session.commit()
    with pytest.raises(Forbidden):
        live_services.add_live_product(trainee, run.session, pomelo, live_code="ZZ9")
    db.session.rollback()
    assert pomelo.variants[0].reserved == 0 and pomelo.variants[0].available == 30


def test_practising_with_someone_elses_product_is_refused(db, factory, trainee):
    other = factory.user("Người khác")
    other_org = factory.org(other, name="HTX Khác")
    foreign = shop_services.create_product(other, other_org, shop_services.ProductData(
        name="Mật ong", category="processed", unit="bottle", price=150_000, code="MO1", status="active"), stock=5)
    db.session.commit()
    with pytest.raises(Forbidden):
        services.start_practice(trainee, pace="busy", product_ids=[foreign.id])
    db.session.rollback()
    assert db.session.scalar(select(func.count(PracticeRun.id))) == 0
    with pytest.raises(InvalidInput):
        services.start_practice(trainee, pace="supersonic")


def test_a_real_buyers_comment_on_a_practice_live_is_refused(db, factory, trainee):
    run = services.start_practice(trainee, pace="busy", seed=1)
    db.session.commit()
    buyer = factory.user("Khách thật")
    with pytest.raises(Forbidden) as err:
        live_services.post_comment(run.session_id, buyer, "chốt B1 x1", "c1")
    assert err.value.code == "practice_live"
    with pytest.raises(Forbidden):  # the trainee cannot order from their own practice either
        live_services.post_comment(run.session_id, trainee, "chốt B1 x1", "c2")
    db.session.rollback()
    assert db.session.scalar(select(func.count(ChatMessage.id))) == 0


def test_a_stranger_cannot_see_or_join_a_practice_live(app, db, factory, auth, client, trainee):
    run = services.start_practice(trainee, pace="busy", seed=1)
    db.session.commit()
    stranger = factory.user("Người lạ")
    auth.login_as(stranger)
    assert client.get(f"/live/{run.session_id}").status_code == 404
    assert client.get(f"/live/{run.session_id}/claims").status_code == 404
    assert client.get(f"/live/{run.session_id}/console").status_code == 403
    assert client.get(f"/api/v1/live/sessions/{run.session_id}").status_code == 404
    assert run.session_id not in [s["id"] for s in client.get("/api/v1/live/sessions").get_json()]
    assert client.get(f"/training/practice/{run.id}").status_code == 404
    assert client.post(f"/training/practice/{run.id}/finish").status_code == 404
    sock = socketio.test_client(app, namespace="/live", auth={"session_id": run.session_id}, flask_test_client=client)
    assert not sock.is_connected("/live")
    anonymous = socketio.test_client(app, namespace="/live", auth={"session_id": run.session_id})
    assert not anonymous.is_connected("/live")
    db.session.refresh(run)
    assert run.status == "running"


def test_trainers_may_look_but_not_finish(app, db, factory, auth, client, trainee):
    run = services.start_practice(trainee, pace="busy", seed=1)
    db.session.commit()
    trainer = factory.user("Cô giáo Hằng", is_trainer=True)
    auth.login_as(trainer)
    assert client.get(f"/training/practice/{run.id}").status_code == 200
    assert client.get(f"/live/{run.session_id}").status_code == 200
    assert client.post(f"/training/practice/{run.id}/finish").status_code == 404
    page = client.get("/training/practice/").get_data(as_text=True)
    assert "Phạm Thị Thanh" in page


# Pages and the driver ------------------------------------------------------------------------------------

def test_pages_start_console_banner_and_score_card(app, db, auth, client, trainee):
    auth.login_as(trainee)
    page = client.get("/training/practice/")
    assert page.status_code == 200 and 'name="pace"' in page.get_data(as_text=True)
    response = client.post("/training/practice/", data={"pace": "busy"})
    assert response.status_code == 302
    run = db.session.scalar(select(PracticeRun))
    assert response.headers["Location"].endswith(f"/live/{run.session_id}/console")
    console = client.get(f"/live/{run.session_id}/console").get_data(as_text=True)
    assert 'data-testid="practice-banner"' in console and "console-reply" in console
    assert client.get(f"/training/practice/live/{run.session_id}").headers["Location"].endswith(
        f"/training/practice/{run.id}")
    assert 'data-testid="practice-status"' in client.get(f"/training/practice/{run.id}").get_data(as_text=True)
    assert client.post("/training/practice/", data={"pace": "busy"}).status_code == 409

    for _ in range(8):
        driver.step(run.id)
    db.session.expire_all()
    response = client.post(f"/training/practice/{run.id}/finish")
    assert response.status_code == 302
    card = client.get(f"/training/practice/{run.id}").get_data(as_text=True)
    assert 'data-testid="scorecard"' in card and 'data-testid="score-orders"' in card


def test_ending_the_live_in_the_console_gives_the_score_card_on_the_next_visit(app, db, auth, client, trainee):
    run = services.start_practice(trainee, pace="calm", seed=3)
    db.session.commit()
    live_services.end_live(trainee, run.session)
    db.session.commit()
    auth.login_as(trainee)
    card = client.get(f"/training/practice/{run.id}").get_data(as_text=True)
    assert 'data-testid="scorecard"' in card
    db.session.expire_all()
    assert db.session.get(PracticeRun, run.id).status == "finished"


def test_driver_tick_commits_and_broadcasts_to_the_console(app, db, auth, client, trainee):
    run = services.start_practice(trainee, pace="busy", seed=6)
    db.session.commit()
    auth.login_as(trainee)
    sock = socketio.test_client(app, namespace="/live", auth={"session_id": run.session_id}, flask_test_client=client)
    assert sock.is_connected("/live")
    sock.get_received("/live")
    first_two = run.comments[1].at_ms
    assert driver.tick(run.id, now=run.started_at + timedelta(milliseconds=first_two)) is True
    received = sock.get_received("/live")
    texts = [(p["args"] if isinstance(p["args"], dict) else p["args"][0])["text"]
             for p in received if p["name"] == "message"]
    assert texts == [run.comments[0].text, run.comments[1].text]
    assert any(p["name"] == "order" for p in received), "the sellers' room gets the parse and the queue"
    later = run.started_at + timedelta(hours=1)
    assert driver.tick(run.id, now=later) is True, "at most 20 comments a tick: a late driver catches up gradually"
    assert driver.tick(run.id, now=later) is False
    assert db.session.scalar(select(func.count(PracticeComment.id)).where(
        PracticeComment.run_id == run.id, PracticeComment.delivered_at.is_(None))) == 0
    sock.disconnect("/live")


def test_seller_reply_over_the_socket_is_a_chat_line_not_an_order(app, db, auth, client, trainee):
    run = services.start_practice(trainee, pace="busy", seed=6)
    db.session.commit()
    auth.login_as(trainee)
    sock = socketio.test_client(app, namespace="/live", auth={"session_id": run.session_id}, flask_test_client=client)
    ack = sock.emit("seller_reply", {"text": "Dạ B1 còn ạ, chốt B1 x2 nhé", "client_id": "r1"}, namespace="/live",
                    callback=True)
    assert ack["ok"] is True
    again = sock.emit("seller_reply", {"text": "Dạ B1 còn ạ, chốt B1 x2 nhé", "client_id": "r1"}, namespace="/live",
                      callback=True)
    assert again["message_id"] == ack["message_id"]
    message = db.session.get(ChatMessage, ack["message_id"])
    assert message.kind == "chat" and message.user_id == trainee.id
    shown = live_queries.message_payload(message)
    assert shown["seller"] is True and shown["user"] == run.sandbox.organisation.name, "the shop answers by its name"
    assert live_queries.console_message_payload(message)["buyer"] == run.sandbox.organisation.name
    assert db.session.scalar(select(func.count(LiveReservation.id))) == 0
    # A buyer-style comment from the trainee is still refused on a practice live.
    refused = sock.emit("comment", {"text": "chốt B1", "client_id": "c1"}, namespace="/live", callback=True)
    assert refused["ok"] is False and refused["error"]["code"] == "practice_live"
    sock.disconnect("/live")


def test_simulated_buyers_cannot_sign_in(db, trainee, client):
    services.ensure_buyers()
    db.session.commit()
    response = client.post("/login", data={"login": "khach-ao-hoa@practice.invalid", "password": "!"})
    assert response.status_code != 302


def test_unknown_run_is_404(auth, client, trainee):
    auth.login_as(trainee)
    assert client.get("/training/practice/999999").status_code == 404
    assert client.get("/training/practice/live/999999").status_code == 404


def test_sandbox_products_are_not_in_the_shop(db, client, trainee):
    run = services.start_practice(trainee, pace="calm", seed=1)
    db.session.commit()
    copy = run.session.products[0].product
    assert client.get(f"/shop/p/{copy.id}").status_code == 404
    assert "Bưởi Diễn" not in client.get("/shop/").get_data(as_text=True)
    assert db.session.scalar(select(func.count(Product.id)).where(Product.status == "active")) == 0


def test_a_real_buyer_cannot_queue_for_a_practice_live_and_its_replay_is_private(db, factory, auth, client, trainee):
    from app.livestream import afterlive
    from app.livestream.models import LiveWaitlist

    run = services.start_practice(trainee, pace="calm", seed=2)
    db.session.commit()
    buyer = factory.user("Khách thật")
    with pytest.raises(Forbidden) as err:
        afterlive.join_waitlist(buyer, run.session, "B1", 1)
    assert err.value.code == "practice_live"
    db.session.rollback()
    assert db.session.scalar(select(func.count(LiveWaitlist.id))) == 0
    auth.login_as(buyer)
    for path in ("replay", "replay.json", "replay.mp4"):
        assert client.get(f"/live/{run.session_id}/{path}").status_code == 404, path


def test_slow_mode_drops_simulated_comments_without_stopping_the_practice(db, trainee):
    run = services.start_practice(trainee, pace="flash", seed=12)
    live_services.set_slow_mode(trainee, run.session, 3600)
    db.session.commit()
    delivered = services.deliver_due(run, run.started_at + timedelta(hours=1), limit=1000)
    db.session.commit()
    assert len(delivered) == len(run.comments) and services.is_done(run)
    refused = [d for d in delivered if d.payload is None]
    assert refused and all(d.ack["ok"] is False for d in refused)
    buyers = {c.buyer_user_id for c in run.comments}
    assert db.session.scalar(select(func.count(ChatMessage.id)).where(
        ChatMessage.session_id == run.session_id)) == len(buyers), "one comment per buyer got through"
    result = services.finish_practice(trainee, run).result
    assert result["comments"] == len(buyers)


def test_driver_starts_once_per_run_and_again_after_it_stopped(app, db, trainee, monkeypatch):
    started = []
    monkeypatch.setitem(app.config, "PRACTICE_DRIVER", "thread")
    monkeypatch.setattr(socketio, "start_background_task", lambda fn, *args: started.append(args))
    run = services.start_practice(trainee, pace="calm", seed=2)
    db.session.commit()
    assert driver.start_driver(run.id) is True
    assert driver.start_driver(run.id) is False, "one driver per run in a process"
    assert len(started) == 1
    driver._driving.discard(run.id)  # the driver thread ended (server restart, crash)
    assert driver.start_driver(run.id) is True
    driver._driving.discard(run.id)
    monkeypatch.setitem(app.config, "PRACTICE_DRIVER", "manual")
    assert driver.start_driver(run.id) is False


def test_background_driver_delivers_every_comment_then_stops(app, db, trainee, monkeypatch):
    """The thread's loop, run inline: each tick commits and broadcasts; the loop ends when the script is done."""
    from datetime import datetime

    run = services.start_practice(trainee, pace="calm", seed=2)
    db.session.commit()
    run_id, late = run.id, run.started_at + timedelta(hours=2)

    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):
            return late

    monkeypatch.setattr("app.core.dbtypes.datetime", Clock)
    monkeypatch.setattr(socketio, "sleep", lambda seconds: None)
    driver._driving.add(run_id)
    driver._drive(app, run_id)
    assert run_id not in driver._driving
    assert db.session.scalar(select(func.count(PracticeComment.id)).where(
        PracticeComment.run_id == run_id, PracticeComment.delivered_at.is_(None))) == 0


def test_followers_of_the_sandbox_are_never_told_a_practice_is_on_air(db, factory, trainee):
    from app.accounts.models import Notification
    from app.livestream import follows

    first = services.start_practice(trainee, pace="calm", seed=1)
    services.finish_practice(trainee, first)
    fan = factory.user("Người theo dõi")
    follows.follow(fan, first.sandbox.organisation)
    db.session.commit()
    services.start_practice(trainee, pace="busy", seed=2)
    db.session.commit()
    assert db.session.scalar(select(func.count(Notification.id))) == 0


def test_the_trainee_is_a_sandbox_member_only_while_practising(db, auth, client, trainee):
    from app.accounts.services import membership

    run = services.start_practice(trainee, pace="calm", seed=1)
    db.session.commit()
    org = run.sandbox.organisation
    assert membership(trainee, org) is not None
    copy = run.session.products[0].product
    with pytest.raises(InvalidInput):  # a practice stall's copies can never be published, even mid-practice
        shop_services.set_status(trainee, copy, "active")
    db.session.rollback()
    services.finish_practice(trainee, run)
    db.session.commit()
    assert membership(trainee, org) is None
    assert copy.status == "draft", "sandbox copies never reach the shop"
    with pytest.raises(Forbidden):
        shop_services.set_status(trainee, copy, "active")
    db.session.rollback()
    auth.login_as(trainee)
    assert client.get(f"/live/{run.session_id}/claims").status_code == 200, "the trainee still reads their claim log"
    assert client.get(f"/live/{run.session_id}/console").status_code == 403
    again = services.start_practice(trainee, pace="busy", seed=2)
    db.session.commit()
    assert membership(trainee, again.sandbox.organisation) is not None


def test_the_training_page_links_to_the_practice_live(auth, client, trainee):
    assert "/training/practice/" not in client.get("/training/").get_data(as_text=True)
    auth.login_as(trainee)
    assert 'href="/training/practice/"' in client.get("/training/").get_data(as_text=True)


def test_only_members_reply_as_the_seller(app, db, factory, auth, client):
    owner = factory.user("Chủ hộ")
    org = factory.org(owner, name="Hộ bán thử")
    live = live_services.schedule_live(owner, org, title="Phiên thử", scheduled_at=utcnow())
    live_services.start_live(owner, live)
    db.session.commit()
    buyer = factory.user("Khách")
    auth.login_as(buyer)
    sock = socketio.test_client(app, namespace="/live", auth={"session_id": live.id}, flask_test_client=client)
    assert sock.is_connected("/live"), "a public live is open to everyone"
    ack = sock.emit("seller_reply", {"text": "Tôi là chủ shop", "client_id": "x1"}, namespace="/live", callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "not_a_member"
    bad = sock.emit("seller_reply", {"text": 42}, namespace="/live", callback=True)
    assert bad["ok"] is False
    assert db.session.scalar(select(func.count(ChatMessage.id))) == 0
    with pytest.raises(InvalidInput):
        live_services.post_seller_reply(owner, live, "   ", "x2")
    live_services.end_live(owner, live)
    with pytest.raises(live_services.LiveNotOnAir):
        live_services.post_seller_reply(owner, live, "Cảm ơn cả nhà", "x3")
    sock.disconnect("/live")


def test_options_renamed_between_practices_and_held_lines_released_at_the_end(db, trainee, trainee_shop):
    org, (pomelo, rice) = trainee_shop
    first = services.start_practice(trainee, pace="flash", product_ids=[rice.id], seed=4)
    db.session.commit()
    while services.deliver_next(first) is not None:
        pass
    copy = first.session.products[0].product
    assert any(v.reserved for v in copy.variants), "simulated buyers hold lines"
    services.finish_practice(trainee, first)
    db.session.commit()
    for v in copy.variants:
        db.session.refresh(v)
    assert all(v.reserved == 0 for v in copy.variants), "held lines went back to the sandbox shelf"
    assert first.result["orders_expected"] > 0, "the score was taken before the release"
    assert live_queries.held_queue(first.session_id) == []

    rows = [shop_services.VariantRow(v.id, "5 kg" if v.label == "5kg" else v.label, v.price) for v in rice.variants]
    shop_services.set_variants(trainee, rice, rows)  # the trainee renamed an option in their real shop
    db.session.commit()
    second = services.start_practice(trainee, pace="calm", product_ids=[rice.id], seed=5)
    db.session.commit()
    copy = second.session.products[0].product
    assert sorted(v.label for v in copy.active_variants) == ["10kg", "5 kg"]
    assert all(v.available >= services.SANDBOX_STOCK["calm"] for v in copy.active_variants)


def test_a_race_loser_served_after_all_is_an_order_on_the_score_card_as_in_the_claims_log(db, trainee):
    """The claims log shows the loser's line once the winner's unit came back: the score card counts it as an
    order, never as a question nobody answered."""
    run = services.start_practice(trainee, pace="busy", seed=8)
    db.session.commit()
    live = run.session
    loser = next(c for c in run.comments if c.intent == "race_loser")
    winner = run.comments[loser.seq - 2]
    now = run.started_at
    for comment in list(run.comments):
        now += timedelta(seconds=3)
        if comment.seq == loser.seq:  # the winner backs out before the loser's comment arrives
            for res in live_queries.buyer_reservations(live.id, winner.buyer_user_id):
                if res.message_id == winner.message_id:
                    live_services.cancel_reservation(trainee, res)
        services.deliver_next(run, now)
    db.session.commit()
    served = db.session.scalar(select(LiveReservation).where(LiveReservation.message_id == loser.message_id))
    assert served is not None and served.status == "held"  # in the claims log
    result = services.finish_practice(trainee, run, now=now).result
    assert loser.text not in [row["text"] for row in result["unanswered"]]
    assert result["questions"] == sum(1 for c in run.comments if c.intent in ("question", "race_loser")) - 1
    assert not any(line["buyer"] == loser.buyer.name and line["code"] == served.live_product.live_code
                   for line in result["wrong_lines"])


def test_cancel_advice_only_when_a_buyer_took_an_order_back_in_the_chat():
    base = {"wrong_lines": [{"buyer": "A", "code": "A12", "variant": None, "quantity": 1}], "missed_orders": [],
            "unanswered": [], "median_answer_seconds": 3, "undelivered": 0}
    assert scorecard.tip_keys({**base, "retracted_lines_kept": 1}) == ["wrong_lines"]
    assert scorecard.tip_keys({**base, "retracted_lines_kept": 0}) == ["extra_lines"]
    missed = {**base, "wrong_lines": [], "missed_orders": base["wrong_lines"]}
    assert scorecard.tip_keys({**missed, "missed_after_a_cancel": 1}) == ["missed_orders"]
    assert scorecard.tip_keys({**missed, "missed_after_a_cancel": 0}) == ["missed_lines"]
