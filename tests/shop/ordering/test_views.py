"""Cart, checkout and order pages through the client; seller pages and their authorisation."""
from __future__ import annotations

from app.shop.ordering.models import Order


def counters(db, variant):
    db.session.expire_all()
    return variant.available, variant.reserved, variant.sold


def give_bank(db, org):
    org.bank_bin, org.bank_account_number, org.bank_account_name = "970436", "0123456789", "HTX BUOI DIEN"
    db.session.commit()


def checkout_form(address, method="cod", key="key-1"):
    return {"name": "Trần Văn Mua", "phone": "0912 345 678", "street": "Số 5 thôn Đông", "note": "Gọi trước",
            "payment_method": method, "idempotency_key": key, "consent": "y",
            "province_code": str(address["province_code"]), "commune_code": str(address["commune_code"])}


def test_guest_cart_then_cod_checkout_one_order_per_organisation(db, client, auth, factory, buyer, stocked,
                                                                    make_product, address):
    owner2 = factory.user("Chủ hộ 2")
    org2 = factory.org(owner2, name="Hộ Chè Tân Cương")
    tea = make_product(owner2, org2, "Chè Tân Cương", stock=5, price=120000, category="tea", unit="bag").variants[0]
    assert client.post("/shop/cart/add", data={"variant_id": stocked.id, "quantity": 2}).status_code == 302
    client.post("/shop/cart/add", data={"variant_id": tea.id, "quantity": 1})
    page = client.get("/shop/cart").get_data(as_text=True)
    assert "Chè Tân Cương" in page and "Bưởi Diễn" in page
    assert client.get("/shop/checkout").status_code == 302  # sign in first
    auth.login_as(buyer)
    assert "Chè Tân Cương" in client.get("/shop/cart").get_data(as_text=True)  # guest cart merged
    page = client.get("/shop/checkout").get_data(as_text=True)
    assert 'value="cod"' in page and 'value="vietqr"' not in page and 'value="stripe"' not in page
    response = client.post("/shop/checkout", data=checkout_form(address))
    assert response.status_code == 302 and response.location.endswith("/shop/orders")
    orders = db.session.query(Order).order_by(Order.id).all()
    assert len(orders) == 2 and {o.status for o in orders} == {"placed"}
    assert {o.organisation_id for o in orders} == {stocked.product.organisation_id, org2.id}
    assert orders[0].buyer_phone == "+84912345678"
    assert counters(db, stocked) == (8, 2, 0) and counters(db, tea) == (4, 1, 0)
    # the same form posted again (double tap) creates nothing more
    client.post("/shop/checkout", data=checkout_form(address))
    assert db.session.query(Order).count() == 2
    listing = client.get("/shop/orders").get_data(as_text=True)
    assert orders[0].number in listing and orders[1].number in listing


def test_archived_product_cannot_be_added(db, client, stocked):
    stocked.product.status = "archived"
    db.session.commit()
    client.post("/shop/cart/add", data={"variant_id": stocked.id, "quantity": 1})
    assert 'name="quantity"' not in client.get("/shop/cart").get_data(as_text=True)
    assert client.post("/shop/cart/add", data={"variant_id": 987654, "quantity": 1}).status_code == 302


def place_vietqr(db, client, auth, buyer, stocked, address, seller):
    give_bank(db, seller[1])
    auth.login_as(buyer)
    client.post("/shop/cart/add", data={"variant_id": stocked.id, "quantity": 2})
    response = client.post("/shop/checkout", data=checkout_form(address, "vietqr"))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return db.session.query(Order).one()


def test_vietqr_order_page_shows_qr_amount_and_memo(db, client, auth, buyer, stocked, address, seller):
    order = place_vietqr(db, client, auth, buyer, stocked, address, seller)
    assert order.status == "pending_payment" and order.expires_at is not None
    page = client.get(f"/shop/orders/{order.number}").get_data(as_text=True)
    assert "<svg" in page and 'data-testid="vietqr"' in page
    memo = order.number.replace("-", "")
    assert memo in page and f'data-copy="{order.total}"' in page and 'data-copy="0123456789"' in page
    assert "150.000" in page  # 2 × 60.000 + 30.000 shipping
    # typed with spaces and lower case it is still found
    response = client.get(f"/shop/orders/{order.number.lower().replace('-', ' ')}")
    assert response.status_code == 302 and response.location.endswith(order.number)


def test_buyer_cannot_open_another_buyers_order(db, client, auth, factory, buyer, stocked, address, seller):
    order = place_vietqr(db, client, auth, buyer, stocked, address, seller)
    auth.logout()
    auth.login_as(factory.user("Người khác"))
    assert client.get(f"/shop/orders/{order.number}").status_code == 404
    assert client.get(f"/shop/orders/{order.number}/pay").status_code == 404


def test_seller_confirms_prints_and_marks_paid(db, client, auth, buyer, stocked, address, seller):
    order = place_vietqr(db, client, auth, buyer, stocked, address, seller)
    auth.logout()
    owner, org = seller
    auth.login_as(owner)
    base = f"/shop/manage/{org.slug}/orders"
    assert order.number in client.get(base).get_data(as_text=True)
    assert order.number in client.get(base + "?status=pending_payment").get_data(as_text=True)
    assert order.number not in client.get(base + "?status=placed").get_data(as_text=True)
    # illegal: confirm before payment
    client.post(f"{base}/{order.number}/status", data={"to_status": "confirmed"})
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "pending_payment"
    client.post(f"{base}/{order.number}/paid")
    db.session.expire_all()
    paid = db.session.get(Order, order.id)
    assert paid.status == "placed" and paid.paid_at is not None
    assert counters(db, stocked) == (8, 0, 2)
    client.post(f"{base}/confirm", data={"number": [order.number]})
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "confirmed"
    slip = client.get(f"{base}/{order.number}/slip").get_data(as_text=True)
    assert "@media print" in slip and order.number in slip


def test_member_of_another_organisation_cannot_see_or_change(db, client, auth, factory, buyer, stocked, address,
                                                            seller):
    order = place_vietqr(db, client, auth, buyer, stocked, address, seller)
    auth.logout()
    other_owner = factory.user("Chủ HTX khác")
    factory.org(other_owner, name="HTX Khác")
    org = seller[1]
    auth.login_as(other_owner)
    base = f"/shop/manage/{org.slug}/orders"
    assert client.get(base).status_code == 403
    assert client.get(f"{base}/{order.number}").status_code == 403
    assert client.get(f"{base}/{order.number}/slip").status_code == 403
    assert client.post(f"{base}/{order.number}/paid").status_code in (302, 403)
    assert client.post(f"{base}/{order.number}/status", data={"to_status": "cancelled"}).status_code in (302, 403)
    assert client.post(f"{base}/confirm", data={"number": [order.number]}).status_code == 403
    assert client.get(f"/shop/manage/{org.slug}/bank-reviews").status_code == 403
    db.session.expire_all()
    same = db.session.get(Order, order.id)
    assert same.status == "pending_payment" and same.paid_at is None
    assert counters(db, stocked) == (8, 2, 0)


def test_pick_list_csv_and_expiry_command(db, client, auth, buyer, stocked, address, seller, runner):
    from datetime import timedelta

    order = place_vietqr(db, client, auth, buyer, stocked, address, seller)
    auth.logout()
    owner, org = seller
    auth.login_as(owner)
    base = f"/shop/manage/{org.slug}/orders"
    csv_text = client.get(base + ".csv").get_data(as_text=True)
    assert order.number in csv_text and "Bưởi Diễn" in csv_text
    client.post(f"{base}/{order.number}/paid")
    client.post(f"{base}/{order.number}/status", data={"to_status": "confirmed"})
    page = client.get(base + "/pick-list").get_data(as_text=True)
    assert "Bưởi Diễn" in page and "<strong>2</strong>" in page
    # a second, unpaid order past its deadline is cancelled by the periodic command
    auth.logout()
    auth.login_as(buyer)
    client.post("/shop/cart/add", data={"variant_id": stocked.id, "quantity": 3})
    client.post("/shop/checkout", data=checkout_form(address, "vietqr", key="key-2"))
    late = db.session.query(Order).filter(Order.id != order.id).one()
    late.expires_at = late.expires_at - timedelta(hours=2)
    db.session.commit()
    assert counters(db, stocked) == (5, 3, 2)
    result = runner.invoke(args=["shop", "expire-orders"])
    assert "1 expired" in result.output
    db.session.expire_all()
    assert db.session.get(Order, late.id).status == "cancelled" and counters(db, stocked) == (8, 0, 2)


def test_a_cart_line_whose_product_was_archived_stops_checkout_and_writes_nothing(db, client, auth, factory, buyer,
                                                                                stocked, make_product, address):
    owner2 = factory.user("Chủ hộ 2")
    org2 = factory.org(owner2, name="Hộ Chè Tân Cương")
    tea = make_product(owner2, org2, "Chè Tân Cương", stock=5, price=120000, category="tea", unit="bag")
    auth.login_as(buyer)
    client.post("/shop/cart/add", data={"variant_id": stocked.id, "quantity": 2})
    client.post("/shop/cart/add", data={"variant_id": tea.variants[0].id, "quantity": 1})
    tea.status = "archived"  # the seller stops selling it while the buyer is still shopping
    db.session.commit()
    response = client.post("/shop/checkout", data=checkout_form(address))
    assert response.status_code == 422
    assert "Chè Tân Cương hiện không bán." in response.get_data(as_text=True)
    assert db.session.query(Order).count() == 0
    assert counters(db, stocked) == (10, 0, 0) and counters(db, tea.variants[0]) == (5, 0, 0)
    # nothing lost either: both lines are still in the cart, so the buyer can remove the one and go on
    page = client.get("/shop/cart").get_data(as_text=True)
    assert "Chè Tân Cương" in page and "Bưởi Diễn" in page
    assert page.count('data-testid="not-on-sale"') == 1 and "Không còn bán" in page


def test_seller_buttons_say_what_they_do_and_only_the_moves_that_make_sense(db, client, auth, buyer, stocked,
                                                                            address, seller):
    auth.login_as(buyer)
    client.post("/shop/cart/add", data={"variant_id": stocked.id, "quantity": 1})
    client.post("/shop/checkout", data=checkout_form(address, "cod"))
    order = db.session.query(Order).one()
    auth.logout()
    owner, org = seller
    auth.login_as(owner)
    page = client.get(f"/shop/manage/{org.slug}/orders/{order.number}").get_data(as_text=True)
    actions = page.split('data-testid="order-actions"', 1)[1].split("</div>", 1)[0]
    assert "Xác nhận đơn" in actions and "Hủy đơn" in actions and "Xác nhận đã nhận tiền" in actions
    assert 'value="refunded"' not in actions  # an unpaid COD order is cancelled, not refunded
    client.get("/lang/en")
    english = client.get(f"/shop/manage/{org.slug}/orders/{order.number}").get_data(as_text=True)
    assert "Confirm order" in english and "Cancel order" in english


def test_the_header_counts_what_is_in_the_cart(db, client, auth, buyer, stocked):
    assert 'data-testid="cart-count"' not in client.get("/").get_data(as_text=True)
    client.post("/shop/cart/add", data={"variant_id": stocked.id, "quantity": 3})  # a guest cart
    assert 'data-testid="cart-count">3<' in client.get("/").get_data(as_text=True)
    auth.login_as(buyer)  # the guest cart joins the account's
    client.get("/shop/cart")
    assert 'data-testid="cart-count">3<' in client.get("/").get_data(as_text=True)


def test_checkout_is_filled_with_the_account_phone_then_the_last_delivery_address(db, client, auth, factory, stocked,
                                                                                  address):
    from app.core.addresses import HANOI
    from app.core.phone import display_phone

    buyer = factory.user("Đỗ Thị Hoa", province_code=HANOI, street="Xóm Chùa")
    auth.login_as(buyer)
    client.post("/shop/cart/add", data={"variant_id": stocked.id, "quantity": 1})
    first = client.get("/shop/checkout").get_data(as_text=True)
    assert f'value="{display_phone(buyer.phone)}"' in first  # the account's phone, as people write it
    assert 'value="Xóm Chùa"' in first and 'value="Đỗ Thị Hoa"' in first
    form = {**checkout_form(address), "name": "Chị Hoa (nhận hộ)", "phone": "0987 654 321", "street": "Số 9 ngõ Đình"}
    assert client.post("/shop/checkout", data=form).status_code == 302
    client.post("/shop/cart/add", data={"variant_id": stocked.id, "quantity": 1})
    second = client.get("/shop/checkout").get_data(as_text=True)
    assert 'value="Số 9 ngõ Đình"' in second and 'value="Chị Hoa (nhận hộ)"' in second
    assert 'value="0987 654 321"' in second
    assert f'<option selected value="{address["commune_code"]}"' in second or \
        f'value="{address["commune_code"]}" selected' in second


def test_a_refused_phone_shows_under_the_phone_field(db, client, auth, buyer, stocked, address):
    import re

    auth.login_as(buyer)
    client.post("/shop/cart/add", data={"variant_id": stocked.id, "quantity": 1})
    page = client.post("/shop/checkout", data={**checkout_form(address), "phone": "12"}).get_data(as_text=True)
    field = re.search(r'<input[^>]*id="phone"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in field and 'aria-describedby="phone-error"' in field
    assert re.search(r'<small class="error" id="phone-error">[^<]+</small>', page)
    assert db.session.query(Order).count() == 0
