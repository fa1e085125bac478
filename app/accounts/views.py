"""Account and organisation pages (thin: forms in, services do the work, one commit)."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..core import addresses
from ..core.storage import get_storage
from ..core.web import error_under_field, safe_redirect_target, unit_of_work, uploaded_file
from ..errors import InvalidInput, NotFound
from ..extensions import db, limiter
from . import bp, privacy, queries, services
from .auth import admin_required
from .forms import (
    AddStaffForm,
    BankForm,
    EmptyForm,
    LoginForm,
    LogoForm,
    OrganisationForm,
    PasswordForm,
    ProfileForm,
    RegisterForm,
    commune_choices,
)
from .models import User

# Refusals of the sign-up service that are about the phone-or-email field.
LOGIN_ERRORS = {"invalid_phone": "login", "invalid_email": "login", "phone_taken": "login", "email_taken": "login"}


def _safe_next(default: str) -> str:
    return safe_redirect_target(request.args.get("next"), default)


def _sign_in(user: User) -> None:
    services.start_login_session(user, request.user_agent.string)
    db.session.commit()
    session.clear()
    login_user(user)
    session.permanent = True


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegisterForm()
    if form.validate_on_submit():
        with unit_of_work() as done:
            user = services.register_with_consent(form.name.data, form.login.data, form.password.data,
                                                  consent=form.consent.data, marketing=form.marketing.data,
                                                  locale=request.cookies.get("lang"))
        if done.ok:
            _sign_in(user)
            flash(_("Welcome to Chợ Live, %(name)s!", name=user.name), "success")
            return redirect(_safe_next(url_for("accounts.profile")))
        error_under_field(form, done, LOGIN_ERRORS)
    return render_template("accounts/register.html", form=form, policy_version=privacy.policy_version())


def _login_account_key() -> str:
    raw = request.form.get("login", "")
    try:
        return "login:" + services.parse_login(raw)[1]
    except InvalidInput:
        return "login:" + raw.strip().lower()[:64]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], methods=["POST"], key_func=_login_account_key)
# Innermost, so checked first: until a limit is hit, the X-RateLimit-* headers describe this per-address one.
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        with unit_of_work() as done:
            user = services.authenticate(form.login.data, form.password.data)
        if done.ok:
            _sign_in(user)
            return redirect(_safe_next(url_for("main.home")))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        services.end_login_session(current_user.get_id())
        db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("main.home"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=None if request.method == "POST" else _profile_data(current_user))
    form.fill_address_choices(default_province=addresses.HANOI)
    if form.validate_on_submit():
        with unit_of_work() as done:
            services.update_profile(current_user, name=form.name.data, province_code=form.province_code.data or None,
                                    commune_code=form.commune_code.data or None, street=form.street.data)
        if done.ok:
            flash(_("Your profile has been saved."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form, orgs=queries.organisations_of(current_user))


def _profile_data(user: User):
    class Data:
        name = user.name
        province_code = str(user.province_code or "")
        commune_code = str(user.commune_code or "")
        street = user.street

    return Data()


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        with unit_of_work() as done:
            services.change_password(current_user, form.current.data, form.new.data, keep_token=current_user.get_id())
        if done.ok:
            flash(_("Your password has been changed. Other devices have been signed out."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/password.html", form=form)


@bp.get("/address/communes")
def communes_options():
    """htmx: the commune options of the chosen province."""
    province = request.args.get("province_code") or None
    return render_template("accounts/_commune_options.html", choices=commune_choices(province))


# Organisations ------------------------------------------------------------------------------------

@bp.route("/orgs/new", methods=["GET", "POST"])
@login_required
def org_new():
    form = OrganisationForm()
    form.fill_address_choices(default_province=addresses.HANOI)
    if form.validate_on_submit():
        with unit_of_work() as done:
            org = services.create_organisation(
                current_user, name=form.name.data, kind=form.kind.data, province_code=form.province_code.data or None,
                commune_code=form.commune_code.data or None, description=form.description.data, phone=form.phone.data,
            )
        if done.ok:
            flash(_("%(name)s has been created. Add your bank account so buyers can pay by VietQR.", name=org.name),
                  "success")
            return redirect(url_for("accounts.org_manage", slug=org.slug))
    return render_template("accounts/org_form.html", form=form, org=None)


@bp.route("/orgs/<slug>/manage", methods=["GET", "POST"])
@login_required
def org_manage(slug: str):
    org = services.get_organisation(slug)
    member = services.require_org_role(current_user, org, "staff")
    form = OrganisationForm(obj=None if request.method == "POST" else _org_data(org))
    form.fill_address_choices(default_province=addresses.HANOI)
    if form.validate_on_submit():
        with unit_of_work() as done:
            services.update_organisation(
                current_user, org, name=form.name.data, kind=form.kind.data,
                province_code=form.province_code.data or None, commune_code=form.commune_code.data or None,
                description=form.description.data, phone=form.phone.data,
            )
        if done.ok:
            flash(_("Saved."), "success")
            return redirect(url_for("accounts.org_manage", slug=org.slug))
    bank_form = BankForm(bank_bin=org.bank_bin, account_number=org.bank_account_number,
                         account_name=org.bank_account_name)
    bank_form.fill_choices()
    return render_template("accounts/org_manage.html", org=org, form=form, member=member, bank_form=bank_form,
                           logo_form=LogoForm(), staff_form=AddStaffForm(prefix="staff"), members=queries.members_of(org),
                           empty_form=EmptyForm())


def _org_data(org):
    class Data:
        name = org.name
        kind = org.kind
        province_code = str(org.province_code or "")
        commune_code = str(org.commune_code or "")
        phone = org.phone
        description = org.description

    return Data()


@bp.post("/orgs/<slug>/bank")
@login_required
def org_bank(slug: str):
    org = services.get_organisation(slug)
    form = BankForm()
    form.fill_choices()
    if form.validate_on_submit():
        with unit_of_work() as done:
            services.set_bank_account(current_user, org, bank_bin=form.bank_bin.data,
                                      account_number=form.account_number.data, account_name=form.account_name.data)
        if done.ok:
            flash(_("Bank account saved."), "success")
    return redirect(url_for("accounts.org_manage", slug=org.slug) + "#bank")


@bp.post("/orgs/<slug>/logo")
@login_required
def org_logo(slug: str):
    org = services.get_organisation(slug)
    services.require_org_role(current_user, org, "owner")  # before the form: strangers get 403
    form = LogoForm()
    if form.validate_on_submit():
        with unit_of_work() as done:
            services.set_logo(current_user, org, uploaded_file("logo", _("Please choose a picture.")), get_storage())
        if done.ok:
            flash(_("Logo updated."), "success")
    return redirect(url_for("accounts.org_manage", slug=org.slug))


@bp.post("/orgs/<slug>/members")
@login_required
def org_add_staff(slug: str):
    org = services.get_organisation(slug)
    services.require_org_role(current_user, org, "owner")  # before the form: strangers get 403
    form = AddStaffForm(prefix="staff")
    if form.validate_on_submit():
        with unit_of_work() as done:
            member = services.add_staff(current_user, org, form.phone.data)
        if done.ok:
            flash(_("%(name)s is now staff of %(org)s.", name=member.user.name, org=org.name), "success")
    return redirect(url_for("accounts.org_manage", slug=org.slug) + "#members")


@bp.post("/orgs/<slug>/members/<int:user_id>/remove")
@login_required
def org_remove_member(slug: str, user_id: int):
    org = services.get_organisation(slug)
    if EmptyForm().validate_on_submit():
        with unit_of_work() as done:
            services.remove_member(current_user, org, user_id)
        if done.ok:
            flash(_("Member removed."), "success")
    return redirect(url_for("accounts.org_manage", slug=org.slug) + "#members")


# Platform roles -------------------------------------------------------------------------------------

@bp.get("/admin/users")
@admin_required
def admin_users():
    return render_template("accounts/admin_users.html", users=queries.search_users(request.args.get("q")),
                           q=request.args.get("q", ""), form=EmptyForm())


@bp.post("/admin/users/<int:user_id>/role")
@admin_required
def admin_set_role(user_id: int):
    target = db.session.get(User, user_id)
    if target is None:
        raise NotFound()
    if EmptyForm().validate_on_submit():
        with unit_of_work() as done:
            services.set_platform_role(current_user, target, request.form.get("role", ""),
                                       granted=request.form.get("granted") == "1")
        if done.ok:
            flash(_("Roles updated for %(name)s.", name=target.name), "success")
    return redirect(url_for("accounts.admin_users", q=request.args.get("q", "")))
