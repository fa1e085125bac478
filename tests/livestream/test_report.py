"""End-of-live report: numbers from comments, reservations and orders; members only; the schedule page with a cover."""
from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.core.addresses import commune_province, find_commune
from app.errors import Forbidden
from app.livestream import afterlive, report, services
from app.livestream.models import LiveSession
from app.shop.ordering import services as ordering

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def post(live, user, text, cid, minute=0):
    return services.post_comment(live.id, user, text, cid, now=T0 + timedelta(minutes=minute, seconds=1),
                                 min_interval=0)


@pytest.fixture
def finished(db, seller, make_live, factory):
    """A live with three buyers: one checked out and confirmed, one still held, one expired; one waits."""
    owner, org = seller
    live = make_live([("A12", "Bưởi Diễn", 3, None), ("B3", "Cam Canh", 10, None)], live_price=50000)
    live.started_at = T0
    lan, hung, hoa, mai = (factory.user(n) for n in ("Trần Thị Lan", "Phạm Văn Hùng", "Lê Thị Hoa", "Đỗ Thị Mai"))
    post(live, lan, "chốt A12 x2", "1", minute=0)
    post(live, hung, "A12, B3 x2", "2", minute=0)
    post(live, hoa, "B3", "3", minute=2)
    post(live, hoa, "còn A12 không?", "4", minute=3)
    assert post(live, mai, "A12", "5", minute=3)["error"]["code"] == "out_of_stock"
    afterlive.join_waitlist(mai, live, "A12", 1, now=T0)
    commune = find_commune("Xã Ô Diên")
    order = afterlive.checkout_live_cart(
        lan, [r.id for r in afterlive.held_lines(lan, T0)], idempotency_key="lan", now=T0 + timedelta(minutes=5),
        name="Lan", phone="0912345678", province_code=commune_province(commune), commune_code=commune,
        street="Thôn Đông", note=None, payment_method="cod")[0]
    ordering.transition(order, "confirmed", owner)
    afterlive.expire_holds(T0 + timedelta(hours=25), user_id=hoa.id)
    services.end_live(owner, live, now=T0 + timedelta(minutes=10))
    db.session.commit()
    return live


def test_report_numbers(db, seller, finished):
    owner, _ = seller
    data = report.build_report(owner, finished)
    assert data.comments == 5 and data.commenters == 4 and data.order_comments == 4
    assert data.order_lines == 4                      # Lan A12, Hùng A12 + B3, Hoa B3 (expired)
    assert data.buyers == 2                           # Hoa's only line expired
    assert data.reserved_revenue == (2 + 1 + 2) * 50000
    assert data.confirmed_revenue == 2 * 50000        # only Lan's confirmed order
    assert data.checked_out_lines == 1
    by_code = {p.code: p for p in data.products}
    assert (by_code["A12"].reserved, by_code["A12"].confirmed, by_code["A12"].waitlisted) == (3, 2, 1)
    assert (by_code["B3"].reserved, by_code["B3"].released) == (2, 1)
    assert data.peak_viewers in (None, 0) or data.peak_viewers >= 0
    if not data.peak_viewers:
        assert data.audience == 4 and data.conversion == pytest.approx(0.5)
    # Orders per minute from the start to the end of the live: 3 lines in minute 0, 1 in minute 2.
    assert data.orders_per_minute[:4] == [3, 0, 1, 0] and len(data.minutes) == 15  # at least 15 minutes drawn
    assert data.minutes[1] - data.minutes[0] == 60


def test_report_is_for_members_only(db, finished, buyer):
    with pytest.raises(Forbidden):
        report.build_report(buyer, finished)


def test_report_page(client, auth, db, seller, finished, buyer):
    owner, _ = seller
    auth.login_as(buyer)
    assert client.get(f"/live/{finished.id}/report").status_code == 403
    auth.logout()
    auth.login_as(owner)
    html = client.get(f"/live/{finished.id}/report").get_data(as_text=True)
    assert 'id="orders-chart"' in html and "uPlot.iife.min.js" in html and f"/live/{finished.id}/claims" in html
    assert "Bưởi Diễn" in html
    assert client.get("/live/999999/report").status_code == 404


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 36), (200, 80, 40)).save(out, format="JPEG")
    return out.getvalue()


def test_schedule_page_with_cover_and_bad_input(client, auth, db, seller, buyer):
    owner, org = seller
    auth.login_as(buyer)
    assert client.get(f"/live/manage/{org.slug}/new").status_code == 403
    auth.logout()
    auth.login_as(owner)
    assert client.get(f"/live/manage/{org.slug}/new").status_code == 200
    bad = client.post(f"/live/manage/{org.slug}/new", data={"title": "Phiên", "starts_at": "2026-12-01T20:00",
                                                          "cover": (io.BytesIO(b"not an image"), "x.jpg")},
                      content_type="multipart/form-data")
    assert bad.status_code == 422
    assert db.session.scalar(select(LiveSession.id)) is None  # nothing half-made
    missing = client.post(f"/live/manage/{org.slug}/new", data={"title": "", "starts_at": ""})
    assert missing.status_code == 422
    ok = client.post(f"/live/manage/{org.slug}/new",
                     data={"title": "Phiên bưởi cuối tuần", "description": "Hái tại vườn", "starts_at": "2026-12-01T20:00",
                           "cover": (io.BytesIO(_jpeg()), "cover.jpg")}, content_type="multipart/form-data")
    assert ok.status_code == 302
    live = db.session.scalars(select(LiveSession)).one()
    assert ok.headers["Location"].endswith(f"/live/{live.id}/products")
    assert live.state == "scheduled" and live.cover_key and live.cover_thumb_key
    # 20:00 in Vietnam (UTC+7) is 13:00 UTC.
    assert live.scheduled_at == datetime(2026, 12, 1, 13, 0, tzinfo=UTC)
    page = client.get(f"/live/{live.id}").get_data(as_text=True)
    assert 'data-countdown="2026-12-01T13:00:00+00:00"' in page and live.cover_thumb_key in page
    cards = client.get("/live/").get_data(as_text=True)
    assert live.cover_thumb_key in cards
    assert client.get("/media/" + live.cover_key).status_code == 200


def test_seed_demo_has_a_finished_live_with_orders_and_its_report(runner, db):
    from app.accounts.models import Notification
    from app.livestream.models import LiveOrderLine, LiveProduct, LiveReservation
    from app.shop.ordering.models import Order

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    counts = [db.session.scalar(select(func.count(model.id))) for model in (LiveSession, LiveReservation, Order)]
    assert runner.invoke(args=["seed-demo"]).exit_code == 0  # idempotent
    assert [db.session.scalar(select(func.count(model.id))) for model in (LiveSession, LiveReservation, Order)] == counts
    lives = {live.state: live for live in db.session.scalars(select(LiveSession))}
    assert set(lives) == {"scheduled", "live", "ended"}
    assert db.session.scalar(select(func.count(LiveProduct.id)).where(LiveProduct.session_id == lives["live"].id)) >= 5
    assert all(live.cover_key for live in lives.values())
    assert report.build_report(next(m.user for m in lives["ended"].organisation.memberships if m.role == "owner"),
                               lives["ended"]).peak_viewers == 38
    ended = lives["ended"]
    owner = next(m.user for m in ended.organisation.memberships if m.role == "owner")
    data = report.build_report(owner, ended)
    assert data.order_lines >= 4 and data.buyers == 3 and data.checked_out_lines >= 2
    assert 0 < data.confirmed_revenue < data.reserved_revenue
    assert sum(data.orders_per_minute) == data.order_lines
    assert db.session.scalar(select(func.count(LiveOrderLine.id))) >= 2
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.kind == "live_started")) == 3


def test_live_products_page(client, auth, db, seller, buyer, make_product):
    from app.livestream.models import LiveProduct

    owner, org = seller
    product = make_product(owner, org, "Bưởi Diễn", stock=12, code="A12", price=60000)
    live = services.schedule_live(owner, org, title="Phiên", scheduled_at=T0)
    db.session.commit()
    auth.login_as(buyer)
    assert client.get(f"/live/{live.id}/products").status_code == 403
    assert client.post(f"/live/{live.id}/products", data={"product_id": product.id}).status_code == 403
    auth.logout()
    auth.login_as(owner)
    assert "Bưởi Diễn" in client.get(f"/live/{live.id}/products").get_data(as_text=True)
    bad = client.post(f"/live/{live.id}/products", data={"product_id": product.id, "live_price": "năm mươi"})
    assert bad.status_code == 422
    bad = client.post(f"/live/{live.id}/products", data={"product_id": product.id, "allotment": "-3"})
    assert bad.status_code == 422
    assert db.session.scalar(select(func.count(LiveProduct.id))) == 0
    ok = client.post(f"/live/{live.id}/products", data={"product_id": product.id, "live_price": "55.000",
                                                         "per_buyer_limit": "3", "allotment": "10"})
    assert ok.status_code == 302
    lp = db.session.scalars(select(LiveProduct)).one()
    assert (lp.live_code, lp.live_price, lp.per_buyer_limit, lp.allotment) == ("A12", 55000, 3, 10)
