"""Compliance pages: the seller's tax & revenue pages and verification, the admin's review, exports and rules."""
from __future__ import annotations

import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..accounts.auth import admin_required
from ..accounts.forms import EmptyForm
from ..accounts.services import get_organisation, require_org_role
from ..core.csvfile import csv_response
from ..core.storage import get_storage
from ..core.uploads import served_as
from ..core.web import unit_of_work, uploaded_file
from ..errors import InvalidInput
from ..extensions import db
from . import bp, exports, queries, services, settings, tracker, verification
from .forms import DocumentForm, ModeForm, RateForm, ReviewForm, SettingForm, VerificationForm
from .models import TAX_KINDS

SELLER = "/compliance/<org_slug>"
ADMIN = "/admin/compliance"


def _org(org_slug: str, role: str = "staff"):
    org = get_organisation(org_slug)
    require_org_role(current_user, org, role)
    return org


# Public -------------------------------------------------------------------------------------------

@bp.get("/platform")
def platform():
    """What each platform mode does, and which one this site runs."""
    return render_template("compliance/platform.html", mode=settings.mode(), chosen=settings.mode_chosen())


# Seller -------------------------------------------------------------------------------------------

@bp.get(SELLER)
@login_required
def seller_home(org_slug: str):
    org = _org(org_slug)
    year = request.args.get("year", type=int)
    today = settings.local_day()
    board = tracker.tracker(org, year if year and 2000 <= year <= today.year else today.year, today)
    return render_template("compliance/seller_home.html", org=org, board=board,
                           labels=tracker.THRESHOLD_LABELS, marketplace=settings.is_marketplace(),
                           check=verification.verification_of(org), verified=verification.is_verified(org),
                           periods=queries.periods_with_entries(org), current=today.strftime("%Y-%m"),
                           is_owner=verification.identity_visible_to(current_user, org))


@bp.route(SELLER + "/verification", methods=["GET", "POST"])
@login_required
def seller_verification(org_slug: str):
    org = _org(org_slug, "owner")  # identity numbers: the owner (and admins, on the review page) only
    found = verification.verification_of(org)
    form = VerificationForm(obj=found) if request.method == "GET" else VerificationForm()
    if form.validate_on_submit():
        with unit_of_work() as done:
            verification.submit(current_user, org, tax_code=form.tax_code.data, id_number=form.id_number.data,
                                representative_name=form.representative_name.data, sells_food=form.sells_food.data)
        if done.ok:
            flash(_("Sent. The platform will review it; add your papers below if you have not yet."), "success")
            return redirect(url_for("compliance.seller_verification", org_slug=org.slug))
        db.session.refresh(org)
        found = verification.verification_of(org)
    return render_template("compliance/verification.html", org=org, check=found, form=form,
                           document_form=DocumentForm(), marketplace=settings.is_marketplace())


@bp.post(SELLER + "/verification/documents")
@login_required
def seller_document_add(org_slug: str):
    org = _org(org_slug, "owner")
    form = DocumentForm()
    if form.validate_on_submit():
        with unit_of_work() as done:
            verification.add_document(current_user, org, form.kind.data,
                                      uploaded_file("document", _("Please choose a file.")), get_storage())
        if done.ok:
            flash(_("Paper added."), "success")
    return redirect(url_for("compliance.seller_verification", org_slug=org.slug))


@bp.get(SELLER + "/documents/<int:document_id>")
@login_required
def document_download(org_slug: str, document_id: int):
    """A private paper, for its organisation's owner and admins only; always a download, never cached."""
    document = verification.document_for(current_user, get_organisation(org_slug), document_id)
    kind = served_as(document.key)
    data = get_storage().read(document.key)
    response = send_file(io.BytesIO(data), mimetype=kind.content_type, as_attachment=True,
                         download_name=f"{document.kind}-{document.id}.{document.key.rsplit('.', 1)[-1]}")
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.get(SELLER + "/statement")
@login_required
def seller_statement(org_slug: str):
    """The month's statement as a printable page, in Vietnamese whatever the reader's language."""
    org = _org(org_slug)
    period = queries.parse_period(request.args.get("month"))
    report = queries.statement(org, period)
    with force_locale("vi"):
        return render_template("compliance/statement.html", org=org, report=report, rows=exports.statement_rows(report),
                               check=verification.verification_of(org),
                               show_identity=verification.identity_visible_to(current_user, org),
                               masked=verification.masked, today=settings.local_day())


@bp.get(SELLER + "/statement.csv")
@login_required
def seller_statement_csv(org_slug: str):
    org = _org(org_slug)
    period = queries.parse_period(request.args.get("month"))
    return csv_response(exports.statement_rows(queries.statement(org, period)),
                        f"sao-ke-{org.slug}-{period}.csv")


# Admin --------------------------------------------------------------------------------------------

@bp.get(ADMIN)
@admin_required
def admin_home():
    today = settings.local_day()
    return render_template("compliance/admin_home.html", mode=settings.mode(), chosen=settings.mode_chosen(),
                           reminder=queries.reminder(today), queue=queries.verification_queue(), today=today)


@bp.route(ADMIN + "/mode", methods=["GET", "POST"])
@admin_required
def admin_mode():
    form = ModeForm()
    if request.method == "GET":
        form.mode.data = settings.mode()
        form.effective_from.data = settings.local_day()
    elif form.validate_on_submit():
        with unit_of_work() as done:
            settings.choose_mode(current_user, form.mode.data, form.effective_from.data)
        if done.ok:
            flash(_("Platform mode saved."), "success")
            return redirect(url_for("compliance.admin_home"))
    return render_template("compliance/admin_mode.html", form=form, mode=settings.mode(),
                           history=settings.history("platform_mode"), chosen=settings.mode_chosen())


@bp.get(ADMIN + "/verifications")
@admin_required
def admin_verifications():
    return render_template("compliance/admin_verifications.html", queue=queries.verification_queue())


@bp.route(ADMIN + "/verifications/<org_slug>", methods=["GET", "POST"])
@admin_required
def admin_review(org_slug: str):
    org = get_organisation(org_slug)
    found = verification.verification_of(org)
    if found is None:
        abort(404)
    form = ReviewForm()
    if form.validate_on_submit():
        with unit_of_work() as done:
            verification.review(current_user, org, form.decision.data, form.reason.data)
        if done.ok:
            flash(_("Decision saved."), "success")
            return redirect(url_for("compliance.admin_verifications"))
    return render_template("compliance/admin_review.html", org=org, check=found, form=form,
                           hosts=queries.lives_hosted(org))


def _export_period() -> str:
    return queries.parse_period(request.args.get("month"))


@bp.get(ADMIN + "/export")
@admin_required
def admin_export():
    period = _export_period()
    return render_template("compliance/admin_export.html", report=queries.declaration(period), period=period,
                           form=EmptyForm(), today=settings.local_day())


@bp.get(ADMIN + "/export.csv")
@admin_required
def admin_export_csv():
    period = _export_period()
    return csv_response(exports.declaration_rows(queries.declaration(period)), f"khau-tru-{period}.csv")


@bp.get(ADMIN + "/export.xlsx")
@admin_required
def admin_export_xlsx():
    period = _export_period()
    data = exports.xlsx_bytes(exports.declaration_rows(queries.declaration(period)), f"Khau tru {period}")
    return send_file(io.BytesIO(data), as_attachment=True, download_name=f"khau-tru-{period}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.post(ADMIN + "/export/filed")
@admin_required
def admin_export_filed():
    period = _export_period()
    if EmptyForm().validate_on_submit():
        with unit_of_work() as done:
            services.mark_filed(current_user, period)
        if done.ok:
            flash(_("Noted as filed: the reminder stops for this month."), "success")
    return redirect(url_for("compliance.admin_export", month=period))


def _setting_keys() -> list[tuple[str, str]]:
    from ..shop.models import CATEGORY_CODES, CATEGORY_LABELS

    labels = {"exempt_threshold": _("Tax-exempt revenue threshold (VND a year)"),
              "einvoice_threshold": _("E-invoice threshold (VND a year)"),
              "einvoice_register_days": _("Days to register for e-invoices after crossing"),
              "warning_percent": _("Warning level (percent of a threshold)"),
              "declaration_due_day": _("Declaration due day of the next month"),
              "retention_live_days": _("Keep lives (days after they end)"),
              "retention_listing_days": _("Keep removed product listings (days)"),
              "retention_order_years": _("Keep orders (years, accounting)"),
              "privacy_policy_version": _("Privacy notice version buyers agree to"),
              "address_retention_days": _("Days a delivered order keeps the receiver's name, phone and address"),
              "breach_notice_hours": _("Hours to notify a personal data breach"),
              "ocop_validity_months": _("Months an OCOP certificate is valid"),
              "certificate_warning_days": _("Days before a certificate's expiry the seller is warned")}
    keys = list(labels.items())
    keys += [(f"tax_kind.{code}", _("Tax group of %(category)s", category=CATEGORY_LABELS[code]))
             for code in CATEGORY_CODES]
    return keys


@bp.route(ADMIN + "/settings", methods=["GET", "POST"])
@admin_required
def admin_settings():
    keys = _setting_keys()
    setting_form, rate_form = SettingForm(prefix="s"), RateForm(prefix="r")
    setting_form.key.choices = keys
    if request.method == "POST":
        which = request.form.get("form")
        with unit_of_work() as done:
            if which == "rate" and rate_form.validate_on_submit():
                settings.set_rate(current_user, rate_form.tax_kind.data, rate_form.vat.data, rate_form.pit.data,
                                  rate_form.effective_from.data, rate_form.source.data)
            elif which == "setting" and setting_form.validate_on_submit():
                settings.set_value(current_user, setting_form.key.data, setting_form.value.data,
                                   setting_form.effective_from.data, setting_form.source.data)
            else:
                raise InvalidInput(_("Please fill in every field."))
        if done.ok:
            flash(_("Saved. The new value applies from its date."), "success")
            return redirect(url_for("compliance.admin_settings"))
    return render_template("compliance/admin_settings.html", keys=keys, history=settings.history,
                           rates={kind: settings.rate_history(kind) for kind in TAX_KINDS},
                           setting_form=setting_form, rate_form=rate_form, bp_to_percent=settings.bp_to_percent,
                           today=settings.local_day())


@bp.get(ADMIN + "/purges")
@admin_required
def admin_purges():
    """What the retention job removed, newest first, and the periods in force."""
    from . import retention

    periods = [(key, settings.in_force(key)) for key in settings.RETENTION_KEYS]
    return render_template("compliance/admin_purges.html", purges=retention.purge_log(), periods=periods,
                           labels=dict(_setting_keys()))
