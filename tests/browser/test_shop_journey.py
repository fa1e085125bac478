"""Browser, phone-sized: a seller lists a product with a photo; one buyer finds it without accents and pays cash on
delivery, another pays by VietQR and sees the QR; the seller confirms, prints the packing slip, reads the dashboard."""
from __future__ import annotations

import io
import re
import uuid
from datetime import timedelta

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.support.browser import sign_in

pytestmark = pytest.mark.browser



@pytest.fixture
def shop_world(app, db, factory):
    """A cooperative with a bank account (for VietQR) and two buyers, committed before the browser acts."""
    from app.core.addresses import HANOI

    owner = factory.user("Nguyễn Văn Bình")
    org = factory.org(owner, name="HTX Nông sản Hát Môn", phone="0911000001")
    org.bank_bin, org.bank_account_number, org.bank_account_name = "970436", "0011004123456", "HTX NONG SAN HAT MON"
    lan = factory.user("Trần Thị Lan", province_code=HANOI)
    minh = factory.user("Lê Văn Minh", province_code=HANOI)
    db.session.commit()
    return owner, org, lan, minh


def photo_file(tmp_path) -> str:
    """A pomelo-ish picture, as a phone camera would send it (JPEG)."""
    from app.shop.demo import draw_photo

    path = tmp_path / "buoi.jpg"
    Image.open(io.BytesIO(draw_photo("Bưởi Diễn", "fruit", 640))).convert("RGB").save(path, "JPEG", quality=85)
    return str(path)


def checkout(page: Page, vi, method_value: str, street: str) -> None:
    """From the cart to the checkout form, filled; the caller submits (or takes a screenshot first)."""
    from app.core.addresses import HANOI, find_commune

    page.goto("/shop/cart")
    page.get_by_role("button", name=vi("Place order")).click()
    expect(page).to_have_url(re.compile(r"/shop/checkout$"))
    page.locator("#phone").fill("0987 654 321")
    if page.locator("#province_code").input_value() != str(HANOI):
        page.locator("#province_code").select_option(str(HANOI))
    commune = str(find_commune("Xã Ô Diên"))
    expect(page.locator(f'#commune_code option[value="{commune}"]')).to_have_count(1)
    page.locator("#commune_code").select_option(commune)
    page.locator("#street").fill(street)
    page.locator(f'input[name="payment_method"][value="{method_value}"]').check()
    page.locator("#consent").check()  # never pre-ticked (accounts.privacy)


def add_pomelos(page: Page, vi, quantity: str) -> None:
    page.goto("/shop/")
    page.get_by_test_id("search-input").fill("buoi dien")
    page.get_by_test_id("search-input").press("Enter")
    first = page.get_by_test_id("product-card").first
    expect(first).to_contain_text("Bưởi Diễn")
    first.click()
    expect(page.locator("h1")).to_have_text("Bưởi Diễn")
    page.locator('.add-to-cart input[name="quantity"]').fill(quantity)
    page.get_by_role("button", name=vi("Add to cart")).click()
    expect(page).to_have_url(re.compile(r"/shop/cart$"))
    expect(page.locator("main")).to_contain_text("Bưởi Diễn")


def past_orders(db, org, buyer, product) -> None:
    """Three weeks of earlier orders, so the dashboard's chart and best sellers have something to show."""
    from app.core.addresses import commune_province, find_commune
    from app.core.dbtypes import utcnow
    from app.shop import services as shop
    from app.shop.ordering import services as ordering

    owner = next(m.user for m in org.memberships if m.role == "owner")
    tea = shop.create_product(owner, org, shop.ProductData(name="Chè xanh Hát Môn", category="tea", unit="pack",
                                                           price=90000, status="active"), stock=4)
    commune = find_commune("Xã Ô Diên")
    now = utcnow()
    for days, items in ((20, [(product, 2)]), (16, [(product, 1), (tea, 1)]), (12, [(product, 2)]),
                        (9, [(product, 1)]), (6, [(product, 1)]), (5, [(tea, 1)]), (3, [(product, 2)]),
                        (2, [(product, 1)]), (1, [(product, 1)])):
        cart = ordering.get_cart(buyer, None, create=True)
        for item, qty in items:
            ordering.add_to_cart(cart, item.variants[0].id, qty)
        [order] = ordering.checkout(cart, buyer, name=buyer.name, phone="0987654321",
                                    province_code=commune_province(commune), commune_code=commune,
                                    street="Xóm Chùa", note=None, payment_method="cod",
                                    idempotency_key=uuid.uuid4().hex, now=now - timedelta(days=days))
        at = now - timedelta(days=days) + timedelta(hours=3)
        for step in ("confirmed", "packed", "shipped", "delivered")[: 4 if days > 3 else 2]:
            ordering.transition(order, step, owner, now=at)
        if order.status == "delivered":
            ordering.mark_paid(order, "manual", None, order.total, owner, now=at)
    db.session.commit()


def test_shop_journey(browser, browser_context_args, browser_app, db, shop_world, vi, shot, tmp_path):
    from app.shop.models import Product
    from app.shop.ordering.models import Order

    owner, org, lan, minh = shop_world
    contexts = [browser.new_context(**browser_context_args) for _ in range(3)]
    try:
        seller, buyer, second = (ctx.new_page() for ctx in contexts)
        for p in (seller, buyer, second):
            p.set_default_timeout(10_000)

        # The seller lists Bưởi Diễn with 20 in stock, then adds a photo.
        sign_in(seller, owner)
        seller.goto(f"/orgs/{org.slug}/manage")
        seller.get_by_test_id("seller-dashboard-link").click()
        expect(seller).to_have_url(re.compile(r"/dashboard$"))
        seller.get_by_test_id("tab-products").click()
        seller.get_by_test_id("new-product").click()
        seller.locator("#name").fill("Bưởi Diễn")
        seller.locator("#price").fill("65.000")
        seller.locator("#unit").select_option("fruit")
        seller.locator("#category").select_option("fruit")
        seller.locator("#code").fill("a12")
        seller.locator("#stock").fill("20")
        seller.locator("#description").fill("Bưởi Diễn trồng bên bãi sông Hồng, **ngọt thanh**, tép vàng.")
        seller.locator("#status").select_option("active")
        seller.get_by_test_id("save-product").click()
        expect(seller.locator(".flash[role=status]")).to_contain_text("A12")
        seller.locator('input[type="file"][name="photo"]').set_input_files(photo_file(tmp_path))
        seller.get_by_test_id("upload-photo").click()
        expect(seller.locator(".flash[role=status]")).to_have_text(vi("Photo added."))
        expect(seller.locator(".manage-photos img")).to_have_count(1)
        product = db.session.query(Product).filter_by(code="A12").one()
        assert product.status == "active" and product.available == 20 and len(product.photos) == 1
        seller.locator("#photos").scroll_into_view_if_needed()
        shot(seller, "seller-product-form")

        # A buyer types without accents, finds it, and pays cash on delivery.
        sign_in(buyer, lan)
        add_pomelos(buyer, vi, "3")
        checkout(buyer, vi, "cod", "Số 12, xóm Chùa")
        buyer.evaluate("window.scrollTo(0, 0)")
        shot(buyer, "shop-checkout")
        buyer.get_by_role("button", name=vi("Place order")).click()
        expect(buyer.locator(".flash[role=status]")).to_contain_text(vi("Thank you! Your order has been placed."))
        cod = db.session.query(Order).filter_by(buyer_id=lan.id).one()
        assert cod.status == "placed" and cod.total == 3 * 65000 + 30000
        expect(buyer.locator("h1")).to_contain_text(cod.number)
        expect(buyer.get_by_test_id("order-total")).to_have_text("225.000 ₫")
        expect(buyer.get_by_test_id("cod-deadline")).to_be_visible()  # the seller has 48 hours to confirm it
        shot(buyer, "shop-cod-order")

        # Another buyer pays by VietQR and sees the code with the exact amount and the order number as memo.
        sign_in(second, minh)
        add_pomelos(second, vi, "2")
        checkout(second, vi, "vietqr", "Thôn Đông, nhà có cây bưởi")
        second.get_by_role("button", name=vi("Place order")).click()
        qr_order = db.session.query(Order).filter_by(buyer_id=minh.id).one()
        assert qr_order.status == "pending_payment" and qr_order.payment_method == "vietqr"
        box = second.get_by_test_id("vietqr")
        expect(box.locator("svg")).to_be_visible()
        expect(second.get_by_test_id("qr-amount")).to_have_text("160.000 ₫")
        expect(second.get_by_test_id("qr-memo")).to_have_text(qr_order.number.replace("-", ""))
        box.scroll_into_view_if_needed()
        shot(second, "shop-vietqr")
        db.session.expire_all()
        assert db.session.get(Product, product.id).available == 15

        # The seller sees both orders, confirms the cash one and prints its packing slip.
        seller.goto(f"/shop/manage/{org.slug}/orders")
        expect(seller.locator("main")).to_contain_text(cod.number)
        expect(seller.locator("main")).to_contain_text(qr_order.number)
        shot(seller, "seller-orders")
        seller.get_by_role("link", name=cod.number).click()
        seller.locator('form:has(input[name="to_status"][value="confirmed"]) button').click()
        expect(seller.locator("main .status").first).to_have_attribute("data-status", "confirmed")
        db.session.expire_all()
        assert db.session.get(Order, cod.id).status == "confirmed"
        with seller.expect_popup() as popup:
            seller.get_by_role("link", name=vi("Print packing slip")).click()
        slip = popup.value
        slip.set_viewport_size({"width": 390, "height": 844})
        expect(slip.locator(".number")).to_have_text(cod.number)
        expect(slip.locator("body")).to_contain_text("Số 12, xóm Chùa")
        expect(slip.locator("body")).to_contain_text(vi("Collect %(amount)s", amount="225.000 ₫"))
        shot(slip, "packing-slip")

        # The dashboard, with three weeks of earlier orders behind today's.
        past_orders(db, org, lan, product)
        seller.goto(f"/shop/manage/{org.slug}/dashboard")
        expect(seller.locator("#orders-chart.drawn canvas")).to_have_count(1)
        expect(seller.get_by_test_id("stat-today").locator(".value")).to_have_text("2")
        expect(seller.get_by_test_id("today-orders")).to_contain_text(qr_order.number)
        expect(seller.get_by_test_id("best-sellers")).to_contain_text("Bưởi Diễn")
        shot(seller, "seller-dashboard")

        # The owner sets the cooperative's own delivery fee; a typo with too many zeros is refused.
        seller.get_by_test_id("tab-shipping").click()
        seller.locator("#flat_fee").fill("250.000.000")
        seller.get_by_test_id("shipping-save").click()
        expect(seller.locator(".flash-error")).to_contain_text("1.000.000 ₫")
        seller.locator("#flat_fee").fill("25.000")
        seller.locator("#free_above").fill("300.000")
        seller.get_by_test_id("shipping-save").click()
        expect(seller.locator(".flash[role=status]")).to_have_text(vi("Delivery fee saved."))
        expect(seller.get_by_test_id("shipping-now")).to_contain_text("25.000 ₫")
        shot(seller, "seller-shipping")

        # Money naming the VietQR order lands in someone else's account: the order stays unpaid, the seller is told.
        from app.core.dbtypes import utcnow
        from app.shop.ordering import payment_events
        from app.shop.payments.bank_notifications import BankNotification

        assert payment_events.handle_bank_notification(BankNotification(
            id="browser-elsewhere", gateway="MBBank", transaction_date=utcnow(), account_number="0999888777",
            content=f"IBFT {qr_order.number} mua buoi", transfer_type="in", amount=qr_order.total,
            reference_code="FT1")) == "account_mismatch"
        db.session.commit()
        seller.goto(f"/shop/manage/{org.slug}/bank-reviews")
        expect(seller.locator("main article")).to_contain_text(
            vi("Paid into another account, not yours: the order stays unpaid"))
        expect(seller.get_by_test_id("received-into")).to_contain_text("MBBank ···8777")
        shot(seller, "seller-bank-review")
    finally:
        for ctx in contexts:
            ctx.close()
