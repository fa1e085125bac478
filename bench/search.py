"""Search: many generated products bulk-inserted, p50/p95 of diacritic-blind catalog searches (SQLite and PostgreSQL).

`python -m bench.search --products N` runs inside the app against DATABASE_URL and prints JSON; `run()` gives it
a fresh, migrated database on each engine and pins it to the server core.
"""
from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
import time

from . import common

QUICK = {"products": 10000, "samples": 34}
FULL = {"products": 100000, "samples": 68}
KINDS = ["Bưởi", "Gạo", "Chè", "Mật ong", "Cam", "Nhãn", "Vải", "Miến", "Nước mắm", "Tương", "Măng", "Nấm"]
ORIGINS = ["Diễn", "nếp cái hoa vàng", "Thái Nguyên", "rừng U Minh", "Cao Phong", "lồng Hưng Yên", "thiều Lục Ngạn",
           "dong Bắc Kạn", "Phú Quốc", "Bần", "khô Tây Bắc", "hương Sa Pa"]
GRADES = ["loại 1", "đặc biệt", "hữu cơ", "sấy", "túi 1kg", "quà Tết"]
QUERIES = ["buoi dien", "gao nep cai", "che thai nguyen", "mat ong rung", "cam cao phong", "nhan long",
           "vai thieu luc ngan", "mien dong", "nuoc mam phu quoc", "tuong ban", "mang kho", "nam huong",
           "bưởi", "chè thái", "huu co", "qua tet", "dac biet"]


def _fill(count: int) -> None:
    from sqlalchemy import insert, select, text

    from app.accounts import services as accounts
    from app.core.addresses import find_commune
    from app.extensions import db
    from app.shop import services as shop
    from app.shop.models import Product, Variant
    from app.shop.search import search_fields

    owner = accounts.register_user("Người Bán Đo", "0911000002", "matkhau123")
    org = accounts.create_organisation(owner, name="HTX Tìm Kiếm", kind="cooperative", province_code=1,
                                       commune_code=find_commune("Xã Ô Diên"))
    template = shop.create_product(owner, org, shop.ProductData(name="Mẫu", category="fruit", unit="kg", price=50000,
                                   code="T0", status="active"), stock=10)
    db.session.flush()
    row = {c.name: getattr(template, c.key) for c in Product.__table__.columns if c.name != "id"}
    vrow = {c.name: getattr(template.variants[0], c.key) for c in Variant.__table__.columns if c.name != "id"}
    names = [" ".join(p) for p in itertools.product(KINDS, ORIGINS, GRADES)]
    chunk = 2000
    for start in range(0, count, chunk):
        rows = []
        for n in range(start, min(count, start + chunk)):
            name = f"{names[n % len(names)]} {n // len(names)}"
            search_name, search_text = search_fields(name, f"P{n}", "Fruit", org.name, None, "Xã Ô Diên")
            rows.append({**row, "name": name, "code": f"P{n}", "slug": f"sp-{n}", "price": 20000 + n % 500 * 1000,
                         "search_name": search_name, "search_text": search_text})
        db.session.execute(insert(Product), rows)
    ids = db.session.scalars(select(Product.id).where(Product.code.like("P%"))).all()
    for start in range(0, len(ids), chunk):
        db.session.execute(insert(Variant), [{**vrow, "product_id": pid} for pid in ids[start:start + chunk]])
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # What autovacuum does to a real catalog soon after a bulk load: without statistics the planner also scans
        # the status index (3-38 ms a search), which no long-running catalog would see.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE products, variants")
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()


def _measure(samples: int, budget_s: float = 60) -> dict:
    from app.extensions import db
    from app.shop import queries

    timings, hits = [], {}
    deadline = time.perf_counter() + budget_s  # a slow engine gets fewer samples, never an unbounded run
    for i in range(samples):
        if i >= len(QUERIES) and time.perf_counter() > deadline:
            break
        q = QUERIES[i % len(QUERIES)]
        started = time.perf_counter()
        page = queries.catalog(queries.CatalogFilters(q=q))
        timings.append(time.perf_counter() - started)
        hits[q] = page.total
        db.session.rollback()
    return {"p50_ms": common.ms(common.percentile(timings, 50)), "p95_ms": common.ms(common.percentile(timings, 95)),
            "max_ms": common.ms(max(timings)), "samples": len(timings), "hits": hits}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=10000)
    parser.add_argument("--samples", type=int, default=100)
    args = parser.parse_args()
    from app import create_app

    app = create_app()
    with app.app_context():
        started = time.perf_counter()
        _fill(args.products)
        filled = time.perf_counter() - started
        queries_run = _measure(args.samples)
    print(json.dumps({"products": args.products, "insert_s": round(filled, 1), **queries_run}))


def run(quick: bool, workdir) -> dict:
    settings = QUICK if quick else FULL
    server_core, _ = common.cores()
    results = {}
    for kind in ("sqlite", "postgresql"):
        with common.database(kind, workdir) as url:
            env = common.app_env(url, workdir)
            cmd = (["taskset", "-c", server_core] if server_core else []) + [
                sys.executable, "-m", "bench.search", "--products", str(settings["products"]),
                "--samples", str(settings["samples"])]
            done = subprocess.run(cmd, cwd=common.ROOT, env=env, check=True, capture_output=True, text=True,
                                  timeout=1800)
            results[kind] = json.loads(done.stdout.strip().splitlines()[-1])
    return {"settings": settings, "app": results}


if __name__ == "__main__":
    main()
