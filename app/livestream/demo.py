"""Demo lives for `flask seed-demo`: one on air at HTX Bưởi Diễn Hát Môn with its products, one ended."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ..accounts.models import Organisation
from ..accounts.services import find_user_by_login
from ..core.dbtypes import utcnow
from ..extensions import db
from ..shop.models import Product
from . import services
from .models import LiveSession

DEMO_ORG = "HTX Bưởi Diễn Hát Môn"
ON_AIR_TITLE = "Phiên chốt đơn Bưởi Diễn Tết — hái tại vườn"
ENDED_TITLE = "Phiên thử: cam Canh và bưởi da xanh"
DEMO_CHAT = (("0922000001", "Chào HTX, bưởi năm nay ngọt không ạ?"),
             ("0922000002", "Ship về Hà Đông mất mấy ngày shop?"),
             ("0922000003", "Hôm nay có giá live không ạ?"))


def seed_lives() -> list[LiveSession]:
    """Idempotent: creates the two demo lives once; skips quietly when the shop demo has no products yet."""
    org = db.session.scalar(select(Organisation).where(Organisation.name == DEMO_ORG))
    if org is None:
        return []
    existing = db.session.scalars(select(LiveSession).where(LiveSession.organisation_id == org.id)).all()
    if existing:
        return list(existing)
    products = db.session.scalars(select(Product).where(Product.organisation_id == org.id, Product.status == "active")
                                  .order_by(Product.id)).all()
    products = [p for p in products if p.available > 0]
    if not products:
        return []
    owner = next(m.user for m in org.memberships if m.role == "owner")
    now = utcnow()

    ended = services.schedule_live(owner, org, title=ENDED_TITLE, scheduled_at=now - timedelta(days=3),
                                   description="Buổi livestream thử do tổ công nghệ số hướng dẫn.")
    for product in products[:3]:
        services.add_live_product(owner, ended, product, allotment=min(product.available, 10))
    services.start_live(owner, ended, now=now - timedelta(days=3))
    for phone, text in DEMO_CHAT:
        buyer = find_user_by_login(phone)
        if buyer is not None:
            services.post_comment(ended.id, buyer, text, f"demo-{phone}", min_interval=0,
                                  now=now - timedelta(days=3, minutes=-5))
    services.end_live(owner, ended, now=now - timedelta(days=3, hours=-1))

    live = services.schedule_live(owner, org, title=ON_AIR_TITLE, scheduled_at=now - timedelta(minutes=10),
                                  description=f"Gõ mã sản phẩm vào ô chat để chốt đơn, ví dụ “chốt {products[0].code} x2”.")
    for product in products[:8]:
        services.add_live_product(owner, live, product, allotment=min(product.available, 30),
                                  per_buyer_limit=10)
    services.start_live(owner, live, now=now - timedelta(minutes=5))
    for phone, text in DEMO_CHAT[:2]:
        buyer = find_user_by_login(phone)
        if buyer is not None:
            services.post_comment(live.id, buyer, text, f"demo-{phone}", min_interval=0)
    db.session.flush()
    return [ended, live]
