"""Seller pages for delivery (thin): carriers, one-tap pickup, labels (one and the day's batch), COD payouts; the
checkout's fee quote."""
from __future__ import annotations

import io
from datetime import datetime

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...accounts.forms import EmptyForm
from ...accounts.services import get_organisation, require_org_role
from ...core.web import unit_of_work
from ...errors import NotFound
from .. import bp
from ..ordering import services as ordering
from . import queries, services
from .carriers import CARRIER_NAMES
from .queries import LOCAL

MANAGE = "/manage/<org_slug>"


def _org(org_slug: str, role: str = "staff"):
    org = get_organisation(org_slug)
    require_org_role(current_user, org, role)
    return org


def order_panel(org, order) -> dict:
    """What the order page's delivery box shows (a template global, so the ordering view stays as it was)."""
    org_settings = services.settings_of(org)
    offered = services.platform_carriers(current_app.config)
    return {"shipment": queries.active_shipment(order.id), "history": queries.order_shipments(order.id),
            "carriers": [(code, CARRIER_NAMES[code]) for code in org_settings.carrier_list if code in offered],
            "bookable": order.status in services.BOOKABLE, "form": EmptyForm()}


@bp.route(MANAGE + "/carriers", methods=["GET", "POST"])
@login_required
def shipping_carriers(org_slug: str):
    org = _org(org_slug)
    form = EmptyForm()
    offered = services.platform_carriers(current_app.config)
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        with unit_of_work() as done:
            services.save_settings(current_user, org, current_app.config,
                                   carriers=[c for c in request.form.getlist("carrier") if c],
                                   pickup_street=request.form.get("pickup_street"),
                                   pickup_phone=request.form.get("pickup_phone"),
                                   ghn_shop_id=request.form.get("ghn_shop_id") or None,
                                   vtp_group_address_id=request.form.get("vtp_group_address_id") or None,
                                   item_weight_grams=request.form.get("item_weight_grams"))
        if done.ok:
            flash(_("Delivery companies saved."), "success")
            return redirect(url_for("shop.shipping_carriers", org_slug=org.slug))
    return render_template("shop/shipping/carriers.html", org=org, form=form, settings=services.settings_of(org),
                           offered=offered, names=CARRIER_NAMES)


@bp.post(MANAGE + "/orders/<number>/ship")
@login_required
def shipping_book(org_slug: str, number: str):
    org = get_organisation(org_slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with unit_of_work() as done:
        shipment = services.book(current_user, org, number, request.form.get("carrier", ""), current_app.config)
    if done.ok:
        flash(_("Pickup booked with %(carrier)s: %(code)s.", carrier=shipment.carrier_name,
                code=shipment.carrier_code), "success")
    return redirect(url_for("shop.ordering_manage_order", org_slug=org.slug, number=number))


@bp.post(MANAGE + "/shipments/<int:shipment_id>/cancel")
@login_required
def shipping_cancel(org_slug: str, shipment_id: int):
    org = get_organisation(org_slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with unit_of_work() as done:
        shipment = services.cancel(current_user, org, shipment_id, current_app.config)
    if done.ok:
        flash(_("Pickup cancelled."), "success")
        return redirect(url_for("shop.ordering_manage_order", org_slug=org.slug, number=shipment.order.number))
    return redirect(url_for("shop.shipping_day", org_slug=org.slug))


def _label_response(labels, filename: str):
    from .carriers._http import merge_pdfs

    pdfs = [label.data for label in labels if label.data]
    pages = [label.url for label in labels if label.url]
    if pdfs and not pages:
        data = merge_pdfs(pdfs) if len(pdfs) > 1 else pdfs[0]
        return send_file(io.BytesIO(data), mimetype="application/pdf", download_name=filename,
                         as_attachment=False, max_age=0)
    if pages and not pdfs and len(pages) == 1:
        return redirect(pages[0])  # the carrier's own print page (GHN)
    return None


@bp.get(MANAGE + "/shipments/<int:shipment_id>/label")
@login_required
def shipping_label(org_slug: str, shipment_id: int):
    org = _org(org_slug)
    shipment = services.shipment_of(current_user, org, shipment_id)
    response = _label_response(services.labels(current_user, org, [shipment], current_app.config),
                               f"label-{shipment.carrier_code}.pdf")
    if response is None:
        raise NotFound()
    return response


@bp.get(MANAGE + "/shipments")
@login_required
def shipping_day(org_slug: str):
    org = _org(org_slug)
    day = queries.local_day(request.args.get("day"))
    return render_template("shop/shipping/day.html", org=org, day=day, shipments=queries.shipments_of_day(org, day),
                           form=EmptyForm())


@bp.get(MANAGE + "/shipments/labels")
@login_required
def shipping_day_labels(org_slug: str):
    """The day's labels: one PDF of every PDF label; carriers whose label is a print page are linked instead."""
    org = _org(org_slug)
    day = queries.local_day(request.args.get("day"))
    shipments = [s for s in queries.shipments_of_day(org, day) if s.state not in ("cancelled", "failed")]
    wanted = {int(i) for i in request.args.getlist("id") if i.isdigit()}
    if wanted:
        shipments = [s for s in shipments if s.id in wanted]
    labels = services.labels(current_user, org, shipments, current_app.config) if shipments else []
    response = _label_response(labels, f"labels-{org.slug}-{day.isoformat()}.pdf")
    if response is not None:
        return response
    return render_template("shop/shipping/labels.html", org=org, day=day, labels=labels, count=len(shipments),
                           pdf_url=url_for("shop.shipping_day_labels", org_slug=org.slug, day=day.isoformat(),
                                           id=[s.id for s in shipments if s.carrier != "ghn"]))


@bp.route(MANAGE + "/cod", methods=["GET", "POST"])
@login_required
def shipping_payouts(org_slug: str):
    org = _org(org_slug)
    form = EmptyForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        upload = request.files.get("statement")
        with unit_of_work() as done:
            _org(org_slug, "owner")
            rows = services.parse_statement(upload.read(64 * 1024 * 1024) if upload else b"")
            try:
                paid_on = datetime.fromisoformat(request.form.get("paid_on") or "").replace(tzinfo=LOCAL)
            except ValueError:
                paid_on = None
            payout = services.import_payout(current_user, org, request.form.get("carrier", ""),
                                            request.form.get("reference"), request.form.get("paid_amount"), paid_on,
                                            rows)
        if done.ok:
            flash(_("Payout imported: %(n)s parcels.", n=len(payout.lines)), "success")
            return redirect(url_for("shop.shipping_payout", org_slug=org.slug, payout_id=payout.id))
    chosen = services.settings_of(org).carrier_list
    return render_template("shop/shipping/payouts.html", org=org, form=form, payouts=queries.payouts(org),
                           names=CARRIER_NAMES, first_carrier=chosen[0] if chosen else None)


@bp.get(MANAGE + "/cod/<int:payout_id>")
@login_required
def shipping_payout(org_slug: str, payout_id: int):
    org = _org(org_slug)
    payout = queries.payout_of(org, payout_id)
    if payout is None:
        raise NotFound()
    return render_template("shop/shipping/payout.html", org=org, payout=payout, r=queries.reconciliation(payout))


@bp.get("/checkout/shipping-fees")
@login_required
def shipping_quote():
    """The checkout's delivery fee per seller for the address being chosen (htmx)."""
    from ..ordering.views import _cart

    groups = ordering.cart_groups(_cart())
    fees = services.fees_for_groups(current_app.config, groups, request.args.get("province_code"),
                                    request.args.get("commune_code"))
    for group in groups:
        if group["organisation"].id in fees:
            group["shipping_fee"] = fees[group["organisation"].id]
            group["total"] = group["subtotal"] + group["shipping_fee"]
            group["quoted"] = True
    return render_template("shop/shipping/_fees.html", groups=groups)
