"""Ordering forms: checkout (receiver, address, note, payment method) and the shipping rule."""
from __future__ import annotations

from collections.abc import Iterable

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ...accounts.forms import AddressMixin
from ...accounts.models import Organisation
from ...core.money import parse_vnd
from ..payments.stripe_gateway import gateway_from_config

PAYMENT_LABELS = {"cod": _l("Cash on delivery (COD)"), "vietqr": _l("VietQR bank transfer"),
                  "stripe": _l("Card (Stripe)")}


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
    # Never pre-ticked; refused with a clear message when left empty (accounts.privacy.require_consent).
    consent = BooleanField(_l("I agree that my name, phone number and address are given to the seller and the "
                              "carrier to deliver this order."))

    def offer_payment_methods(self, sellers: Iterable[Organisation]) -> None:
        """Cash on delivery always; a VietQR transfer when every seller in this checkout has a bank account; a card
        when Stripe is configured (the shop's checkout and the live cart offer the same)."""
        sellers = list(sellers)
        methods = ["cod"]
        if sellers and all(org.has_bank_account for org in sellers):
            methods.append("vietqr")
        if gateway_from_config(current_app.config) is not None:
            methods.append("stripe")
        self.payment_method.choices = [(method, PAYMENT_LABELS[method]) for method in methods]


class ShippingRuleForm(FlaskForm):
    """Amounts typed the way people write them ("30.000", "30000 ₫"); the service checks the range."""

    flat_fee = StringField(_l("Delivery fee (₫)"),
                           render_kw={"inputmode": "numeric", "placeholder": "30.000"})
    free_above = StringField(_l("Free delivery for orders from (₫)"), validators=[Optional()],
                             render_kw={"inputmode": "numeric", "placeholder": "500.000"})

    def validate_flat_fee(self, field) -> None:
        if parse_vnd(field.data) is None:
            raise ValidationError(_l("Please enter the delivery fee in dong, digits only."))

    def validate_free_above(self, field) -> None:
        if (field.data or "").strip() and parse_vnd(field.data) is None:
            raise ValidationError(_l("Please enter the amount in dong, digits only, or leave it empty."))

    def amounts(self) -> tuple[int | None, int | None]:
        return parse_vnd(self.flat_fee.data), parse_vnd(self.free_above.data)
