"""Seller pages under /shop/manage/<org>/products: list, create, edit, archive, photos, variants, stock."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...accounts.forms import EmptyForm
from ...accounts.services import get_organisation, require_org_role
from ...core.money import parse_vnd
from ...core.storage import get_storage
from ...core.web import unit_of_work, uploaded_file
from .. import bp, photos, queries, services
from ..forms import DocumentForm, GtinForm, LotForm, PhotoForm, ProductForm, StockForm

BASE = "/manage/<org_slug>/products"


def _org(org_slug: str):
    org = get_organisation(org_slug)
    require_org_role(current_user, org, "staff")
    return org


def _product(org_slug: str, product_id: int):
    org = get_organisation(org_slug)
    return org, services.managed_product(current_user, org, product_id)


def _edit_url(product, anchor: str = "") -> str:
    return url_for("shop.manage_edit", org_slug=product.organisation.slug, product_id=product.id) + anchor


@bp.get(BASE)
@login_required
def manage_list(org_slug: str):
    org = _org(org_slug)
    status = request.args.get("status") if request.args.get("status") in ("active", "draft", "archived") else None
    return render_template("shop/manage/list.html", org=org, products=queries.organisation_products(org, status),
                           status=status)


@bp.route(BASE + "/new", methods=["GET", "POST"])
@login_required
def manage_new(org_slug: str):
    org = _org(org_slug)
    form = ProductForm()
    form.fill_choices(org.province_code)
    if form.validate_on_submit():
        with unit_of_work() as done:
            product = services.create_product(current_user, org, form.to_data(), stock=form.stock.data or 0)
        if done.ok:
            flash(_("%(name)s has been added with code %(code)s.", name=product.name, code=product.code), "success")
            return redirect(_edit_url(product, "#photos"))
    return render_template("shop/manage/form.html", org=org, form=form, product=None)


@bp.route(BASE + "/<int:product_id>", methods=["GET", "POST"])
@login_required
def manage_edit(org_slug: str, product_id: int):
    org, product = _product(org_slug, product_id)
    form = ProductForm() if request.method == "POST" else ProductForm.for_product(product)
    form.fill_choices(org.province_code)
    if form.validate_on_submit():
        with unit_of_work() as done:
            services.update_product(current_user, product, form.to_data())
        if done.ok:
            flash(_("Saved."), "success")
            return redirect(_edit_url(product))
    return render_template("shop/manage/form.html", org=org, form=form, product=product, photo_form=PhotoForm(),
                           empty_form=EmptyForm(), document_form=DocumentForm(prefix="doc"),
                           gtin_form=GtinForm(gtin=product.gtin), lot_form=LotForm(prefix="lot"))


@bp.post(BASE + "/<int:product_id>/status")
@login_required
def manage_status(org_slug: str, product_id: int):
    org, product = _product(org_slug, product_id)
    if EmptyForm().validate_on_submit():
        with unit_of_work() as done:
            services.set_status(current_user, product, request.form.get("status", ""))
        if done.ok:
            flash(_("Archived: buyers no longer see it.") if product.status == "archived" else _("Saved."), "success")
    return redirect(url_for("shop.manage_list", org_slug=org.slug))


# Photos ---------------------------------------------------------------------------------------------

@bp.post(BASE + "/<int:product_id>/photos")
@login_required
def manage_photo_add(org_slug: str, product_id: int):
    org, product = _product(org_slug, product_id)
    form = PhotoForm()
    if form.validate_on_submit():
        with unit_of_work() as done:
            photos.add_photo(current_user, product, uploaded_file("photo", _("Please choose a photo.")), get_storage())
        if done.ok:
            flash(_("Photo added."), "success")
    return redirect(_edit_url(product, "#photos"))


def _photos_response(product):
    if request.headers.get("HX-Request"):
        return render_template("shop/manage/_photos.html", product=product, empty_form=EmptyForm())
    return redirect(_edit_url(product, "#photos"))


@bp.post(BASE + "/<int:product_id>/photos/<int:photo_id>/move")
@login_required
def manage_photo_move(org_slug: str, product_id: int, photo_id: int):
    org, product = _product(org_slug, product_id)
    if EmptyForm().validate_on_submit():
        with unit_of_work():
            photos.move_photo(current_user, product, photo_id, -1 if request.form.get("direction") == "up" else 1)
    return _photos_response(product)


@bp.post(BASE + "/<int:product_id>/photos/order")
@login_required
def manage_photo_order(org_slug: str, product_id: int):
    """The whole order at once, e.g. from a drag-and-drop list: photo_id=3&photo_id=1&photo_id=2."""
    org, product = _product(org_slug, product_id)
    if EmptyForm().validate_on_submit():
        ids = [int(v) for v in request.form.getlist("photo_id") if v.isdigit()]
        with unit_of_work():
            photos.reorder_photos(current_user, product, ids)
    return _photos_response(product)


@bp.post(BASE + "/<int:product_id>/photos/<int:photo_id>/delete")
@login_required
def manage_photo_delete(org_slug: str, product_id: int, photo_id: int):
    org, product = _product(org_slug, product_id)
    if EmptyForm().validate_on_submit():
        keys: list[str] = []
        with unit_of_work() as done:
            keys = photos.delete_photo(current_user, product, photo_id)
        if done.ok:
            storage = get_storage()
            for key in keys:  # files go only after the row is gone for good (DESIGN invariant 3)
                storage.delete(key)
    return _photos_response(product)


# Variants and stock ------------------------------------------------------------------------------------

@bp.route(BASE + "/<int:product_id>/variants", methods=["GET", "POST"])
@login_required
def manage_variants(org_slug: str, product_id: int):
    org, product = _product(org_slug, product_id)
    form = EmptyForm()
    if form.validate_on_submit():
        ids, labels, prices = (request.form.getlist(k) for k in ("variant_id", "label", "price"))
        rows = [services.VariantRow(id=int(i) if i.isdigit() else None, label=label, price=parse_vnd(price))
                for i, label, price in zip(ids, labels, prices, strict=False)]
        with unit_of_work() as done:
            services.set_variants(current_user, product, rows)
        if done.ok:
            flash(_("Options saved."), "success")
            return redirect(url_for("shop.manage_variants", org_slug=org.slug, product_id=product.id))
    return render_template("shop/manage/variants.html", org=org, product=product, form=form)


@bp.route(BASE + "/<int:product_id>/stock", methods=["GET", "POST"])
@login_required
def manage_stock(org_slug: str, product_id: int):
    org, product = _product(org_slug, product_id)
    form = StockForm()
    form.variant_id.choices = [(str(v.id), v.label or _("Default")) for v in product.active_variants]
    if form.validate_on_submit():
        variant_id = int(form.variant_id.data) if (form.variant_id.data or "").isdigit() else 0
        with unit_of_work() as done:
            services.adjust_variant_stock(current_user, product, variant_id, form.delta.data, form.reason.data)
        if done.ok:
            flash(_("Stock updated."), "success")
            return redirect(url_for("shop.manage_stock", org_slug=org.slug, product_id=product.id))
    return render_template("shop/manage/stock.html", org=org, product=product, form=form,
                           movements=queries.stock_movements(product))
