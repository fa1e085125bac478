"""Shop forms: product details, stock adjustment, photo upload; domain checks stay in services."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..core import addresses
from ..core.money import parse_vnd
from .models import CATEGORIES, UNITS
from .services import ProductData

STATUS_CHOICES = [("active", _l("On sale")), ("draft", _l("Draft (hidden)")), ("archived", _l("Archived"))]


def _int_or_none(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


class ProductForm(FlaskForm):
    name = StringField(_l("Product name"), validators=[DataRequired(), Length(max=160)],
                       render_kw={"placeholder": _l("e.g. Bưởi Diễn loại 1")})
    code = StringField(_l("Code for live orders"), validators=[Optional(), Length(max=12)],
                       render_kw={"placeholder": "A12", "autocapitalize": "characters"})
    category = SelectField(_l("Category"), choices=[(c, label) for c, label, _ in CATEGORIES], validate_choice=False)
    unit = SelectField(_l("Unit"), choices=UNITS, validate_choice=False)
    price = StringField(_l("Price (₫)"), validators=[DataRequired()],
                        render_kw={"inputmode": "numeric", "placeholder": "60.000"})
    compare_at_price = StringField(_l("Price before discount (₫, optional)"), validators=[Optional()],
                                   render_kw={"inputmode": "numeric"})
    stock = IntegerField(_l("Stock now"), validators=[Optional()], default=0, render_kw={"inputmode": "numeric"})
    description = TextAreaField(_l("Description (Markdown allowed)"), validators=[Optional(), Length(max=10000)])
    origin_commune_code = SelectField(_l("Grown or made in"), validators=[Optional()], validate_choice=False)
    is_preorder = BooleanField(_l("Pre-order (not harvested yet)"))
    harvest_date = DateField(_l("Expected harvest date"), validators=[Optional()])
    preorder_cap = IntegerField(_l("Pre-order limit (optional)"), validators=[Optional()])
    status = SelectField(_l("Status"), choices=STATUS_CHOICES, validate_choice=False)
    max_per_buyer = IntegerField(_l("Most units one buyer may order (optional)"), validators=[Optional()],
                                 render_kw={"inputmode": "numeric"})

    def fill_choices(self, province_code: int | None) -> None:
        province = province_code or addresses.HANOI
        self.origin_commune_code.choices = [("", _l("— Same as the organisation —"))] + [
            (str(code), name) for code, name in addresses.communes(province)]

    def to_data(self) -> ProductData:
        return ProductData(
            name=self.name.data, category=self.category.data, unit=self.unit.data,
            price=parse_vnd(self.price.data), compare_at_price=parse_vnd(self.compare_at_price.data),
            description=self.description.data, code=self.code.data,
            origin_commune_code=_int_or_none(self.origin_commune_code.data), is_preorder=bool(self.is_preorder.data),
            harvest_date=self.harvest_date.data, preorder_cap=self.preorder_cap.data, status=self.status.data,
            max_per_buyer=self.max_per_buyer.data,
        )

    @classmethod
    def for_product(cls, product) -> ProductForm:
        return cls(data={
            "name": product.name, "code": product.code, "category": product.category, "unit": product.unit,
            "price": str(product.price), "compare_at_price": str(product.compare_at_price or ""),
            "description": product.description or "", "origin_commune_code": str(product.origin_commune_code or ""),
            "is_preorder": product.is_preorder, "harvest_date": product.harvest_date,
            "preorder_cap": product.preorder_cap, "status": product.status, "max_per_buyer": product.max_per_buyer,
        })


class StockForm(FlaskForm):
    variant_id = SelectField(_l("Option"), validate_choice=False)
    delta = IntegerField(_l("Add (+) or remove (−) units"), validators=[DataRequired()],
                         render_kw={"inputmode": "numeric", "placeholder": "+10 / -2"})
    reason = StringField(_l("Why"), validators=[DataRequired(), Length(max=200)],
                         render_kw={"placeholder": _l("e.g. harvest today, 2 spoilt, stocktake")})


class PhotoForm(FlaskForm):
    photo = FileField(_l("Add a photo (JPEG, PNG or WebP)"))


class DocumentForm(FlaskForm):
    kind = SelectField(_l("Kind of paper"), choices=[("ocop", _l("OCOP certificate")),
                                                     ("food_safety", _l("Food safety certificate")),
                                                     ("advertising", _l("Advertising confirmation"))],
                       validate_choice=False)
    number = StringField(_l("Certificate number"), validators=[Optional(), Length(max=60)])
    ocop_stars = SelectField(_l("OCOP stars"), choices=[("", "—"), ("3", "3★"), ("4", "4★"), ("5", "5★")],
                             validate_choice=False)
    issuing_level = SelectField(_l("Issued by"), choices=[("", "—"), ("province", _l("Province (3★, 4★)")),
                                                          ("ministry", _l("Ministry (5★)"))], validate_choice=False)
    issued_on = DateField(_l("Date of issue"), validators=[Optional()])
    expires_on = DateField(_l("Valid until (empty: 36 months from issue for OCOP)"), validators=[Optional()])
    file = FileField(_l("The paper (PDF or photo)"))


class GtinForm(FlaskForm):
    gtin = StringField(_l("GTIN (barcode number, optional)"), validators=[Optional(), Length(max=20)],
                       render_kw={"inputmode": "numeric"})


class LotForm(FlaskForm):
    code = StringField(_l("Lot code"), validators=[Optional(), Length(max=20)],
                       render_kw={"placeholder": "LO-2026-12"})
    produced_on = DateField(_l("Harvest or production date"), validators=[Optional()])
    farm = StringField(_l("Farm or producer"), validators=[Optional(), Length(max=160)])
    plot = StringField(_l("Plot"), validators=[Optional(), Length(max=80)])
    certifications = StringField(_l("Certifications (VietGAP, organic, ...)"), validators=[Optional(), Length(max=300)])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
