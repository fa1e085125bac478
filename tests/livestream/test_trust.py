"""Trust in the live (#17): viewers' reports and the moderation queue, the admin's stop-the-live, the pre-live
checklist, the host's warning overlay and the live's archive."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.core.dbtypes import utcnow
from app.errors import Forbidden, InvalidInput, NotFound
from app.livestream import services, video
from app.livestream.models import LiveSession
from app.livestream.recordings import replay_timeline
from app.livestream.trust import checklist, overlays, reports, rules
from app.livestream.trust.models import LiveReport, LiveWarning
from tests.livestream import live_sockets
from tests.livestream.live_sockets import NS, events, seller_event
from tests.livestream.test_video import key_for, publish

connect = live_sockets.connect  # the /live test clients' fixture


def report_count(db) -> int:
    return db.session.scalar(select(func.count(LiveReport.id)))


@pytest.fixture
def admin(factory):
    return factory.user("Quản Trị Viên", is_admin=True)


@pytest.fixture
def said(db, make_live, buyer, no_rate_limit):
    """A live on air with three chat lines from the buyer; returns (live, [message ids])."""
    live = make_live()
    ids = []
    for i, text in enumerate(("chào shop", "gọi 0912345678 nhé", "hàng giả à")):
        ack = services.post_comment(live.id, buyer, text, f"m{i}", min_interval=0)
        ids.append(ack["message_id"])
    db.session.commit()
    return live, ids


# Reports ----------------------------------------------------------------------------------------------------------

def test_a_viewer_report_reaches_the_queues_with_its_evidence(client, auth, db, said, buyer, seller, admin, factory):
    live, ids = said
    viewer = factory.user("Lê Văn Khách")
    auth.login_as(viewer)
    page = client.get(f"/live/{live.id}").get_data(as_text=True)
    assert 'data-testid="live-report"' in page and "/live/rules" in page
    response = client.post(f"/live/{live.id}/reports", data={
        "reason": "false_claim", "details": "Nói là hàng thật nhưng không phải, gọi tôi 0987654321",
        "message_id": str(ids[1])})
    assert response.status_code == 302
    report = db.session.scalar(select(LiveReport))
    assert (report.reporter_id, report.message_id, report.reason, report.status) == (viewer.id, ids[1], "false_claim",
                                                                                   "open")
    assert report.message_text == "gọi 0912345678 nhé"
    assert report.live_seconds is not None and report.live_seconds >= 0
    assert json.loads(report.context_ids) == ids[:2]  # the lines on screen up to the reported one

    auth.logout()
    auth.login_as(admin)
    queue = client.get("/live/reports").get_data(as_text=True)
    assert f'data-testid="report-{report.id}"' in queue and "Lê Văn Khách" in queue and "0912345678" in queue

    auth.logout()
    auth.login_as(seller[0])
    queue = client.get("/live/reports").get_data(as_text=True)
    assert f'data-testid="report-{report.id}"' in queue
    assert "Lê Văn Khách" not in queue and "Khách" not in queue  # the reporter is masked for the seller
    assert "0912345678" not in queue and "0987654321" not in queue  # and phones typed in the evidence
    assert client.post(f"/live/reports/{report.id}/resolve", data={"note": "Đã nhắc người bán"}).status_code == 302
    db.session.rollback()
    assert db.session.get(LiveReport, report.id).status == "resolved"
    assert f'data-testid="report-{report.id}"' not in client.get("/live/reports").get_data(as_text=True)


def test_report_bad_input_is_refused_in_vietnamese_and_nothing_is_stored(client, auth, db, said, factory):
    live, ids = said
    auth.login_as(factory.user())
    json_headers = {"Accept": "application/json"}
    bad = client.post(f"/live/{live.id}/reports", data={"reason": "bored"}, headers=json_headers)
    assert bad.status_code == 400 and "Vui lòng chọn" in bad.get_json()["error"]["message"]
    foreign = client.post(f"/live/{live.id}/reports", data={"reason": "other", "message_id": "999999"},
                          headers=json_headers)
    assert foreign.status_code == 404 and foreign.get_json()["error"]["code"] == "unknown_message"
    long = client.post(f"/live/{live.id}/reports", data={"reason": "other", "details": "x" * 501},
                       headers=json_headers)
    assert long.status_code == 400
    position = client.post(f"/live/{live.id}/reports", data={"reason": "other", "replay_seconds": "-3"},
                           headers=json_headers)
    assert position.status_code == 400
    assert report_count(db) == 0
    ok = client.post(f"/live/{live.id}/reports", data={"reason": "scam", "replay_seconds": "75.4"},
                     headers=json_headers)
    assert ok.get_json()["ok"] is True and db.session.scalar(select(LiveReport.replay_seconds)) == 75
    again = client.post(f"/live/{live.id}/reports", data={"reason": "scam"}, headers=json_headers)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_reported"


def test_reports_are_rate_limited_and_need_a_signed_in_viewer(client, auth, db, said, factory):
    live, ids = said
    assert client.post(f"/live/{live.id}/reports", data={"reason": "other"}).status_code == 302  # to sign in
    assert report_count(db) == 0
    viewer = factory.user()
    now = utcnow()
    for i, reason in enumerate(reports.REPORT_REASONS[:5]):
        reports.submit_report(viewer, live, reason=reason, now=now - timedelta(minutes=i))
    db.session.commit()
    with pytest.raises(Exception) as refused:
        reports.submit_report(viewer, live, reason="other", now=now)
    assert getattr(refused.value, "code", None) == "too_many_reports"
    db.session.rollback()
    # Ten minutes on, the viewer may report again.
    reports.submit_report(viewer, live, reason="other", now=now + timedelta(minutes=11))


def test_a_seller_sees_only_their_own_lives_reports_and_a_buyer_has_no_queue(client, auth, db, said, factory,
                                                                              make_product):
    live, ids = said
    viewer = factory.user()
    report = reports.submit_report(viewer, live, reason="offensive", message_id=ids[2])
    db.session.commit()
    other_owner = factory.user("Chủ HTX Khác")
    factory.org(other_owner, name="HTX Khác")
    assert reports.report_queue(other_owner) == []
    with pytest.raises(Forbidden):
        reports.handle_report(other_owner, db.session.get(LiveReport, report.id), "dismiss")
    auth.login_as(other_owner)
    assert f'data-testid="report-{report.id}"' not in client.get("/live/reports").get_data(as_text=True)
    assert client.post(f"/live/reports/{report.id}/dismiss").status_code == 403
    assert client.get(f"/live/{live.id}/archive.json").status_code == 403
    auth.logout()
    auth.login_as(viewer)
    assert client.get("/live/reports").status_code == 403
    db.session.rollback()
    assert db.session.get(LiveReport, report.id).status == "open"


# Stop the live ----------------------------------------------------------------------------------------------------

def test_stop_the_live_refuses_the_publisher_hides_the_page_and_tells_the_viewers(
        app, client, auth, db, make_live, seller, buyer, admin, connect):
    live = make_live(state="scheduled")
    key = key_for(db, live, seller[0])
    assert publish(client, key).status_code == 302  # on air through RTMP
    watcher = connect(live.id)
    watcher.get_received(NS)

    auth.login_as(admin)
    assert client.post(f"/live/{live.id}/stop", data={"reason": ""}).status_code == 302  # no reason: refused
    db.session.rollback()
    assert db.session.get(LiveSession, live.id).state == "live"
    assert client.post(f"/live/{live.id}/stop", data={"reason": "Quảng cáo sai công dụng"}).status_code == 302
    db.session.rollback()
    stopped = db.session.get(LiveSession, live.id)
    assert stopped.state == "ended" and stopped.stopped_reason == "Quảng cáo sai công dụng" and stopped.is_withheld
    assert events(watcher, "live_stopped") == [{"session_id": live.id, "reason": "Quảng cáo sai công dụng"}]

    assert publish(client, key, call="update").status_code == 403  # the connected publisher is dropped
    refused = publish(client, key)
    assert refused.status_code == 403 and refused.get_data(as_text=True) == "live_stopped"
    with pytest.raises(video.StreamRefused):
        video.authorize_publish(key)

    auth.logout()
    page = client.get(f"/live/{live.id}").get_data(as_text=True)
    assert 'data-testid="live-stopped"' in page
    assert 'id="live-messages"' not in page and 'id="live-products"' not in page and "live-stage" not in page
    assert "Quảng cáo sai công dụng" not in page  # the reason is for the seller and the admin
    assert client.get(f"/live/{live.id}/replay.json").status_code == 404
    assert client.get(f"/api/v1/live/sessions/{live.id}").get_json()["products"] == []
    late = connect(live.id, buyer, last_id=0)
    assert not late.is_connected(NS)  # no room and no chat replay for a stopped live

    auth.login_as(admin)
    assert client.post(f"/live/{live.id}/stop/review").status_code == 302
    auth.logout()
    page = client.get(f"/live/{live.id}").get_data(as_text=True)
    assert 'data-testid="live-stopped"' not in page and 'id="live-products"' in page
    assert publish(client, key).status_code == 403  # reviewed, still never back on air


def test_a_buyer_or_a_seller_cannot_stop_a_live(client, auth, db, make_live, seller, buyer):
    live = make_live()
    for user in (buyer, seller[0]):
        auth.login_as(user)
        assert client.post(f"/live/{live.id}/stop", data={"reason": "thử"}).status_code == 403
        auth.logout()
    db.session.rollback()
    found = db.session.get(LiveSession, live.id)
    assert found.state == "live" and found.stopped_at is None


# Before the live --------------------------------------------------------------------------------------------------

def test_the_pre_live_checklist_host_and_rules(app, client, auth, db, make_live, seller, factory, monkeypatch):
    owner, org = seller
    live = make_live(state="scheduled")
    failing = {c.key for c in checklist.run_checks(live) if not c.ok}
    assert failing == {"host_chosen", "host_verified", "rules_acknowledged"}  # products are there, with stock

    stranger = factory.user("Người Ngoài")
    with pytest.raises(NotFound):
        checklist.choose_host(owner, live, stranger.id)
    with pytest.raises(Forbidden):
        checklist.choose_host(stranger, live, owner.id)
    db.session.rollback()

    auth.login_as(owner)
    page = client.get(f"/live/{live.id}/console").get_data(as_text=True)
    assert 'data-testid="prelive"' in page and 'data-testid="check-host_chosen" data-ok="no"' in page
    client.post(f"/live/{live.id}/host", data={"user_id": str(owner.id)})
    client.post(f"/live/{live.id}/rules-ack", data={"ack": "yes"})
    db.session.rollback()
    live = db.session.get(LiveSession, live.id)
    assert live.host_user_id == owner.id and live.rules_version_ack == rules.current_rules().version
    assert all(c.ok for c in checklist.run_checks(live))

    # A new version of the rules must be acknowledged again.
    rules.save_rules(factory.user("Admin", is_admin=True), "Quy định mới", "New rules")
    db.session.commit()
    assert {c.key for c in checklist.run_checks(live) if not c.ok} == {"rules_acknowledged"}
    monkeypatch.setitem(app.config, "LIVE_CHECKLIST_ENFORCED", True)
    with pytest.raises(InvalidInput) as refused:
        services.start_live(owner, live)
    assert refused.value.code == "checklist_incomplete"
    db.session.rollback()
    checklist.acknowledge_rules(owner, live)
    services.start_live(owner, live)
    assert live.state == "live"


def test_on_a_marketplace_only_members_of_a_verified_organisation_may_host(db, make_live, seller):
    from datetime import date

    from app.compliance import settings

    owner, org = seller
    live = make_live(state="scheduled")
    settings.choose_mode(None, "marketplace", date(2025, 7, 1))
    db.session.commit()
    assert checklist.host_candidates(live) == [(owner, False)]
    with pytest.raises(Forbidden) as refused:
        checklist.choose_host(owner, live, owner.id)
    assert refused.value.code == "host_not_verified"
    db.session.rollback()
    assert db.session.get(LiveSession, live.id).host_user_id is None


def test_a_check_registered_by_another_feature_appears(app, make_live):
    live = make_live(state="scheduled")

    def documents(live):
        return checklist.Check("documents", False, "Giấy tờ")

    checklist.register_check(app, documents)
    try:
        assert [c.key for c in checklist.run_checks(live)][-1] == "documents"
    finally:
        app.extensions[checklist.EXTENSION_KEY].remove(documents)


def test_rules_page_is_public_versioned_and_only_admins_edit(client, auth, db, factory, admin):
    page = client.get("/live/rules").get_data(as_text=True)
    assert "122/2025/QH15" in page
    auth.login_as(factory.user())
    assert client.post("/live/rules/edit", data={"body_vi": "x", "body_en": "y"}).status_code == 403
    auth.logout()
    auth.login_as(admin)
    client.post("/live/rules/edit", data={"body_vi": "", "body_en": "y"})
    assert rules.rules_history() == []
    client.post("/live/rules/edit", data={"body_vi": "## Quy định 2", "body_en": "## Rules 2"})
    assert rules.current_rules().version == 2
    assert "Quy định 2" in client.get("/live/rules").get_data(as_text=True)
    assert "Rules 2" in client.get("/live/rules", headers={"Accept-Language": "en"}).get_data(as_text=True) \
        or "Rules 2" in client.get("/lang/en?next=/live/rules", follow_redirects=True).get_data(as_text=True)


# The warning overlay ----------------------------------------------------------------------------------------------

def test_the_host_shows_a_warning_viewers_see_it_and_the_replay_keeps_it(db, make_live, seller, buyer, connect):
    live = make_live()
    console = connect(live.id, seller[0])
    viewer = connect(live.id, buyer)
    for c in (console, viewer):
        c.get_received(NS)
    assert seller_event(viewer, "show_warning", {"preset": "under_3"})["error"]["code"] == "not_a_member"
    bad = seller_event(console, "show_warning", {"preset": "custom", "text": "  "})
    assert bad["ok"] is False and bad["error"]["code"] == "invalid_warning"
    assert db.session.scalar(select(func.count(LiveWarning.id))) == 0

    ack = seller_event(console, "show_warning", {"preset": "under_3", "code": "a12"})
    assert ack["ok"] is True
    shown = events(viewer, "warning")
    assert shown[-1]["text"] == "Không dùng cho trẻ dưới 3 tuổi" and shown[-1]["code"] == "A12"
    assert seller_event(console, "clear_warning")["ok"] is True
    assert events(viewer, "warning") == [{"id": None, "text": None}]

    db.session.rollback()
    live = db.session.get(LiveSession, live.id)
    warning = db.session.scalar(select(LiveWarning))
    assert warning.cleared_at is not None
    services.end_live(seller[0], live)
    timeline = replay_timeline(live, live_clock=True)
    assert timeline["warnings"] and timeline["warnings"][0]["text"] == "Không dùng cho trẻ dưới 3 tuổi"
    assert timeline["warnings"][0]["until"] >= timeline["warnings"][0]["at"] >= 0


def test_warnings_only_on_air(db, make_live, seller):
    live = make_live(state="scheduled")
    with pytest.raises(services.LiveNotOnAir):
        overlays.show_warning(seller[0], live, preset="adults_only")


# Archive ----------------------------------------------------------------------------------------------------------

def test_the_archive_holds_chat_claims_orders_and_reports_for_the_seller(client, auth, db, said, seller, buyer):
    from app.core.addresses import commune_province, find_commune
    from app.livestream import afterlive

    live, ids = said
    services.post_comment(live.id, buyer, "chốt A12 x2", "order-1", min_interval=0)
    reports.submit_report(buyer, live, reason="other")
    db.session.commit()
    commune = find_commune("Xã Ô Diên")
    held = [r.id for r in afterlive.held_lines(buyer)]
    [order] = afterlive.checkout_live_cart(buyer, held, idempotency_key="archive", name="Trần Thị Lan",
                                           phone="0912345678", province_code=commune_province(commune),
                                           commune_code=commune, street="Thôn Đông", note=None,
                                           payment_method="cod")
    db.session.commit()
    auth.login_as(seller[0])
    data = client.get(f"/live/{live.id}/archive.json").get_json()
    assert data["format"] == "cholive-live-archive/1" and data["live"]["id"] == live.id
    assert [m["id"] for m in data["chat"]][:3] == ids
    assert data["claims"][0]["code"] == "A12" and data["claims"][0]["quantity"] == 2
    assert data["reports"][0]["reporter"] != buyer.name
    assert [o["number"] for o in data["orders"]] == [order.number] and data["orders"][0]["total"] == order.total
    assert data["claims"][0]["status"] == "checked_out"
    page = client.get(f"/live/{live.id}/archive").get_data(as_text=True)
    assert 'data-testid="archive-download"' in page and f"/live/{live.id}/archive.json" in page


def test_a_report_from_the_replay_returns_to_the_replay(client, auth, db, said, factory):
    live, ids = said
    auth.login_as(factory.user())
    response = client.post(f"/live/{live.id}/reports", data={"reason": "other", "from": "replay",
                                                             "replay_seconds": "12"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/live/{live.id}/replay")
    assert db.session.scalar(select(LiveReport.replay_seconds)) == 12


def test_the_checklist_asks_for_the_papers_of_regulated_products(app, db, make_live, seller):
    """A processed food needs a valid food-safety certificate before the live, and a product with an OCOP badge its
    OCOP certificate; the check names the codes still missing one and passes once the paper is uploaded."""
    from datetime import date

    from app.core.storage import get_storage
    from app.livestream.models import LiveProduct
    from app.shop import documents
    from tests.core.files import pdf

    owner, _org = seller
    live = make_live(products=(("M1", "Mứt gừng", 5, None), ("B2", "Bưởi Diễn", 5, None)), state="scheduled")
    lines = {lp.live_code: lp for lp in db.session.scalars(select(LiveProduct).where(LiveProduct.session_id == live.id))}
    jam, pomelo = lines["M1"].product, lines["B2"].product
    jam.category = "processed"
    db.session.commit()
    assert checklist.papers_missing(live) == ["M1"]
    check = next(c for c in checklist.run_checks(live) if c.key == "papers_ready")
    assert not check.ok and "M1" in str(check.hint)

    documents.add_document(owner, jam, documents.DocumentData(kind="food_safety", number="123/ATTP",
                                                              issued_on=date.today() - timedelta(days=10),
                                                              expires_on=date.today() + timedelta(days=300)),
                           pdf(), get_storage())
    db.session.commit()
    assert checklist.papers_missing(live) == []

    pomelo.ocop_stars, pomelo.ocop_expires_on = 4, date.today() + timedelta(days=100)  # a badge typed in by hand
    db.session.commit()
    assert checklist.papers_missing(live) == ["B2"]  # no OCOP certificate behind the badge
