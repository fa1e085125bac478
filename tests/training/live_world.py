"""A trainee's real, ended live with known questions, answers and orders, and the class that reviews it.

Used by the review tests and the review screen's browser test; every figure the review shows is written here:
- 4 buyer questions; the shop answered 3 in the chat after 30, 90 and 20 s (median 30 s, 2 within 60 s); the
  fourth waited 360 s, past the 300 s window, so it is not answered;
- 5 order lines: Lan's confirmed, Hùng's order cancelled by the seller, Hoa's hold expired, Mai's still held,
  An's cancelled by An in the chat: confirmed 1, cancelled 2, expired 1;
- 12 buyer comments in 20 minutes (0.6 a minute) and 4 shop replies, which are not buyer comments;
- 23 peak viewers.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.core.addresses import commune_province, find_commune
from app.extensions import db
from app.livestream import afterlive
from app.livestream import services as live
from app.shop import services as shop
from app.shop.models import Product
from app.shop.ordering import services as ordering
from app.training import cohorts

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
FIGURES = {"questions": 4, "answered": 3, "median": 30, "in_time": 2, "order_lines": 5, "confirmed": 1,
           "cancelled": 2, "expired": 1, "comments": 12, "per_minute": 0.6, "peak": 23}


@dataclass
class LiveWorld:
    trainer: object
    trainee: object
    org: object
    cohort: object
    live: object
    buyers: dict


def at(minutes: float) -> datetime:
    return T0 + timedelta(seconds=round(minutes * 60))


def sold_live(factory, owner, org, *, title="Phiên bưởi cuối tuần", start=T0, peak=23):
    """The live described above, run by `owner` for `org`, ended 20 minutes after `start`."""
    shift = start - T0
    products = []
    for code, name in (("A12", "Bưởi Diễn"), ("B3", "Cam Canh")):
        product = db.session.scalar(select(Product).where(Product.organisation_id == org.id, Product.code == code))
        if product is None:  # a later live of the same shop sells the same products
            data = shop.ProductData(name=name, category="fruit", unit="fruit", price=60000, code=code, status="active")
            product = shop.create_product(owner, org, data, stock=40)
        products.append(product)
    session = live.schedule_live(owner, org, title=title, scheduled_at=start)
    for product in products:
        live.add_live_product(owner, session, product)
    live.start_live(owner, session, now=start)
    names = ("Trần Thị Lan", "Phạm Văn Hùng", "Lê Thị Hoa", "Đỗ Thị Mai", "Vũ Văn An")
    buyers = {name.split()[-1]: factory.user(name) for name in names}

    def say(who, text, minutes):
        return live.post_comment(session.id, buyers[who], text, f"{who}-{minutes}", min_interval=0,
                                 now=at(minutes) + shift)

    def reply(text, minutes):
        live.post_seller_reply(owner, session, text, now=at(minutes) + shift)

    say("Lan", "Chào shop, chúc buổi live vui", 0.5)
    say("Lan", "Bưởi có ngọt không shop?", 1)
    reply("Ngọt thanh chị Lan ơi", 1.5)
    say("Lan", "chốt A12 x2", 2)
    say("Hùng", "Ship về Hà Đông mấy ngày?", 3)
    reply("Hai ngày anh Hùng ạ", 4.5)
    say("Hùng", "B3 x2", 5)
    say("Hoa", "còn A12 không?", 6)
    reply("Còn chị Hoa ơi", 6 + 20 / 60)
    say("Hoa", "A12", 7)
    say("Mai", "chốt B3", 8)
    say("An", "A12 x1", 9)
    say("An", "hủy A12", 9.5)
    say("An", "Có giảm giá không?", 10)
    say("Mai", "Hàng đẹp quá", 12)
    reply("Giảm 10% cho ai chốt hôm nay", 16)
    commune = find_commune("Xã Ô Diên")
    address = dict(province_code=commune_province(commune), commune_code=commune, street="Thôn Đông", note=None,
                   payment_method="cod")
    orders = {}
    for who in ("Lan", "Hùng"):
        buyer = buyers[who]
        lines = afterlive.held_lines(buyer, at(14) + shift, session.id)
        orders[who] = afterlive.checkout_live_cart(buyer, [r.id for r in lines], idempotency_key=f"{who}-{session.id}",
                                                   now=at(14) + shift, name=buyer.name, phone="0912345678",
                                                   **address)[0]
    ordering.transition(orders["Lan"], "confirmed", owner)
    ordering.transition(orders["Hùng"], "cancelled", owner)
    afterlive.expire_holds(at(60 * 25) + shift, user_id=buyers["Hoa"].id)
    live.end_live(owner, session, now=at(20) + shift)
    session.peak_viewers = peak
    db.session.commit()
    return session, buyers


def build(factory, *, consent: bool | None = True, course=None, trainer=None) -> LiveWorld:
    """A class (around `course`, when given) whose member sells in an organisation that ran the live above."""
    trainer = trainer or factory.user("Cô Hạnh", is_trainer=True)
    trainee = factory.user("Nguyễn Thị Hằng")
    org = factory.org(trainee, name="HTX Bưởi Hát Môn thử")
    cohort = cohorts.create_cohort(trainer, name="Lớp livestream Ô Diên", commune_code=find_commune("Xã Ô Diên"),
                                   course_id=course.id if course is not None else None)
    member = cohorts.add_member(trainer, cohort, trainee.phone)
    member.review_consent = consent
    db.session.commit()
    session, buyers = sold_live(factory, trainee, org)
    return LiveWorld(trainer, trainee, org, cohort, session, buyers)
