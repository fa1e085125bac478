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
