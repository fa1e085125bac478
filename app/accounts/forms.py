"""Account and organisation forms (CSRF through Flask-WTF); domain checks stay in services."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..core import addresses
from ..core.banks import bank_choices


def province_choices():
    return [("", _l("— Choose a province —"))] + [(str(c), n) for c, n in addresses.provinces()]


def commune_choices(province_code):
    if not province_code:
        return [("", _l("— Choose a province first —"))]
    return [("", _l("— Choose a commune —"))] + [(str(c), n) for c, n in addresses.communes(int(province_code))]


class AddressMixin:
    def fill_address_choices(self, default_province: int | None = None):
        if not self.province_code.data and default_province:
            self.province_code.data = str(default_province)
        self.province_code.choices = province_choices()
        self.commune_code.choices = commune_choices(self.province_code.data)


class RegisterForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])
    login = StringField(_l("Phone number or email"), validators=[DataRequired(), Length(max=254)],
                        render_kw={"autocomplete": "username", "inputmode": "tel", "placeholder": "0912 345 678"})
    password = PasswordField(_l("Password (at least 8 characters)"), validators=[DataRequired()],
                             render_kw={"autocomplete": "new-password"})
    # Never pre-ticked: the service refuses an unticked box with a clear message (accounts.privacy).
    consent = BooleanField(_l("I agree that Chợ Live keeps my name, phone number or email and the addresses I give, "
                              "to run my account and deliver my orders."))
    marketing = BooleanField(_l("Send me news and offers (optional; I can withdraw this at any time)."))


class LoginForm(FlaskForm):
    login = StringField(_l("Phone number or email"), validators=[DataRequired(), Length(max=254)],
                        render_kw={"autocomplete": "username", "placeholder": "0912 345 678"})
    password = PasswordField(_l("Password"), validators=[DataRequired()], render_kw={"autocomplete": "current-password"})


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()],
                            render_kw={"autocomplete": "current-password"})
    new = PasswordField(_l("New password (at least 8 characters)"), validators=[DataRequired()],
                        render_kw={"autocomplete": "new-password"})


class ProfileForm(AddressMixin, FlaskForm):
    name = StringField(_l("Display name"), validators=[DataRequired(), Length(max=120)])
    province_code = SelectField(_l("Province / city"), validators=[Optional()], validate_choice=False)
    commune_code = SelectField(_l("Commune / ward"), validators=[Optional()], validate_choice=False)
    street = StringField(_l("House number, street, village"), validators=[Optional(), Length(max=200)])


ORG_KIND_CHOICES = [("cooperative", _l("Cooperative (hợp tác xã)")), ("household", _l("Household business (hộ kinh doanh)"))]


class OrganisationForm(AddressMixin, FlaskForm):
    name = StringField(_l("Shop name"), validators=[DataRequired(), Length(max=160)])
    kind = SelectField(_l("Kind"), choices=ORG_KIND_CHOICES, validate_choice=False)
    province_code = SelectField(_l("Province / city"), validators=[Optional()], validate_choice=False)
    commune_code = SelectField(_l("Commune / ward"), validators=[Optional()], validate_choice=False)
    phone = StringField(_l("Contact phone"), validators=[Optional(), Length(max=20)])
    description = TextAreaField(_l("Introduction (Markdown allowed)"), validators=[Optional(), Length(max=5000)])


class LogoForm(FlaskForm):
    logo = FileField(_l("Logo (JPEG, PNG or WebP)"))


class BankForm(FlaskForm):
    bank_bin = SelectField(_l("Bank"), validate_choice=False)
    account_number = StringField(_l("Account number"), validators=[Optional(), Length(max=32)],
                                 render_kw={"inputmode": "numeric"})
    account_name = StringField(_l("Account holder"), validators=[Optional(), Length(max=120)])

    def fill_choices(self):
        self.bank_bin.choices = [("", _l("— Choose a bank —"))] + bank_choices()


class AddStaffForm(FlaskForm):
    phone = StringField(_l("Staff member's phone number"), validators=[DataRequired(), Length(max=20)],
                        render_kw={"inputmode": "tel", "placeholder": "0912 345 678"})


class EmptyForm(FlaskForm):
    """Just the CSRF token, for buttons that post."""


class MarketingForm(FlaskForm):
    marketing = BooleanField(_l("Send me news and offers"))


class DeleteAccountForm(FlaskForm):
    password = PasswordField(_l("Your password, to confirm"), validators=[DataRequired()],
                             render_kw={"autocomplete": "current-password"})
