"""Compliance forms (CSRF through Flask-WTF); the rules themselves are checked in the services."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional


class VerificationForm(FlaskForm):
    tax_code = StringField(_l("Tax code"), validators=[Optional(), Length(max=20)],
                           render_kw={"inputmode": "numeric", "autocomplete": "off", "placeholder": "0101234567"})
    id_number = StringField(_l("Personal identification number of the representative (12 digits)"),
                            validators=[Optional(), Length(max=20)],
                            render_kw={"inputmode": "numeric", "autocomplete": "off"})
    representative_name = StringField(_l("Full name of the legal representative"),
                                      validators=[Optional(), Length(max=120)])
    sells_food = BooleanField(_l("We sell food (a food safety certificate is needed)"))


class DocumentForm(FlaskForm):
    kind = SelectField(_l("What is this paper?"), choices=[
        ("business_registration", _l("Business registration certificate")),
        ("food_safety", _l("Food safety certificate")),
        ("other", _l("Other paper")),
    ])
    document = FileField(_l("File (PDF or photo, up to 10 MB)"))


class ReviewForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=[("approved", _l("Approve")),
                                                   ("more_info", _l("Ask for more")),
                                                   ("rejected", _l("Reject"))], validators=[Optional()])
    reason = TextAreaField(_l("Reason (the seller sees it)"), validators=[Optional(), Length(max=500)])


class ModeForm(FlaskForm):
    mode = RadioField(_l("Platform mode"), choices=[("own_shop", _l("Own shop of one cooperative")),
                                                    ("marketplace", _l("Marketplace of many sellers"))],
                      validators=[Optional()])
    effective_from = DateField(_l("From"), validators=[Optional()])


class SettingForm(FlaskForm):
    key = SelectField(_l("Rule"), choices=[])
    value = StringField(_l("Value"), validators=[Optional(), Length(max=30)])
    effective_from = DateField(_l("From"), validators=[Optional()])
    source = StringField(_l("Source (law, decree, article)"), validators=[Optional(), Length(max=500)])


class RateForm(FlaskForm):
    tax_kind = SelectField(_l("Tax group"), choices=[("goods", _l("Goods")), ("services", _l("Services")),
                                                    ("transport", _l("Transport"))])
    vat = StringField(_l("VAT (%)"), validators=[Optional(), Length(max=8)], render_kw={"inputmode": "decimal"})
    pit = StringField(_l("PIT (%)"), validators=[Optional(), Length(max=8)], render_kw={"inputmode": "decimal"})
    effective_from = DateField(_l("From"), validators=[Optional()])
    source = StringField(_l("Source (law, decree, article)"), validators=[Optional(), Length(max=500)])


class BreachForm(FlaskForm):
    title = StringField(_l("What happened (short)"), validators=[Optional(), Length(max=200)])
    description = TextAreaField(_l("Description: how it happened, what is known"),
                                validators=[Optional(), Length(max=5000)])
    data_kinds = StringField(_l("Kinds of personal data involved (names, phones, addresses, ...)"),
                             validators=[Optional(), Length(max=300)])
    people_affected = StringField(_l("Number of people affected (if known)"), validators=[Optional(), Length(max=9)],
                                  render_kw={"inputmode": "numeric"})
    discovered_at = StringField(_l("Discovered at (dd/mm/yyyy hh:mm, Vietnam time)"),
                                validators=[Optional(), Length(max=20)], render_kw={"placeholder": "06/12/2026 09:30"})
    measures = TextAreaField(_l("Measures taken"), validators=[Optional(), Length(max=5000)])
