"""Pages before and after a live (thin): live cart checkout, waitlist, follow, schedule with a cover, report."""
from __future__ import annotations

import uuid

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...accounts import privacy
from ...accounts.forms import EmptyForm
from ...accounts.services import get_organisation, require_org_role
from ...core.storage import get_storage
from ...core.web import error_under_field, safe_redirect_target, unit_of_work
from ...extensions import db
from ...shop.ordering import address_book
from ...shop.ordering import services as ordering
from ...shop.ordering.forms import CheckoutForm
from ...shop.ordering.limits import checkout_limit
from ...shop.ordering.views import redirect_after_checkout
from .. import afterlive, bp, covers, follows, queries, report, services
from ..forms import LiveProductForm, ScheduleForm


def hold_hours() -> float:
    return float(current_app.config.get("LIVE_HOLD_HOURS", services.DEFAULT_HOLD_HOURS))


@bp.route("/cart", methods=["GET", "POST"])
@login_required
@checkout_limit
def live_cart():
    """'Đơn live của bạn': held lines per live, then the shop's checkout (COD, VietQR, Stripe)."""
    afterlive.expire_holds(hold_hours=hold_hours(), user_id=current_user.id)  # lazy expiry of this buyer's holds
    db.session.commit()
    groups = afterlive.live_cart(current_user)
    form = CheckoutForm()
    form.offer_payment_methods(group.live.organisation for group in groups)
    if request.method == "GET":
        address_book.prefill(form, current_user)
        form.idempotency_key.data = uuid.uuid4().hex
    form.fill_address_choices()
    if request.method == "POST" and form.validate_on_submit():
        with unit_of_work() as done:
            consent = privacy.checkout_consent(current_user, form.consent.data)
            orders = afterlive.checkout_live_cart(
                current_user, request.form.getlist("line"), idempotency_key=form.idempotency_key.data,
                name=form.name.data, phone=form.phone.data, province_code=form.province_code.data,
                commune_code=form.commune_code.data, street=form.street.data, note=form.note.data,
                payment_method=form.payment_method.data, consent_version=consent,
                **ordering.checkout_options(current_app.config))
            if orders:
                address_book.remember(current_user, orders[0])
        if done.ok:
            flash(_("Thank you! Your live order has been placed."), "success")
            return redirect_after_checkout(orders)
        error_under_field(form, done, {"invalid_address": "commune_code"})
        groups = afterlive.live_cart(current_user)
    status = 200 if request.method == "GET" else 422
    return render_template("livestream/live_cart.html", groups=groups, form=form,
                           waiting=afterlive.my_waitlist(current_user),
                           orders=afterlive.checked_out_orders(current_user), leave_form=EmptyForm()), status


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json" or request.is_json


@bp.post("/<int:session_id>/waitlist")
@login_required
def join_waitlist(session_id: int):
    """A buyer told 'out of stock' takes a place in line (from the live page's offer)."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    live = services.require_viewer(current_user, services.get_session(session_id))
    with unit_of_work(flash_errors=not _wants_json(), refuse_strangers=False) as done:
        entry = afterlive.join_waitlist(current_user, live, request.form.get("code"),
                                        request.form.get("quantity", 1), request.form.get("variant") or None,
                                        hold_hours=hold_hours())
    if done.ok:
        if entry.status == "served":
            message = _("Good news: it is free again and now held for you. See your live cart.")
        else:
            message = _("You are number %(n)s on the waitlist. We will tell you as soon as one frees up.",
                        n=afterlive.waitlist_position(entry))
        if _wants_json():
            return jsonify(ok=True, status=entry.status, message=message)
        flash(message, "success")
    elif _wants_json():
        return jsonify(ok=False, error=done.error.to_dict()), done.error.status
    return redirect(url_for("livestream.live_page", session_id=live.id))


@bp.post("/waitlist/<int:entry_id>/leave")
@login_required
def leave_waitlist(entry_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    with unit_of_work():
        afterlive.leave_waitlist(current_user, entry_id)
    return redirect(url_for("livestream.live_cart"))


def _back(default: str) -> str:
    return safe_redirect_target(request.form.get("next"), default)


@bp.post("/follow/<org_slug>")
@login_required
def follow(org_slug: str):
    if not EmptyForm().validate_on_submit():
        abort(400)
    org = get_organisation(org_slug)
    with unit_of_work() as done:
        if request.form.get("action") == "unfollow":
            follows.unfollow(current_user, org)
        else:
            follows.follow(current_user, org)
    if done.ok and request.headers.get("HX-Request"):
        return render_template("livestream/_follow.html", org=org, state=follows.follow_state(current_user, org),
                               next=_back(""))
    return redirect(_back(url_for("shop.storefront", slug=org.slug)))


@bp.route("/manage/<org_slug>/new", methods=["GET", "POST"])
@login_required
def schedule(org_slug: str):
    """The organisation schedules a live: title, description, start time, cover picture, stream link."""
    org = get_organisation(org_slug)
    require_org_role(current_user, org, "staff")
    form = ScheduleForm()
    if form.validate_on_submit():
        cover = request.files.get(form.cover.name)
        with unit_of_work() as done:
            live = services.schedule_live(current_user, org, title=form.title.data, scheduled_at=form.starts_at_utc(),
                                          description=form.description.data,
                                          external_stream_url=form.external_stream_url.data)
            if cover and cover.filename:
                covers.set_cover(current_user, live, cover.read(), get_storage())
        if done.ok:
            flash(_("Your live is scheduled. Now add the products you will sell in it."), "success")
            return redirect(url_for("livestream.live_products", session_id=live.id))
    return render_template("livestream/schedule.html", org=org, form=form), 200 if request.method == "GET" else 422


@bp.route("/<int:session_id>/products", methods=["GET", "POST"])
@login_required
def live_products(session_id: int):
    """The organisation puts its products on the live: live code, live price, limit per buyer, quantity."""
    from ...core.money import parse_vnd
    from ...shop.queries import organisation_products

    live = services.open_console(current_user, services.get_session(session_id))
    on_live = {lp.product_id for lp in live.products}
    form = LiveProductForm()
    form.product_id.choices = [(p.id, f"{p.code} · {p.name} ({p.available})")
                               for p in organisation_products(live.organisation, "active") if p.id not in on_live]
    if form.validate_on_submit():
        from ...shop.models import Product

        product = db.session.get(Product, form.product_id.data)
        if product is None:
            abort(404)
        with unit_of_work() as done:
            lp = services.add_live_product(current_user, live, product, live_code=form.live_code.data or None,
                                           live_price=parse_vnd(form.live_price.data),
                                           per_buyer_limit=form.per_buyer_limit.data, allotment=form.allotment.data)
        if done.ok:
            flash(_("%(code)s is on the live.", code=lp.live_code), "success")
            return redirect(url_for("livestream.live_products", session_id=live.id))
    status = 200 if request.method == "GET" else 422
    return render_template("livestream/live_products.html", live=live, form=form, catalog=queries.catalog(live)), status


@bp.get("/<int:session_id>/report")
@login_required
def live_report(session_id: int):
    """The end-of-live report, for the organisation's members."""
    live = services.get_session(session_id)
    data = report.build_report(current_user, live)
    return render_template("livestream/report.html", live=live, report=data)


@bp.app_context_processor
def live_template_helpers():
    """Helpers any template may use (home, storefront, live pages) without each view passing them."""
    def live_cover_url(live, thumb: bool = True):
        return covers.cover_url(live, get_storage(), thumb)

    def follow_state_for(org):
        return follows.follow_state(current_user if current_user.is_authenticated else None, org)

    def is_live_seller(live):
        return current_user.is_authenticated and services.is_seller(current_user, live)

    def my_held_lines(live):
        if not current_user.is_authenticated:
            return []
        return afterlive.held_lines(current_user, session_id=live.id)

    def my_waiting_codes(live):
        if not current_user.is_authenticated:
            return set()
        return {w.live_product.live_code for w in afterlive.my_waitlist(current_user) if w.session_id == live.id}

    return {"live_cover_url": live_cover_url, "follow_state_for": follow_state_for, "is_live_seller": is_live_seller,
            "my_held_lines": my_held_lines, "my_waiting_codes": my_waiting_codes}
