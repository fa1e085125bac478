"""Demo lives for `flask seed-demo`: one on air at HTX Bưởi Diễn Hát Môn, one ended with orders, one coming up."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ..accounts.models import Organisation
from ..accounts.services import find_user_by_login
from ..core.dbtypes import utcnow
from ..extensions import db
from ..shop.models import Product
from . import follows, services
from .models import LiveSession

DEMO_ORG = "HTX Bưởi Diễn Hát Môn"
ON_AIR_TITLE = "Phiên chốt đơn Bưởi Diễn Tết — hái tại vườn"
ENDED_TITLE = "Phiên thử: cam Canh và bưởi da xanh"
UPCOMING_TITLE = "Phiên tối mai: quà Tết từ vườn bưởi Diễn"
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
    _ended_live_orders(owner, ended, now - timedelta(days=3))
    if hasattr(ended, "peak_viewers"):
        ended.peak_viewers = 38  # the viewer count the moderation/viewers feature keeps while on air
    services.end_live(owner, ended, now=now - timedelta(days=3, hours=-1))

    live = services.schedule_live(owner, org, title=ON_AIR_TITLE, scheduled_at=now - timedelta(minutes=10),
                                  description=f"Gõ mã sản phẩm vào ô chat để chốt đơn, ví dụ “chốt {products[0].code} x2”.")
    for product in products[:8]:
        services.add_live_product(owner, live, product, allotment=min(product.available, 30),
                                  per_buyer_limit=10)
    for phone, _ in DEMO_CHAT:  # the demo buyers follow the cooperative, so going live reaches their bell
        buyer = find_user_by_login(phone)
        if buyer is not None:
            follows.follow(buyer, org)
    services.start_live(owner, live, now=now - timedelta(minutes=5))
    for phone, text in DEMO_CHAT[:2]:
        buyer = find_user_by_login(phone)
        if buyer is not None:
            services.post_comment(live.id, buyer, text, f"demo-{phone}", min_interval=0)
    upcoming = services.schedule_live(owner, org, title=UPCOMING_TITLE, scheduled_at=now + timedelta(days=1, hours=2),
                                      description="Livestream tại vườn: bưởi, cam Canh và quà Tết. Theo dõi HTX để "
                                                  "được báo khi phiên bắt đầu.")
    for product in products[:5]:
        services.add_live_product(owner, upcoming, product, allotment=min(product.available, 20))
    for session, product in zip((ended, live, upcoming), products, strict=False):
        _borrow_cover(session, product)
    db.session.flush()
    return [ended, live, upcoming]


def _borrow_cover(live: LiveSession, product: Product) -> None:
    """Demo covers reuse a product's photo (already in the Storage): a seller would upload their own."""
    if product.cover is not None and live.cover_key is None:
        live.cover_key, live.cover_thumb_key = product.cover.key, product.cover.thumb_key


def _ended_live_orders(owner, ended: LiveSession, started) -> None:
    """Orders by comment in the finished live, one checked out with COD and confirmed, so its report has numbers."""
    from ..core.addresses import find_commune
    from ..shop.ordering import services as ordering
    from . import afterlive

    codes = [lp.live_code for lp in ended.products if len(lp.product.active_variants) == 1]
    if not codes:
        return
    comments = (("0922000001", f"chốt {codes[0]} x2", 2), ("0922000002", f"lấy {codes[-1]} nha", 4),
                ("0922000003", f"{codes[0]} x1, {codes[-1]} x2", 7), ("0922000002", f"em lấy thêm {codes[0]}", 11))
    for phone, text, minute in comments:
        buyer = find_user_by_login(phone)
        if buyer is not None:
            services.post_comment(ended.id, buyer, text, f"demo-order-{phone}-{minute}", min_interval=0,
                                  hold_hours=24 * 30, now=started + timedelta(minutes=minute))
    commune = find_commune("Xã Ô Diên")
    for phone, confirm in (("0922000001", True), ("0922000003", False)):
        buyer = find_user_by_login(phone)
        lines = afterlive.held_lines(buyer, started, ended.id) if buyer is not None else []
        if not lines:
            continue
        orders = afterlive.checkout_live_cart(
            buyer, [r.id for r in lines], idempotency_key=f"demo-live-{ended.id}-{phone}",
            now=started + timedelta(minutes=40), name=buyer.name, phone=buyer.phone,
            province_code=_province_of(commune), commune_code=commune,
            street="Thôn Hát Môn", note=None, payment_method="cod")
        if confirm:
            for order in orders:
                ordering.transition(order, "confirmed", owner, now=started + timedelta(hours=2))


def _province_of(commune: int | None) -> int | None:
    from ..core.addresses import commune_province

    return commune_province(commune) if commune else None
