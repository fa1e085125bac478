"""Stock reasons and order notes the system writes are shown in the reader's language; a seller's own stays."""
from __future__ import annotations

import pytest
from flask_babel import force_locale

from app.shop.reasons import system_text


@pytest.mark.parametrize("stored,vi,en", [
    ("order CL-7K3F9Q", "Đơn hàng CL-7K3F9Q", "Order CL-7K3F9Q"),
    ("order CL-7K3F9Q sold", "Đơn hàng CL-7K3F9Q đã bán", "Order CL-7K3F9Q sold"),
    ("order CL-7K3F9Q cancelled", "Đơn hàng CL-7K3F9Q đã hủy", "Order CL-7K3F9Q cancelled"),
    ("live 3 message 41", "Chốt đơn trong live #3", "Order in the chat of live #3"),
    ("live 3 reservation 9: hold ran out", "Live #3: hết thời gian giữ hàng", "Live #3: the hold ran out"),
    ("payment time ran out", "Hết thời gian thanh toán", "Payment time ran out"),
    ("paid via bank", "Đã thanh toán (chuyển khoản)", "Paid (bank transfer)"),
    ("Thu hoạch sáng nay", "Thu hoạch sáng nay", "Thu hoạch sáng nay"),  # typed by the seller
])
def test_system_reasons_read_in_the_readers_language(app, stored, vi, en):
    with app.test_request_context("/"):
        with force_locale("vi"):
            assert system_text(stored) == vi
        with force_locale("en"):
            assert system_text(stored) == en
        assert system_text(None) == ""


def test_the_stock_page_shows_them_translated(client, auth, db, seller, make_product):
    from app.shop import inventory

    owner, org = seller
    product = make_product(owner, org, stock=5)
    inventory.reserve_stock(product.variants[0].id, 1, reason="order CL-AAAAAA")
    db.session.commit()
    auth.login_as(owner)
    page = client.get(f"/shop/manage/{org.slug}/products/{product.id}/stock").get_data(as_text=True)
    assert "Đơn hàng CL-AAAAAA" in page and "order CL-AAAAAA" not in page
