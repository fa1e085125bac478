"""Checkout form: receiver, address (province → commune), note and payment method."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ...accounts.forms import AddressMixin


class CheckoutForm(AddressMixin, FlaskForm):
    name = StringField(_l("Receiver's name"), validators=[DataRequired(), Length(max=120)],
                       render_kw={"autocomplete": "name"})
    phone = StringField(_l("Phone number"), validators=[DataRequired(), Length(max=20)],
                        render_kw={"inputmode": "tel", "autocomplete": "tel", "placeholder": "0912 345 678"})
    province_code = SelectField(_l("Province / city"), validators=[DataRequired()], validate_choice=False)
    commune_code = SelectField(_l("Commune / ward"), validators=[DataRequired()], validate_choice=False)
    street = StringField(_l("House number, street, village"), validators=[DataRequired(), Length(max=200)])
    note = TextAreaField(_l("Note for the seller"), validators=[Optional(), Length(max=500)])
    payment_method = RadioField(_l("Payment method"), default="cod", validate_choice=False)
    idempotency_key = HiddenField()
