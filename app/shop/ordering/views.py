"""Buyer and seller order pages (thin): cart, checkout, order pages, seller order management."""
from __future__ import annotations

import secrets
import uuid

from flask import (
    Response,
    abort,
    after_this_request,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from ...accounts import privacy
from ...accounts.forms import EmptyForm
from ...accounts.services import get_organisation, require_org_role
from ...core.csvfile import csv_response
from ...core.web import error_under_field, unit_of_work
from ...extensions import db
from .. import bp, vietqr
from ..payments.stripe_gateway import gateway_from_config
from . import address_book, queries, services
from .card import card_checkout_url
from .forms import CheckoutForm
from .limits import checkout_limit
from .models import ORDER_STATUSES

CART_COOKIE = "cl_cart"
MANAGE = "/manage/<org_slug>/orders"


def _user():
    return current_user if current_user.is_authenticated else None


def _cart(create: bool = False):
    """The visitor's cart; a guest cart (cookie, which survives the session reset at sign-in) joins the
    account's cart once signed in."""
    user = _user()
    token = request.cookies.get(CART_COOKIE)
    if user is not None and token:
        services.merge_guest_cart(token, user)
        db.session.commit()
        after_this_request(lambda response: (response.delete_cookie(CART_COOKIE), response)[1])
    if user is None and not token and create:
        token = secrets.token_urlsafe(24)
        after_this_request(lambda response: (response.set_cookie(
            CART_COOKIE, token, max_age=60 * 60 * 24 * 30, httponly=True, samesite="Lax",
            secure=request.is_secure), response)[1])
    return services.get_cart(user, None if user else token, create=create)


@bp.app_context_processor
def cart_badge():
    """cart_count() for the header's cart icon, counted once per request and only when shown."""
    def cart_count() -> int:
        if "cart_count" not in g:
            user = _user()
            g.cart_count = queries.cart_item_count(user, None if user else request.cookies.get(CART_COOKIE))
        return g.cart_count

    return {"cart_count": cart_count}


@bp.get("/cart")
def cart_view():
    cart = _cart()
    return render_template("shop/ordering/cart.html", groups=services.cart_groups(cart), form=EmptyForm())


@bp.post("/cart/add")
def cart_add():
    if not EmptyForm().validate_on_submit():
        abort(400)
    with unit_of_work(refuse_strangers=False) as done:
        services.add_to_cart(_cart(create=True), request.form.get("variant_id"), request.form.get("quantity", 1))
    if done.ok:
        flash(_("Added to your cart."), "success")
    return redirect(url_for("shop.cart_view"))


@bp.post("/cart/update")
def cart_update():
    if not EmptyForm().validate_on_submit():
        abort(400)
    with unit_of_work(refuse_strangers=False):
        cart = _cart(create=True)
        if request.form.get("remove"):
            services.remove_from_cart(cart, request.form.get("variant_id"))
        else:
            services.update_cart_line(cart, request.form.get("variant_id"), request.form.get("quantity"))
    return redirect(url_for("shop.cart_view"))


@bp.route("/checkout", methods=["GET", "POST"])
@login_required
@checkout_limit
def checkout():
    cart = _cart()
    groups = services.cart_groups(cart)
    if not groups:
        flash(_("Your cart is empty."), "info")
        return redirect(url_for("shop.cart_view"))
    form = CheckoutForm()
    form.offer_payment_methods(group["organisation"] for group in groups)
    if request.method == "GET":
        address_book.prefill(form, current_user)
        form.idempotency_key.data = uuid.uuid4().hex
    form.fill_address_choices()
    if form.validate_on_submit():
        from ..shipping.services import fees_for_groups

        # Carriers are asked before the transaction: a slow carrier never holds the database.
        fees = fees_for_groups(current_app.config, groups, form.province_code.data, form.commune_code.data)
        with unit_of_work() as done:
            consent = privacy.checkout_consent(current_user, form.consent.data)
            orders = services.checkout(
                cart, current_user, name=form.name.data, phone=form.phone.data,
                province_code=form.province_code.data, commune_code=form.commune_code.data, street=form.street.data,
                note=form.note.data, payment_method=form.payment_method.data,
                idempotency_key=form.idempotency_key.data or uuid.uuid4().hex, shipping_fees=fees,
                consent_version=consent, **services.checkout_options(current_app.config))
            address_book.remember(current_user, orders[0])
        if done.ok:
            flash(_("Thank you! Your order has been placed."), "success")
            return redirect_after_checkout(orders)
        error_under_field(form, done, {"invalid_address": "commune_code"})
    return render_template("shop/ordering/checkout.html", form=form, groups=groups), 200 if request.method == "GET" else 422


def redirect_after_checkout(orders):
    """Card payments go to Stripe; one order opens itself; several (one per seller) open the order list."""
    first = orders[0]
    if first.payment_method == "stripe" and first.status == "pending_payment":
        return redirect(url_for("shop.order_pay", number=first.number))
    if len(orders) == 1:
        return redirect(url_for("shop.order_view", number=first.number))
    return redirect(url_for("shop.orders_view"))


@bp.get("/orders")
@login_required
def orders_view():
    return render_template("shop/ordering/orders.html", orders=queries.buyer_orders(current_user))


def _vietqr(order):
    qr = queries.vietqr_instructions(order)
    return {**qr, "svg": Markup(vietqr.qr_svg(qr["payload"]))} if qr else None


@bp.get("/orders/<number>")
@login_required
def order_view(number: str):
    order = services.order_for_buyer(current_user, number)
    db.session.commit()  # a lazy expiry may have just happened
    if order.number != number:
        return redirect(url_for("shop.order_view", number=order.number))
    return render_template("shop/ordering/order.html", order=order, qr=_vietqr(order))


@bp.get("/orders/<number>/vietqr.png")
@login_required
def order_qr_png(number: str):
    """The order's VietQR as a PNG download: a buyer paying from the same phone opens it from the gallery in the
    banking app. Only the buyer's own order, only while the VietQR shows on its page."""
    order = services.order_for_buyer(current_user, number)
    db.session.commit()
    qr = _vietqr(order)
    if qr is None:
        abort(404)
    return Response(vietqr.qr_png_bytes(qr["payload"]), mimetype="image/png",
                    headers={"Content-Disposition": f'attachment; filename="vietqr-{order.number}.png"',
                             "Cache-Control": "private, no-store"})


@bp.get("/orders/<number>/pay")
@login_required
def order_pay(number: str):
    """Send the buyer to Stripe Checkout; the same order always gets the same session."""
    order = services.order_for_buyer(current_user, number)
    db.session.commit()
    gateway = gateway_from_config(current_app.config)
    url = card_checkout_url(order, gateway, return_url=url_for("shop.order_view", number=order.number,
                                                                 _external=True)) if gateway else None
    if url is None:
        return redirect(url_for("shop.order_view", number=order.number))
    db.session.commit()
    return redirect(url, 303)


# --- seller ----------------------------------------------------------------------------------------

def _org(org_slug: str):
    org = get_organisation(org_slug)
    require_org_role(current_user, org, "staff")
    return org


@bp.get(MANAGE)
@login_required
def ordering_manage_list(org_slug: str):
    org = _org(org_slug)
    services.expire_unpaid()
    db.session.commit()
    status = request.args.get("status") if request.args.get("status") in ORDER_STATUSES else None
    return render_template("shop/ordering/manage_list.html", org=org, orders=queries.organisation_orders(org, status),
                           status=status, statuses=ORDER_STATUSES, form=EmptyForm(),
                           reviews=len(queries.open_bank_reviews(org)))


@bp.post(MANAGE + "/confirm")
@login_required
def ordering_bulk_confirm(org_slug: str):
    org = _org(org_slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with unit_of_work() as done:
        count = services.bulk_confirm(current_user, org, request.form.getlist("number"))
    if done.ok:
        flash(_("%(n)s orders confirmed.", n=count), "success")
    return redirect(url_for("shop.ordering_manage_list", org_slug=org.slug))


@bp.get(MANAGE + "/<number>")
@login_required
def ordering_manage_order(org_slug: str, number: str):
    org = get_organisation(org_slug)
    order = services.order_for_seller(current_user, org, number)
    db.session.commit()
    targets = services.seller_targets(order)
    return render_template("shop/ordering/manage_order.html", org=org, order=order, targets=targets, form=EmptyForm())


@bp.post(MANAGE + "/<number>/status")
@login_required
def ordering_transition(org_slug: str, number: str):
    org = get_organisation(org_slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with unit_of_work():
        services.seller_transition(current_user, org, number, request.form.get("to_status", ""),
                                   request.form.get("note"))
    return redirect(url_for("shop.ordering_manage_order", org_slug=org.slug, number=number))


@bp.post(MANAGE + "/<number>/paid")
@login_required
def ordering_mark_paid(org_slug: str, number: str):
    org = get_organisation(org_slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with unit_of_work() as done:
        services.seller_mark_paid(current_user, org, number)
    if done.ok:
        flash(_("Payment recorded."), "success")
    return redirect(url_for("shop.ordering_manage_order", org_slug=org.slug, number=number))


@bp.get(MANAGE + "/<number>/slip")
@login_required
def ordering_packing_slip(org_slug: str, number: str):
    org = get_organisation(org_slug)
    order = services.order_for_seller(current_user, org, number)
    return render_template("shop/ordering/slip.html", org=org, order=order)


@bp.get("/manage/<org_slug>/bank-reviews")
@login_required
def ordering_bank_reviews(org_slug: str):
    org = _org(org_slug)
    return render_template("shop/ordering/reviews.html", org=org, reviews=queries.open_bank_reviews(org),
                           form=EmptyForm())


@bp.post("/manage/<org_slug>/bank-reviews/<int:review_id>")
@login_required
def ordering_resolve_review(org_slug: str, review_id: int):
    org = get_organisation(org_slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with unit_of_work():
        services.resolve_review(current_user, org, review_id)
    return redirect(url_for("shop.ordering_bank_reviews", org_slug=org.slug))



@bp.get(MANAGE + ".csv")
@login_required
def ordering_export_csv(org_slug: str):
    org = _org(org_slug)
    status = request.args.get("status") if request.args.get("status") in ORDER_STATUSES else None
    return csv_response(queries.orders_csv_rows(queries.organisation_orders(org, status)), f"orders-{org.slug}.csv")


@bp.get(MANAGE + "/pick-list")
@login_required
def ordering_pick_list(org_slug: str):
    org = _org(org_slug)
    return render_template("shop/ordering/pick_list.html", org=org, rows=queries.pick_list(org))


@bp.cli.command("expire-orders")
def expire_orders_command():
    """Cancel unpaid online orders past their deadline and release their stock (for cron/APScheduler)."""
    import click

    count = services.expire_unpaid()
    db.session.commit()
    click.echo(f"{count} expired")
