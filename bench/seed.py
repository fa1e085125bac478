"""Bench data: one seller, a live on air with spread codes and one hot code, many buyers with API tokens (JSON out)."""
from __future__ import annotations

import argparse
import hashlib
import json
import secrets
from datetime import timedelta

from sqlalchemy import insert

from app import create_app
from app.accounts import services as accounts
from app.accounts.models import ApiToken, User
from app.core.addresses import find_commune
from app.core.dbtypes import utcnow
from app.extensions import db
from app.livestream import services as live_services
from app.shop import services as shop

HOT_CODE = "H1"


def seed(buyers: int, codes: int, stock: int, hot_stock: int) -> dict:
    owner = accounts.register_user("Nguyễn Văn Đo", "0911000001", "matkhau123")
    org = accounts.create_organisation(owner, name="HTX Đo Tải", kind="cooperative", province_code=1,
                                       commune_code=find_commune("Xã Ô Diên"))
    live = live_services.schedule_live(owner, org, title="Phiên đo tải", scheduled_at=utcnow() + timedelta(hours=1))
    spread = []
    for n in range(codes):
        product = shop.create_product(owner, org, shop.ProductData(
            name=f"Bưởi Diễn loại {n}", category="fruit", unit="fruit", price=60000 + n, code=f"A{n + 10}",
            status="active", description="Bưởi Diễn Hát Môn, vỏ mỏng, múi mọng."), stock=stock)
        live_services.add_live_product(owner, live, product)
        spread.append(product.code)
    hot = shop.create_product(owner, org, shop.ProductData(name="Gạo nếp cái hoa vàng", category="rice", unit="kg",
                              price=45000, code=HOT_CODE, status="active"), stock=hot_stock)
    live_services.add_live_product(owner, live, hot)
    live_services.start_live(owner, live)
    seller_token = accounts.issue_api_token(owner, days=1, name="bench-console")[0]
    db.session.flush()
    # Buyers in bulk: one password hash shared (scrypt per buyer would take minutes), tokens hashed as the app does.
    if buyers:
        db.session.execute(insert(User), [{"name": f"Người Mua {n}", "phone": f"0912{n:06d}",
                                           "password_hash": owner.password_hash, "created_at": utcnow()}
                                          for n in range(buyers)])
    ids = db.session.scalars(db.select(User.id).where(User.phone.like("0912%")).order_by(User.id)).all()
    raws = ["cl_" + secrets.token_urlsafe(32) for _ in ids]
    expires = utcnow() + timedelta(days=1)
    if ids:
        db.session.execute(insert(ApiToken), [{"user_id": uid, "token_hash": hashlib.sha256(raw.encode()).hexdigest(),
                                               "name": "bench", "created_at": utcnow(), "expires_at": expires}
                                              for uid, raw in zip(ids, raws, strict=False)])
    db.session.commit()
    return {"live_id": live.id, "seller": seller_token, "buyers": raws, "codes": spread, "hot_code": HOT_CODE,
            "product": {"id": hot.id, "slug": hot.slug}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--buyers", type=int, default=100)
    parser.add_argument("--codes", type=int, default=20)
    parser.add_argument("--stock", type=int, default=100000)
    parser.add_argument("--hot-stock", type=int, default=100000)
    args = parser.parse_args()
    app = create_app()
    with app.app_context():
        print(json.dumps(seed(args.buyers, args.codes, args.stock, args.hot_stock)))


if __name__ == "__main__":
    main()
