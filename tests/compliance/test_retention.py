"""The retention job (#17 item 3): lives and removed listings past their dated retention period are deleted and
logged; recent lives, practice lives, orders and listings that orders still name are kept."""
from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.compliance import retention, settings
from app.compliance.models import RetentionPurge
from app.core.addresses import commune_province, find_commune
from app.core.dbtypes import utcnow
from app.livestream import services as live_services
from app.livestream import video
from app.livestream.models import ChatMessage, LiveSession, LiveStream
from app.shop import services as shop
from app.shop.models import Product
from app.shop.ordering import services as ordering
from app.shop.ordering.models import Order


@pytest.fixture
def old_world(db, factory, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "VIDEO_DIR", str(tmp_path / "video"))
    owner = factory.user("Chủ HTX")
    org = factory.org(owner, name="HTX Lưu Trữ")
    buyer = factory.user("Người Mua")

    def product(name, code, status="active"):
        p = shop.create_product(owner, org, shop.ProductData(name=name, category="fruit", unit="kg", price=40_000,
                                                             code=code, status="active"), stock=5)
        db.session.flush()
        if status == "archived":
            shop.archive_product(owner, p)
        return p

    now = utcnow()

    def live(title, ended_days_ago, practice=False):
        lv = live_services.schedule_live(owner, org, title=title, scheduled_at=now - timedelta(days=ended_days_ago + 1))
        lv.is_practice = practice
        live_services.start_live(owner, lv, now - timedelta(days=ended_days_ago, hours=1))
        db.session.add(ChatMessage(session_id=lv.id, user_id=buyer.id, text="chào shop", kind="chat"))
        live_services.end_live(owner, lv, now - timedelta(days=ended_days_ago))
        return lv

    old, recent, practice = live("Live 2022", 4 * 365), live("Live tuần trước", 7), live("Tập live", 4 * 365, True)
    replay_dir = video.video_dir("replay")
    replay_dir.mkdir(parents=True)
    (replay_dir / f"{old.id}-abc.mp4").write_bytes(b"video")
    db.session.add(LiveStream(session_id=old.id, key_hash="a" * 64, key_hint="abcd", public_name=f"{old.id}-abc",
                              replay_file=f"{old.id}-abc.mp4", video_state="ended"))

    gone = product("Nhãn cũ", "N1", "archived")
    ordered = product("Vải cũ", "V1")
    cart = ordering.get_cart(buyer, None, create=True)
    ordering.add_to_cart(cart, ordered.variants[0].id, 1)
    commune = find_commune("Xã Ô Diên")
    ordering.checkout(cart, buyer, name="Người Mua", phone="0912345678", province_code=commune_province(commune),
                      commune_code=commune, street="Thôn Đông", note=None, payment_method="cod",
                      idempotency_key=uuid.uuid4().hex)
    shop.archive_product(owner, ordered)
    fresh = product("Cam mới gỡ", "C1", "archived")
    db.session.flush()
    for p in (gone, ordered):
        p.updated_at = now - timedelta(days=400)
    db.session.commit()
    return dict(old=old.id, recent=recent.id, practice=practice.id, gone=gone.id, ordered=ordered.id,
                fresh=fresh.id, replay=replay_dir / f"{old.id}-abc.mp4")


def test_the_job_purges_what_expired_and_logs_it(db, old_world):
    w = old_world
    run = retention.purge_expired()
    db.session.commit()
    assert run.lives == [w["old"]] and run.listings == [w["gone"]] and run.kept_listings == [w["ordered"]]
    assert db.session.get(LiveSession, w["old"]) is None
    assert db.session.scalar(select(func.count(ChatMessage.id)).where(ChatMessage.session_id == w["old"])) == 0
    assert db.session.get(LiveSession, w["recent"]) is not None and db.session.get(LiveSession, w["practice"])
    assert db.session.get(Product, w["gone"]) is None
    assert db.session.get(Product, w["ordered"]) is not None and db.session.get(Product, w["fresh"]) is not None
    assert db.session.scalar(select(func.count(Order.id))) == 1  # orders are kept, as accounting requires
    assert not w["replay"].exists()  # the replay file went after the commit
    logged = db.session.scalars(select(RetentionPurge).order_by(RetentionPurge.id)).all()
    assert [(p.kind, p.object_id, p.rule_key, p.period_days) for p in logged] == [
        ("live", w["old"], "retention_live_days", 1095), ("listing", w["gone"], "retention_listing_days", 365)]
    assert logged[0].label == "Live 2022"
    # Running again finds nothing new.
    again = retention.purge_expired()
    assert again.lives == [] and again.listings == []


def test_a_rolled_back_purge_keeps_everything_and_its_files(db, old_world):
    w = old_world
    retention.purge_expired()
    db.session.rollback()
    assert db.session.get(LiveSession, w["old"]) is not None and w["replay"].exists()
    assert db.session.scalar(select(func.count(RetentionPurge.id))) == 0


def test_the_periods_are_dated_settings_the_admin_changes(db, old_world, factory):
    admin = factory.user("Quản Trị", is_admin=True)
    settings.set_value(admin, "retention_live_days", "3650", date(2026, 12, 1), "thử: 10 năm")
    db.session.commit()
    assert settings.int_value("retention_listing_days") == 365  # the other defaults were copied, unchanged
    run = retention.purge_expired()
    assert run.lives == [] and run.listings == [old_world["gone"]]
    from app.errors import InvalidInput

    with pytest.raises(InvalidInput):
        settings.set_value(admin, "retention_live_days", "0", date(2026, 1, 1), None)


def test_the_cli_and_the_admin_page(db, old_world, runner, client, auth, factory):
    result = runner.invoke(args=["compliance", "purge"])
    assert result.exit_code == 0 and "Purged 1 live(s), 1 listing(s)" in result.output
    auth.login_as(factory.user())
    assert client.get("/admin/compliance/purges").status_code == 403
    auth.logout()
    auth.login_as(factory.user("Quản Trị", is_admin=True))
    page = client.get("/admin/compliance/purges").get_data(as_text=True)
    assert "Live 2022" in page and 'data-testid="purge-log"' in page and "122/2025/QH15" in page
