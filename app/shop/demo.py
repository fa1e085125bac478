"""Demo products for the demo district, with photos drawn by Pillow (nothing downloaded); idempotent."""
from __future__ import annotations

import io
from datetime import date, timedelta

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select

from ..accounts.models import Organisation
from ..accounts.services import find_user_by_login
from ..core import addresses
from ..core.banks import BANKS_BY_BIN
from ..core.storage import get_storage
from ..core.text import fold
from ..extensions import db
from . import documents, photos, services
from .models import Product
from .services import ProductData, VariantRow

# A stand-in for a scanned certificate (a one-page PDF); the demo's OCOP badges come from it, as a seller's do.
DEMO_CERTIFICATE = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
                    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
BUOI, RAU, GAO, MAY = ("HTX Bưởi Diễn Hát Môn", "HTX Rau sạch Ô Diên", "Hộ kinh doanh Gạo nếp Liên Minh",
                       "Hộ kinh doanh Mây tre Đan Phượng")
OWNERS = {BUOI: "0911000001", RAU: "0911000003", GAO: "0911000004", MAY: "0911000005"}

# (org, code, name, category, unit, price, stock, extras); extras: ocop stars, variants [(label, price, stock)],
# preorder days until harvest, compare-at price, description, origin commune name.
PRODUCTS: list[tuple] = [
    (BUOI, "A12", "Bưởi Diễn", "fruit", "fruit", 65000, 120,
     {"ocop": 4, "desc": "Bưởi Diễn trồng bên bãi sông Hồng, quả 1–1,2 kg, **ngọt thanh**, tép vàng. Hái tay trong ngày, "
             "để nơi thoáng mát ăn ngon trong 2–3 tuần.",
      "compare": 75000}),
    (BUOI, "A13", "Bưởi Diễn hộp quà Tết", "fruit", "box", 390000, 0,
     {"ocop": 4, "variants": [("Hộp 4 quả", 390000, 15), ("Hộp 6 quả", 560000, 10)],
      "desc": "Hộp quà bưởi Diễn chọn quả đẹp, kèm thiệp chúc Tết."}),
    (BUOI, "A14", "Bưởi da xanh", "fruit", "fruit", 70000, 60, {}),
    (BUOI, "A15", "Cam Canh", "fruit", "kg", 45000, 0,
     {"variants": [("1kg", 45000, 40), ("2kg", 85000, 25), ("5kg", 200000, 8)], "desc": "Cam Canh vỏ mỏng, mọng nước."}),
    (BUOI, "A16", "Quýt đường", "fruit", "kg", 40000, 35, {}),
    (BUOI, "A17", "Nhãn lồng Hưng Yên", "fruit", "kg", 55000, 0, {"preorder": 45, "cap": 300}),
    (BUOI, "A18", "Vải thiều Lục Ngạn", "fruit", "kg", 50000, 0, {"preorder": 60, "cap": 500}),
    (BUOI, "A19", "Chuối tiêu hồng", "fruit", "hand", 35000, 30, {}),
    (BUOI, "A20", "Ổi lê Đài Loan", "fruit", "kg", 30000, 45, {}),
    (BUOI, "A21", "Mứt vỏ bưởi", "processed", "jar", 60000, 25, {"ocop": 3}),
    (BUOI, "A22", "Tinh dầu vỏ bưởi", "processed", "bottle", 85000, 0,
     {"variants": [("30ml", 85000, 20), ("100ml", 220000, 12)], "ocop": 3}),
    (RAU, "B1", "Rau sạch hỗn hợp", "vegetables", "bunch", 15000, 80,
     {"desc": "Một túi gồm rau muống, cải ngọt, rau thơm: hái sáng, giao chiều."}),
    (RAU, "B2", "Rau muống", "vegetables", "bunch", 10000, 100, {}),
    (RAU, "B3", "Cải ngọt", "vegetables", "bunch", 12000, 70, {}),
    (RAU, "B4", "Su hào", "vegetables", "piece", 8000, 60, {}),
    (RAU, "B5", "Bắp cải", "vegetables", "piece", 15000, 50, {}),
    (RAU, "B6", "Cà chua bi", "vegetables", "kg", 40000, 0,
     {"variants": [("500g", 22000, 30), ("1kg", 40000, 20)]}),
    (RAU, "B7", "Dưa chuột", "vegetables", "kg", 20000, 40, {}),
    (RAU, "B8", "Rau thơm các loại", "vegetables", "bunch", 5000, 90, {}),
    (RAU, "B9", "Mồng tơi", "vegetables", "bunch", 10000, 45, {}),
    (RAU, "B10", "Bí đỏ", "vegetables", "kg", 18000, 35, {}),
    (RAU, "B11", "Khoai lang", "vegetables", "kg", 25000, 0, {"preorder": 20, "cap": 200}),
    (RAU, "B12", "Dưa muối", "processed", "jar", 30000, 20, {}),
    (RAU, "B13", "Trứng gà ta", "other", "tray", 45000, 0, {"variants": [("Vỉ 10 quả", 45000, 30), ("Vỉ 30 quả", 130000, 10)]}),
    (GAO, "C1", "Gạo nếp cái hoa vàng", "rice", "kg", 38000, 0,
     {"ocop": 3, "variants": [("2kg", 76000, 40), ("5kg", 185000, 20)],
      "desc": "Nếp cái hoa vàng Liên Minh, hạt tròn, dẻo thơm: đồ xôi, gói bánh chưng."}),
    (GAO, "C2", "Gạo tám thơm", "rice", "kg", 25000, 0, {"variants": [("5kg", 125000, 30), ("10kg", 240000, 15)]}),
    (GAO, "C3", "Gạo lứt đỏ", "rice", "kg", 35000, 40, {}),
    (GAO, "C4", "Gạo nếp mới", "rice", "kg", 32000, 0, {"preorder": 30, "cap": 400}),
    (GAO, "C5", "Bánh chưng gói tay", "processed", "piece", 60000, 0,
     {"variants": [("Nhỏ", 60000, 30), ("Vừa", 90000, 20), ("Lớn", 140000, 10)],
      "desc": "Gói theo đơn bằng gạo nếp nhà trồng, đỗ xanh, thịt ba chỉ."}),
    (GAO, "C6", "Cốm làng Vòng", "processed", "pack", 50000, 25, {}),
    (GAO, "C7", "Xôi gấc", "processed", "box", 35000, 15, {}),
    (GAO, "C8", "Bột gạo nếp", "processed", "bag", 30000, 30, {}),
    (GAO, "C9", "Trà sen Tây Hồ", "tea", "box", 350000, 12, {"ocop": 5, "compare": 400000}),
    (GAO, "C10", "Chè xanh Thái Nguyên", "tea", "pack", 120000, 0,
     {"ocop": 4, "variants": [("100g", 60000, 30), ("200g", 120000, 20), ("500g", 280000, 8)]}),
    (GAO, "C11", "Trà atiso", "tea", "pack", 90000, 20, {}),
    (MAY, "D1", "Rổ mây tre đan", "handicraft", "piece", 85000, 0,
     {"variants": [("S", 65000, 12), ("M", 85000, 10), ("L", 120000, 6)],
      "desc": "Rổ đan tay từ tre già ngâm bùn, cạp mây nẹp hai lớp. Cỡ S miệng 25 cm, M 30 cm, L 35 cm. "
              "Rửa bằng nước, phơi khô chỗ thoáng để rổ không mốc."}),
    (MAY, "D2", "Khay mây chữ nhật", "handicraft", "piece", 150000, 15, {"ocop": 3}),
    (MAY, "D3", "Giỏ mây đi chợ", "handicraft", "piece", 180000, 10, {}),
    (MAY, "D4", "Làn mây có quai", "handicraft", "piece", 220000, 8, {"compare": 260000}),
    (MAY, "D5", "Đèn mây treo trần", "handicraft", "piece", 450000, 0, {"preorder": 14, "cap": 20}),
    (MAY, "D6", "Bộ lót cốc tre", "handicraft", "set", 70000, 30, {}),
    (MAY, "D7", "Nón lá", "handicraft", "piece", 60000, 25, {}),
    (MAY, "D8", "Hộp tre đựng trà", "handicraft", "piece", 95000, 18, {}),
]

PALETTE = {"fruit": ((255, 236, 179), (236, 140, 30)), "vegetables": ((220, 242, 214), (46, 139, 62)),
           "rice": ((250, 244, 225), (196, 160, 70)), "tea": ((230, 240, 220), (90, 120, 40)),
           "processed": ((253, 226, 214), (192, 80, 50)), "handicraft": ((240, 228, 210), (139, 94, 52)),
           "other": ((235, 235, 245), (90, 90, 140))}


def draw_photo(name: str, category: str, size: int = 480) -> bytes:
    """A simple picture: a coloured background, a shape for the category and the product's initials."""
    background, ink = PALETTE.get(category, PALETTE["other"])
    image = Image.new("RGB", (size, size), background)
    draw = ImageDraw.Draw(image)
    s = size
    if category == "fruit":
        draw.ellipse((s * .18, s * .2, s * .82, s * .84), fill=ink)
        draw.ellipse((s * .48, s * .1, s * .66, s * .24), fill=(60, 140, 60))
    elif category == "vegetables":
        for dx in (-.16, 0, .16):
            draw.ellipse((s * (.32 + dx), s * .15, s * (.52 + dx), s * .75), fill=ink)
        draw.rectangle((s * .44, s * .6, s * .56, s * .85), fill=(120, 90, 50))
    elif category == "rice":
        draw.rounded_rectangle((s * .25, s * .2, s * .75, s * .85), radius=s * .06, fill=ink)
        draw.rectangle((s * .25, s * .2, s * .75, s * .3), fill=(150, 110, 40))
    elif category == "tea":
        draw.rounded_rectangle((s * .25, s * .35, s * .7, s * .8), radius=s * .08, fill=ink)
        draw.ellipse((s * .62, s * .45, s * .82, s * .65), outline=ink, width=int(s * .04))
    elif category == "handicraft":
        draw.ellipse((s * .15, s * .3, s * .85, s * .85), fill=ink)
        for y in range(int(s * .38), int(s * .82), int(s * .06)):
            draw.line((s * .2, y, s * .8, y), fill=background, width=3)
    else:
        draw.rounded_rectangle((s * .2, s * .25, s * .8, s * .8), radius=s * .05, fill=ink)
    initials = "".join(word[0] for word in fold(name).split()[:2]).upper()
    try:
        font = ImageFont.load_default(size=int(s * .2))
    except TypeError:  # Pillow without FreeType: the small bitmap font still shows the letters
        font = ImageFont.load_default()
    draw.text((s / 2, s * .55), initials, fill=(255, 255, 255), font=font, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="WEBP", quality=70)
    return out.getvalue()


def seed_products() -> int:
    """Add the demo products that are not there yet (matched by organisation and code); return how many."""
    storage = get_storage()
    today = date.today()
    added = 0
    for org_name, code, name, category, unit, price, stock, extra in PRODUCTS:
        org = db.session.scalar(select(Organisation).where(Organisation.name == org_name))
        owner = find_user_by_login(OWNERS[org_name])
        if org is None or owner is None:
            continue
        if db.session.scalar(select(Product.id).where(Product.organisation_id == org.id, Product.code == code)):
            continue
        preorder_days = extra.get("preorder")
        data = ProductData(
            name=name, category=category, unit=unit, price=price, code=code, status="active",
            description=extra.get("desc"), compare_at_price=extra.get("compare"),
            origin_commune_code=org.commune_code or addresses.find_commune("Xã Ô Diên"),
            is_preorder=bool(preorder_days), harvest_date=today + timedelta(days=preorder_days) if preorder_days else None,
            preorder_cap=extra.get("cap"),
        )
        product = services.create_product(owner, org, data, stock=stock)
        if extra.get("ocop"):  # the badge comes from a certificate, as for any seller: issued 18 months ago
            stars = extra["ocop"]
            documents.add_document(owner, product, documents.DocumentData(
                kind="ocop", number=f"OCOP-HN-{code}-DEMO", ocop_stars=stars,
                issuing_level="ministry" if stars == 5 else "province", issued_on=documents.add_months(today, -18)),
                DEMO_CERTIFICATE, storage, today=today)
        variants = extra.get("variants")
        if variants:
            default = product.variants[0]
            rows = [VariantRow(default.id if i == 0 else None, label, vprice) for i, (label, vprice, _) in
                    enumerate(variants)]
            for variant, (_, _, vstock) in zip(services.set_variants(owner, product, rows), variants, strict=True):
                if vstock:
                    services.adjust_variant_stock(owner, product, variant.id, vstock, "Nhập kho ban đầu")
        if preorder_days and extra.get("cap"):
            # Pre-orders are taken against the cap: the harvest is promised, not yet in the shed.
            services.adjust_variant_stock(owner, product, product.variants[0].id, extra["cap"], "Nhận đặt trước")
        photos.add_photo(owner, product, draw_photo(name, category), storage)
        added += 1
    db.session.flush()
    return added


# Demo orders --------------------------------------------------------------------------------------------
# (key, days and hours ago, buyer phone, org, [(code, option label or None, quantity)], payment, final state).
# They walk the real services (cart, checkout, transitions, payments), so stock stays balanced.
BUYERS = ("0922000001", "0922000002", "0922000003")
DEMO_ORDERS: list[tuple] = [
    ("01", 29, 5, 0, BUOI, [("A12", None, 4)], "cod", "delivered"),
    ("02", 27, 3, 1, BUOI, [("A15", "2kg", 1), ("A16", None, 2)], "cod", "delivered"),
    ("03", 25, 8, 2, RAU, [("B1", None, 3), ("B3", None, 2)], "cod", "delivered"),
    ("04", 23, 2, 0, BUOI, [("A13", "Hộp 4 quả", 1)], "vietqr", "delivered"),
    ("05", 21, 6, 1, BUOI, [("A12", None, 2)], "cod", "cancelled"),
    ("06", 19, 4, 2, GAO, [("C1", "2kg", 2)], "vietqr", "refunded"),
    ("07", 17, 9, 0, BUOI, [("A12", None, 6), ("A21", None, 1)], "cod", "delivered"),
    ("08", 15, 1, 1, MAY, [("D1", "M", 1), ("D7", None, 2)], "cod", "delivered"),
    ("09", 13, 7, 2, BUOI, [("A14", None, 2)], "cod", "delivered"),
    ("10", 11, 3, 0, BUOI, [("A22", "30ml", 2)], "vietqr", "delivered"),
    ("11", 9, 5, 1, RAU, [("B6", "1kg", 1), ("B2", None, 4)], "cod", "shipped"),
    ("12", 8, 2, 2, BUOI, [("A12", None, 3)], "cod", "delivered"),
    ("13", 6, 8, 0, BUOI, [("A19", None, 2), ("A20", None, 1)], "cod", "shipped"),
    ("14", 5, 4, 1, GAO, [("C9", None, 1)], "vietqr", "packed"),
    ("15", 4, 6, 2, BUOI, [("A13", "Hộp 6 quả", 1)], "vietqr", "shipped"),
    ("16", 3, 2, 0, BUOI, [("A12", None, 5)], "cod", "packed"),
    ("17", 2, 9, 1, BUOI, [("A15", "1kg", 2)], "cod", "confirmed"),
    ("18", 1, 3, 2, BUOI, [("A16", None, 3)], "cod", "cancelled"),
    ("19", 1, 1, 0, RAU, [("B1", None, 2)], "cod", "confirmed"),
    ("20", 0, 3, 1, BUOI, [("A12", None, 2), ("A21", None, 1)], "cod", "placed"),
    ("21", 0, 2, 2, BUOI, [("A14", None, 1)], "vietqr", "pending_payment"),
    ("22", 0, 1, 0, BUOI, [("A12", None, 3)], "vietqr", "placed"),
    ("23", 0, 1, 1, RAU, [("B5", None, 2)], "vietqr", "pending_payment"),
    ("24", 10, 4, 2, RAU, [("B3", None, 1)], "cod", "returned"),
]
# Where each state is reached from "placed" (COD) or from a paid transfer.
PATHS = {"placed": (), "confirmed": ("confirmed",), "packed": ("confirmed", "packed"),
         "shipped": ("confirmed", "packed", "shipped"), "delivered": ("confirmed", "packed", "shipped", "delivered"),
         "cancelled": ("cancelled",), "refunded": ("confirmed", "refunded"), "pending_payment": (),
         "returned": ("confirmed", "packed", "shipped", "returned")}
DEMO_KEY = "demo-order-"


def _demo_variant(org: Organisation, code: str, label: str | None):
    product = db.session.scalar(select(Product).where(Product.organisation_id == org.id, Product.code == code))
    if product is None:
        return None
    return next((v for v in product.active_variants if v.label == label), None)


def _bank_name(org: Organisation) -> str:
    """The bank a demo transfer arrives at, named the way SePay names it."""
    bank = BANKS_BY_BIN.get(org.bank_bin or "")
    return bank.short_name if bank else ""


def seed_orders(now=None) -> int:
    """Add the demo orders not there yet (matched by idempotency key), one in each state and more for the
    chart; a transfer of the wrong amount waits in HTX Bưởi Diễn's review list. Returns how many were added."""
    from ..core.dbtypes import utcnow
    from .dashboard import VIETNAM
    from .ordering import address_book, payment_events
    from .ordering import services as ordering
    from .payments.bank_notifications import BankNotification

    now = now or utcnow()
    added = 0
    commune = addresses.find_commune("Xã Ô Diên")
    for key, days, hours, buyer_no, org_name, items, method, state in DEMO_ORDERS:
        buyer = find_user_by_login(BUYERS[buyer_no])
        if buyer is not None and ordering.orders_for_key(buyer, DEMO_KEY + key):
            continue
        org = db.session.scalar(select(Organisation).where(Organisation.name == org_name))
        owner = find_user_by_login(OWNERS[org_name])
        variants = [(_demo_variant(org, code, label), qty) for code, label, qty in items] if org else []
        if not variants or owner is None or buyer is None or any(v is None or v.available < q for v, q in variants):
            continue
        created = now - timedelta(days=days, hours=hours)
        if days == 0:  # "today" in Hà Nội, whatever the hour the demo is seeded at
            midnight = now.astimezone(VIETNAM).replace(hour=0, minute=0, second=0, microsecond=0)
            created = midnight + (now - midnight) * (1 - hours / 4)
        cart = ordering.get_cart(buyer, None, create=True)
        cart.lines.clear()
        for variant, qty in variants:
            ordering.add_to_cart(cart, variant.id, qty)
        [order] = ordering.checkout(
            cart, buyer, name=buyer.name, phone=buyer.phone, province_code=addresses.commune_province(commune),
            commune_code=commune, street=f"Số {10 + int(key)}, thôn Đoài", note=None, payment_method=method,
            idempotency_key=DEMO_KEY + key, payment_minutes=(days * 24 + hours + 72) * 60, now=created)
        address_book.remember(buyer, order, now=created)
        at = created + timedelta(minutes=20)
        if method == "vietqr" and state != "pending_payment":
            # The transfer arrives the way SePay reports it, with the bank's words around the order number.
            paid = BankNotification(id=f"demo-{key}", gateway=_bank_name(org), transaction_date=at,
                                    account_number=org.bank_account_number or "", content=f"MBVCB.{key} {order.number} CK",
                                    transfer_type="in", amount=order.total, reference_code=f"FT{key}")
            payment_events.handle_bank_notification(paid, now=at)
        for step in PATHS[state]:
            at += timedelta(hours=5)
            ordering.transition(order, step, owner, now=at)
        if state == "delivered" and order.paid_at is None:
            ordering.mark_paid(order, "manual", None, order.total, owner, now=at)  # the courier brought the cash
        added += 1
    # A buyer who typed the amount wrong: the transfer waits for the seller in the review list (once: by its id).
    review_buyer = find_user_by_login(BUYERS[2])  # the buyer of demo order 21
    waiting = ordering.orders_for_key(review_buyer, DEMO_KEY + "21") if review_buyer else []
    if waiting and waiting[0].status == "pending_payment":
        order, org = waiting[0], waiting[0].organisation
        payment_events.handle_bank_notification(BankNotification(
            id="demo-review-21", gateway=_bank_name(org), transaction_date=now, account_number=org.bank_account_number or "",
            content=f"IBFT {order.number} mua buoi", transfer_type="in", amount=order.total - 10000,
            reference_code="FT-REVIEW"), now=now)
    db.session.flush()
    return added
