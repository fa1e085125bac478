"""flask seed-demo builds one live on air with at least five products and one ended live, idempotently."""
from __future__ import annotations

from sqlalchemy import func, select

from app.livestream.models import LiveProduct, LiveSession


def test_seed_demo_lives(runner, db):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    lives = db.session.scalars(select(LiveSession).order_by(LiveSession.id)).all()
    assert sorted(live.state for live in lives) == ["ended", "live", "scheduled"]
    on_air = next(live for live in lives if live.state == "live")
    assert on_air.organisation.name == "HTX Bưởi Diễn Hát Môn"
    assert db.session.scalar(select(func.count(LiveProduct.id)).where(LiveProduct.session_id == on_air.id)) >= 5


def test_demo_buyer_orders_by_name_in_the_demo_live(runner, db):
    """The issue's example: "lấy 2 quả bưởi diễn" reserves A12 (Bưởi Diễn) × 2, not the gift box A13."""
    from app.accounts.services import find_user_by_login
    from app.livestream import services

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    on_air = db.session.scalar(select(LiveSession).where(LiveSession.state == "live"))
    codes = {lp.live_code: lp.product.name for lp in on_air.products}
    assert codes["A12"] == "Bưởi Diễn" and codes["A13"].startswith("Bưởi Diễn")
    ack = services.post_comment(on_air.id, find_user_by_login("0922000003"), "lấy 2 quả bưởi diễn", "name-1",
                                min_interval=0)
    assert [(r["code"], r["quantity"]) for r in ack["reserved"]] == [("A12", 2)]
    ask = services.post_comment(on_air.id, find_user_by_login("0922000003"), "chốt bưởi", "name-2", min_interval=0)
    assert ask["reserved"] == [] and [o["code"] for o in ask["choose"]["options"]][:3] == ["A12", "A13", "A14"]
