"""The product page offers add-to-cart for what is in stock, and the header links to the cart."""
from sqlalchemy import select


def test_product_page_form_adds_to_cart(client, auth, buyer, stocked, db):
    from app.shop.ordering.models import CartLine

    product = stocked.product
    page = client.get(f"/shop/p/{product.id}", follow_redirects=True).get_data(as_text=True)
    assert 'data-testid="add-to-cart"' in page and "Thêm vào giỏ" in page
    assert f'name="variant_id" value="{stocked.id}"' in page
    assert 'data-testid="cart-link"' in page
    auth.login_as(buyer)
    response = client.post("/shop/cart/add", data={"variant_id": str(stocked.id), "quantity": "2"})
    assert response.status_code == 302
    assert db.session.scalar(select(CartLine.quantity).where(CartLine.variant_id == stocked.id)) == 2


def test_sold_out_product_has_no_add_to_cart(client, seller, make_product):
    owner, org = seller
    product = make_product(owner, org, "Rau muống", stock=0, code="R1")
    page = client.get(f"/shop/p/{product.id}", follow_redirects=True).get_data(as_text=True)
    assert 'data-testid="add-to-cart"' not in page
