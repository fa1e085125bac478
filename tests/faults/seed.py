"""Data for the fault drills, written by `python -m tests.faults.seed <buyers>` into the cluster's database."""
from __future__ import annotations

import json
import sys
from datetime import timedelta

from app import create_app
from app.accounts import services as accounts
from app.core.addresses import find_commune
from app.core.dbtypes import utcnow
from app.extensions import db
from app.livestream import services as live_services
from app.shop import services as shop

LIVE_STOCK = 5000  # more than a drill can sell: every refusal would be a bug, never "sold out"
SHOP_STOCK = 100000


def main(buyers: int) -> dict:
    app = create_app()
    with app.app_context():
        owner = accounts.register_user("Nguyễn Văn Diễn Tập", "0911000009", "matkhau123")
        commune = find_commune("Xã Ô Diên")
        org = accounts.create_organisation(owner, name="HTX Diễn Tập Sự Cố", kind="cooperative", province_code=1,
                                           commune_code=commune)
        org.bank_bin, org.bank_account_number, org.bank_account_name = "970436", "0123456789", "HTX DIEN TAP"
        lives = {}
        for drill, code in (("kill", "A12"), ("redis", "B3"), ("postgres", "C5")):
            product = shop.create_product(owner, org, shop.ProductData(
                name=f"Bưởi Diễn {code}", category="fruit", unit="piece", price=60000, code=code, status="active"),
                stock=LIVE_STOCK)
            live = live_services.schedule_live(owner, org, title=f"Phiên diễn tập {drill}",
                                               scheduled_at=utcnow() + timedelta(hours=1))
            live_product = live_services.add_live_product(owner, live, product)
            live_services.start_live(owner, live)
            lives[drill] = {"live_id": live.id, "code": code, "variant_id": product.variants[0].id,
                            "live_product_id": live_product.id}
        goods = shop.create_product(owner, org, shop.ProductData(
            name="Gạo nếp cái hoa vàng", category="rice", unit="bag", price=45000, code="G1", status="active"),
            stock=SHOP_STOCK)
        tokens, buyer_ids = [], []
        for n in range(buyers):
            buyer = accounts.register_user(f"Người Mua Diễn Tập {n}", f"09130{n:05d}", "matkhau123")
            tokens.append(accounts.issue_api_token(buyer, days=1, name="drill")[0])
            buyer_ids.append(buyer.id)
        db.session.commit()
        return {"lives": lives, "shop_variant_id": goods.variants[0].id, "buyers": tokens, "buyer_ids": buyer_ids,
                "address": {"province_code": 1, "commune_code": commune}, "org_slug": org.slug}


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]))))
