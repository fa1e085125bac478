"""Seller pages under /shop/manage/<org>: the dashboard (the seller's first page) and the shipping rule."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...accounts.services import get_organisation, membership, require_org_role
from ...core.web import unit_of_work
from ...extensions import db
from .. import bp, dashboard
from ..ordering import services as ordering
from ..ordering.forms import ShippingRuleForm


def _org(org_slug: str):
    org = get_organisation(org_slug)
    require_org_role(current_user, org, "staff")
    return org


def _grouped(amount: int) -> str:
    """30000 → "30.000", the way the amount is typed back into the form."""
    return f"{amount:,}".replace(",", ".")


@bp.get("/manage/<org_slug>")
@login_required
def seller_home(org_slug: str):
    return redirect(url_for("shop.seller_dashboard", org_slug=_org(org_slug).slug))


@bp.get("/manage/<org_slug>/dashboard")
@login_required
def seller_dashboard(org_slug: str):
    org = _org(org_slug)
    ordering.expire_unpaid()  # so "waiting for payment" money is not counted past its deadline
    db.session.commit()
    board = dashboard.seller_dashboard(org, tz=get_timezone())
    return render_template("shop/manage/dashboard.html", org=org, board=board, low_stock_threshold=dashboard.LOW_STOCK)


@bp.route("/manage/<org_slug>/shipping", methods=["GET", "POST"])
@login_required
def seller_shipping(org_slug: str):
    org = _org(org_slug)
    flat, free_above, is_default = ordering.shipping_rule(org.id)
    is_owner = membership(current_user, org).role == "owner"
    form = ShippingRuleForm()
    if request.method == "GET":
        form.flat_fee.data = _grouped(flat)
        form.free_above.data = _grouped(free_above) if free_above is not None else ""
    elif form.validate_on_submit():
        with unit_of_work() as done:
            ordering.set_shipping_rule(current_user, org, *form.amounts())
        if done.ok:
            flash(_("Delivery fee saved."), "success")
            return redirect(url_for("shop.seller_shipping", org_slug=org.slug))
    return render_template("shop/manage/shipping.html", org=org, form=form, flat=flat, free_above=free_above,
                           is_default=is_default, is_owner=is_owner), 200 if request.method == "GET" else 422
