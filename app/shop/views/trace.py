"""Product papers (OCOP, food safety, advertising) and lots on the product edit page; the public lot page, the
GS1 Digital Link resolver and the printable QR label."""
from __future__ import annotations

import io

from flask import Flask, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from ...accounts.forms import EmptyForm
from ...core import rules
from ...core.storage import get_storage
from ...core.uploads import served_as
from ...core.web import unit_of_work, uploaded_file
from .. import bp, documents, lots
from ..forms import DocumentForm, GtinForm, LotForm
from .manage import BASE, _edit_url, _product


@bp.post(BASE + "/<int:product_id>/documents")
@login_required
def manage_document_add(org_slug: str, product_id: int):
    _org, product = _product(org_slug, product_id)
    form = DocumentForm(prefix="doc")
    if form.validate_on_submit():
        data = documents.DocumentData(
            kind=form.kind.data, number=form.number.data,
            ocop_stars=int(form.ocop_stars.data) if (form.ocop_stars.data or "").isdigit() else None,
            issuing_level=form.issuing_level.data or None, issued_on=form.issued_on.data,
            expires_on=form.expires_on.data)
        with unit_of_work() as done:
            documents.add_document(current_user, product, data, uploaded_file("doc-file", _("Please choose the file.")),
                                   get_storage(), ocop_months=rules.int_rule("ocop_validity_months",
                                                                            documents.DEFAULT_OCOP_MONTHS))
        if done.ok:
            flash(_("The paper has been added."), "success")
    else:
        flash(_("Please check the dates."), "error")
    return redirect(_edit_url(product, "#documents"))


@bp.post(BASE + "/<int:product_id>/documents/<int:document_id>/delete")
@login_required
def manage_document_delete(org_slug: str, product_id: int, document_id: int):
    _org, product = _product(org_slug, product_id)
    if EmptyForm().validate_on_submit():
        with unit_of_work() as done:
            documents.remove_document(product, documents.document_of(product, document_id))
        if done.ok:
            flash(_("The paper has been removed."), "success")
    return redirect(_edit_url(product, "#documents"))


@bp.get(BASE + "/<int:product_id>/documents/<int:document_id>")
@login_required
def manage_document_download(org_slug: str, product_id: int, document_id: int):
    """The paper itself, for the organisation's members; always a download, never cached."""
    _org, product = _product(org_slug, product_id)
    document = documents.document_of(product, document_id)
    response = send_file(io.BytesIO(get_storage().read(document.file_key)),
                         mimetype=served_as(document.file_key).content_type, as_attachment=True,
                         download_name=f"{document.kind}-{document.id}.{document.file_ext}")
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.post(BASE + "/<int:product_id>/gtin")
@login_required
def manage_gtin(org_slug: str, product_id: int):
    _org, product = _product(org_slug, product_id)
    form = GtinForm()
    if form.validate_on_submit():
        with unit_of_work() as done:
            lots.set_gtin(product, form.gtin.data)
        if done.ok:
            flash(_("Saved."), "success")
    return redirect(_edit_url(product, "#lots"))


@bp.post(BASE + "/<int:product_id>/lots")
@login_required
def manage_lot_add(org_slug: str, product_id: int):
    _org, product = _product(org_slug, product_id)
    form = LotForm(prefix="lot")
    if form.validate_on_submit():
        data = lots.LotData(code=form.code.data, produced_on=form.produced_on.data, farm=form.farm.data,
                            plot=form.plot.data, certifications=form.certifications.data, note=form.note.data)
        with unit_of_work() as done:
            lot = lots.add_lot(product, data)
        if done.ok:
            flash(_("Lot %(code)s added: print its QR label.", code=lot.code), "success")
    else:
        flash(_("Please check the dates."), "error")
    return redirect(_edit_url(product, "#lots"))


def _site() -> str:
    return (current_app.config.get("SITE_URL") or request.host_url).rstrip("/")


@bp.get(BASE + "/<int:product_id>/lots/<int:lot_id>/label")
@login_required
def manage_lot_label(org_slug: str, product_id: int, lot_id: int):
    """A printable label: the QR, the product, the lot and its date."""
    _org, product = _product(org_slug, product_id)
    lot = lots.lot_of(product, lot_id)
    url = lots.label_url(lot, _site())
    return render_template("shop/manage/lot_label.html", lot=lot, product=product, url=url,
                           qr=Markup(lots.label_svg(url)))  # segno's own SVG, nothing typed in it but the URL


def lot_page(lot_id: int):
    """The public traceability page of a lot."""
    lot = lots.public_lot(lot_id)
    return render_template("shop/lot.html", lot=lot, product=lot.product,
                           papers=[d for d in documents.product_documents(lot.product_id)])


def digital_link(gtin: str, lot_code: str):
    """GS1 Digital Link (https://<site>/01/<GTIN>/10/<lot>) resolved to the lot's page."""
    return redirect(url_for("shop_trace.lot_page", lot_id=lots.lot_by_gtin(gtin, lot_code).id))


def register_public_routes(app: Flask) -> None:
    """At the site's root, outside /shop: the label's URLs must stay short and in GS1's form."""
    from flask import Blueprint

    trace = Blueprint("shop_trace", __name__)
    trace.add_url_rule("/lot/<int:lot_id>", view_func=lot_page, endpoint="lot_page")
    trace.add_url_rule("/01/<gtin>/10/<path:lot_code>", view_func=digital_link, endpoint="digital_link")
    app.register_blueprint(trace)
