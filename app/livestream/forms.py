"""Live forms: scheduling a live (title, description, start time in Vietnam's time, cover, stream link), its products."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateTimeLocalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..core.money import parse_vnd


class ScheduleForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=160)],
                        render_kw={"placeholder": _l("Pomelo harvest live: order by comment")})
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    starts_at = DateTimeLocalField(_l("Starts at"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    external_stream_url = StringField(_l("Stream link (YouTube, Facebook or HLS), optional"),
                                      validators=[Optional(), Length(max=500)],
                                      render_kw={"inputmode": "url", "placeholder": "https://www.youtube.com/watch?v=…"})
    cover = FileField(_l("Cover picture (JPEG, PNG or WebP), optional"))

    def starts_at_utc(self) -> datetime | None:
        """The typed local time read in the site's time zone (Asia/Ho_Chi_Minh), as UTC."""
        value = self.starts_at.data
        if value is None:
            return None
        zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh"))
        return value.replace(tzinfo=zone).astimezone(UTC)


class LiveProductForm(FlaskForm):
    """Put a product on a live; empty fields take the product's own code, price and stock."""

    product_id = SelectField(_l("Product"), coerce=int, validators=[DataRequired()])
    live_code = StringField(_l("Live code (empty: the product code)"), validators=[Optional(), Length(max=8)],
                            render_kw={"autocapitalize": "characters", "placeholder": "A12"})
    live_price = StringField(_l("Live price in ₫ (empty: the shop price)"), validators=[Optional(), Length(max=20)],
                             render_kw={"inputmode": "numeric", "placeholder": "55.000"})
    per_buyer_limit = IntegerField(_l("Limit per buyer (empty: no limit)"), validators=[Optional()],
                                   render_kw={"inputmode": "numeric"})
    allotment = IntegerField(_l("Quantity for the live (empty: all in stock)"), validators=[Optional()],
                             render_kw={"inputmode": "numeric"})

    def validate_live_price(self, field) -> None:
        if (field.data or "").strip() and parse_vnd(field.data) is None:
            raise ValidationError(_l("Please enter the price in dong, digits only."))
