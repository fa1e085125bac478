"""'My data' (Dữ liệu của tôi): see, download, correct and delete what we hold about me; the marketing consent."""
from __future__ import annotations

import io
import json
import zipfile

from flask import Response, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from ..core.csvfile import BOM, write_csv
from ..core.web import error_under_field, unit_of_work
from . import bp, privacy
from .forms import DeleteAccountForm, MarketingForm


@bp.get("/account/data")
@login_required
def my_data():
    data = privacy.export_user_data(current_user)
    return render_template("accounts/my_data.html", counts={k: len(v) for k, v in data.items()},
                           consents=privacy.consent_state(current_user),
                           marketing_form=MarketingForm(marketing=privacy.has_marketing_consent(current_user)),
                           delete_form=DeleteAccountForm(), blockers=privacy.deletion_blockers(current_user))


@bp.get("/account/data.json")
@login_required
def my_data_json():
    body = json.dumps(privacy.export_user_data(current_user), ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": 'attachment; filename="cholive-my-data.json"',
                             "Cache-Control": "no-store"})


@bp.get("/account/data.zip")
@login_required
def my_data_zip():
    """One CSV per kind of record (UTF-8 with BOM, formulas defused: core.csvfile), in one zip."""
    buffer = io.BytesIO()
    # Stored, not deflated: small files, and a scan of the bytes for a string (the tests) sees the CSV text.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for section, rows in privacy.export_csv_files(privacy.export_user_data(current_user)).items():
            archive.writestr(f"{section}.csv", BOM + write_csv(rows))
    return Response(buffer.getvalue(), mimetype="application/zip",
                    headers={"Content-Disposition": 'attachment; filename="cholive-my-data.zip"',
                             "Cache-Control": "no-store"})


@bp.post("/account/data/marketing")
@login_required
def my_data_marketing():
    form = MarketingForm()
    if form.validate_on_submit():
        with unit_of_work() as done:
            changed = privacy.set_marketing_consent(current_user, bool(form.marketing.data))
        if done.ok and changed is not None:
            flash(_("You will get news and offers.") if changed.granted
                  else _("You will no longer get news and offers."), "success")
    return redirect(url_for("accounts.my_data"))


@bp.post("/account/delete")
@login_required
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        with unit_of_work() as done:
            privacy.delete_account(current_user, form.password.data)
        if done.ok:
            logout_user()
            session.clear()
            flash(_("Your account has been deleted and you have been signed out."), "success")
            return redirect(url_for("main.home"))
        error_under_field(form, done)
    return render_template("accounts/my_data.html", counts={k: len(v) for k, v in
                                                             privacy.export_user_data(current_user).items()},
                           consents=privacy.consent_state(current_user),
                           marketing_form=MarketingForm(marketing=privacy.has_marketing_consent(current_user)),
                           delete_form=form, blockers=privacy.deletion_blockers(current_user)), 422
