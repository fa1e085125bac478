"""Products, their variants (where stock lives), photos and the stock movement ledger."""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Organisation, User
from ..core.dbtypes import TZDateTime, sql_in, utcnow
from ..extensions import Model

# (code, label, emoji): codes are stored, labels are shown in the buyer's language.
CATEGORIES = (
    ("vegetables", _l("Vegetables"), "🥬"),
    ("fruit", _l("Fruit"), "🍊"),
    ("rice", _l("Rice & grains"), "🌾"),
    ("tea", _l("Tea & coffee"), "🍵"),
    ("processed", _l("Processed food"), "🫙"),
    ("handicraft", _l("Handicrafts"), "🧺"),
    ("other", _l("Other"), "📦"),
)
CATEGORY_CODES = tuple(code for code, _, _ in CATEGORIES)
CATEGORY_LABELS = {code: label for code, label, _ in CATEGORIES}
CATEGORY_EMOJI = {code: emoji for code, _, emoji in CATEGORIES}

# Units are stored as stable English codes; Vietnamese buyers see "cái", "kg", "bó", "nải", "con", "vỉ", "thùng"...
UNITS = (
    ("piece", _l("piece")),
    ("kg", _l("kg")),
    ("box", _l("box")),
    ("bunch", _l("bunch")),
    ("bottle", _l("bottle")),
    ("bag", _l("bag")),
    ("pack", _l("pack")),
    ("fruit", _l("fruit")),
    ("litre", _l("litre")),
    ("jar", _l("jar")),
    ("set", _l("set")),
    ("hand", _l("hand (of bananas)")),
    ("head", _l("head (animal)")),
    ("tray", _l("tray")),
    ("carton", _l("carton")),
)
UNIT_CODES = tuple(code for code, _ in UNITS)
UNIT_LABELS = dict(UNITS)

STATUSES = ("draft", "active", "archived")
MOVEMENT_KINDS = ("received", "adjust", "reserve", "release", "sell", "return")


class Product(Model):
    """Something an organisation sells; prices are whole dong, stock lives on its variants."""

    __tablename__ = "products"
    __table_args__ = (
        UniqueConstraint("organisation_id", "code"),
        UniqueConstraint("organisation_id", "slug"),
        CheckConstraint("length(name) > 0", name="name_not_empty"),
        CheckConstraint("price >= 0 AND price <= 10000000000", name="price_range"),
        CheckConstraint("compare_at_price IS NULL OR (compare_at_price > 0 AND compare_at_price <= 10000000000)",
                        name="compare_at_price_range"),
        CheckConstraint("ocop_stars IS NULL OR (ocop_stars BETWEEN 1 AND 5)", name="ocop_stars"),
        CheckConstraint("preorder_cap IS NULL OR preorder_cap > 0", name="preorder_cap"),
        CheckConstraint("max_per_buyer IS NULL OR max_per_buyer > 0", name="max_per_buyer"),
        CheckConstraint(sql_in("status", STATUSES), name="status"),
        CheckConstraint(sql_in("category", CATEGORY_CODES), name="category"),
        CheckConstraint(sql_in("unit", UNIT_CODES), name="unit"),
        Index("ix_products_status_category", "status", "category"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(160))
    slug: Mapped[str] = mapped_column(String(80))
    code: Mapped[str] = mapped_column(String(8))
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(20))
    unit: Mapped[str] = mapped_column(String(10))
    price: Mapped[int] = mapped_column(BigInteger)
    compare_at_price: Mapped[int | None] = mapped_column(BigInteger)
    ocop_stars: Mapped[int | None] = mapped_column(Integer)
    ocop_expires_on: Mapped[date | None] = mapped_column(Date)
    origin_commune_code: Mapped[int | None] = mapped_column(Integer, index=True)
    is_preorder: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    harvest_date: Mapped[date | None] = mapped_column(Date)
    # GS1 trade item number (8, 12, 13 or 14 digits, check digit verified): lot labels use the GS1 Digital Link.
    gtin: Mapped[str | None] = mapped_column(String(14))
    preorder_cap: Mapped[int | None] = mapped_column(BigInteger)
    # Units of this product one buyer may hold in open orders; NULL: the platform's MAX_UNITS_PER_BUYER.
    max_per_buyer: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    # Folded (no accents, đ→d, lower case) copies kept by the services for diacritic-blind search.
    search_name: Mapped[str] = mapped_column(Text, default="")
    search_text: Mapped[str] = mapped_column(Text, default="")
    # PostgreSQL: the weighted tsvector of the two columns above, set by a trigger on every write (migration
    # 0012) and GIN-indexed, so ranking reads it instead of re-parsing the text of every match. NULL on SQLite,
    # where the FTS5 table holds the index. Never written by the app; deferred so it is never loaded either.
    search_vector: Mapped[str | None] = mapped_column(Text().with_variant(TSVECTOR(), "postgresql"), deferred=True)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship()
    variants: Mapped[list[Variant]] = relationship(back_populates="product", order_by="Variant.position",
                                                   cascade="all, delete-orphan")
    photos: Mapped[list[Photo]] = relationship(back_populates="product", order_by="Photo.position",
                                               cascade="all, delete-orphan")

    def ocop_valid(self, today: date | None = None) -> bool:
        """The OCOP badge shows only while the certificate has not expired."""
        if not self.ocop_stars or not self.ocop_expires_on:
            return False
        return self.ocop_expires_on >= (today or date.today())

    @property
    def active_variants(self) -> list[Variant]:
        return [v for v in self.variants if v.is_active]

    @property
    def available(self) -> int:
        return sum(v.available for v in self.active_variants)

    @property
    def has_options(self) -> bool:
        return any(v.label for v in self.active_variants)

    @property
    def min_price(self) -> int:
        prices = [v.effective_price for v in self.active_variants]
        return min(prices) if prices else self.price

    @property
    def max_price(self) -> int:
        prices = [v.effective_price for v in self.active_variants]
        return max(prices) if prices else self.price

    @property
    def cover(self) -> Photo | None:
        return self.photos[0] if self.photos else None

    @property
    def category_label(self) -> str:
        return str(CATEGORY_LABELS.get(self.category, self.category))

    @property
    def unit_label(self) -> str:
        return str(UNIT_LABELS.get(self.unit, self.unit))

    def __repr__(self) -> str:
        return f"<Product {self.id} {self.code} {self.name!r}>"


class Variant(Model):
    """A sellable option of a product (or its one default, label NULL); the stock counters live here."""

    __tablename__ = "variants"
    __table_args__ = (
        UniqueConstraint("product_id", "label"),
        CheckConstraint("available >= 0", name="available_not_negative"),
        CheckConstraint("reserved >= 0", name="reserved_not_negative"),
        CheckConstraint("sold >= 0", name="sold_not_negative"),
        CheckConstraint("received = available + reserved + sold", name="stock_balance"),
        CheckConstraint("price IS NULL OR (price >= 0 AND price <= 10000000000)", name="price_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    label: Mapped[str | None] = mapped_column(String(40))
    price: Mapped[int | None] = mapped_column(BigInteger)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # A variant with history is deactivated rather than deleted, so the ledger keeps its rows.
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    received: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    available: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    reserved: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    sold: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")

    product: Mapped[Product] = relationship(back_populates="variants")

    @property
    def effective_price(self) -> int:
        return self.price if self.price is not None else self.product.price

    @property
    def display_name(self) -> str:
        return f"{self.product.name} · {self.label}" if self.label else self.product.name

    def __repr__(self) -> str:
        return f"<Variant {self.id} {self.label!r} a={self.available} r={self.reserved} s={self.sold}>"


class Photo(Model):
    """An ordered product photo; the keys are generated by the Storage, never taken from the upload."""

    __tablename__ = "product_photos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(200))
    thumb_key: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    # {"320": key, "640": key, "1024": key}: WebP copies narrower than the photo, for srcset (core/images.py).
    sizes: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    product: Mapped[Product] = relationship(back_populates="photos")

    @property
    def srcset_keys(self) -> list[tuple[int, str]]:
        """(width, key) of the srcset copies, narrowest first, then the photo itself at its own width."""
        copies = sorted((int(width), key) for width, key in (self.sizes or {}).items())
        return [*copies, (self.width, self.key)]


class StockMovement(Model):
    """One line of the stock ledger: who changed which counter of which variant, by how much, and why."""

    __tablename__ = "stock_movements"
    __table_args__ = (
        CheckConstraint(sql_in("kind", MOVEMENT_KINDS), name="kind"),
        CheckConstraint("delta <> 0", name="delta_not_zero"),
        Index("ix_stock_movements_variant_created", "variant_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("variants.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # received/adjust: signed change of received and available; reserve/release/sell/return: units moved.
    delta: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    variant: Mapped[Variant] = relationship()
    actor: Mapped[User | None] = relationship()


DOCUMENT_KINDS = ("ocop", "food_safety", "advertising")
ISSUING_LEVELS = ("province", "ministry")


class ProductDocument(Model):
    """A quality paper of a product the seller uploaded: an OCOP certificate (stars, number, issuing level, dates),
    a food-safety certificate, or the advertising confirmation; the file went through core.uploads.

    An OCOP certificate sets the product's badge (ocop_stars, ocop_expires_on) while it is valid; the expiry job
    (shop.documents.run_expiry) warns the seller before it lapses and removes the rating when it does."""

    __tablename__ = "product_documents"
    __table_args__ = (
        CheckConstraint(sql_in("kind", DOCUMENT_KINDS), name="kind"),
        CheckConstraint("issuing_level IS NULL OR " + sql_in("issuing_level", ISSUING_LEVELS), name="issuing_level"),
        CheckConstraint("kind <> 'ocop' OR (ocop_stars BETWEEN 3 AND 5 AND issuing_level IS NOT NULL "
                        "AND expires_on IS NOT NULL)", name="ocop_fields"),
        CheckConstraint("expires_on IS NULL OR issued_on IS NULL OR expires_on > issued_on", name="dates_order"),
        Index("ix_product_documents_product_kind", "product_id", "kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12))
    number: Mapped[str | None] = mapped_column(String(60))
    ocop_stars: Mapped[int | None] = mapped_column(Integer)
    issuing_level: Mapped[str | None] = mapped_column(String(10))
    issued_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    file_key: Mapped[str] = mapped_column(String(200))
    file_ext: Mapped[str] = mapped_column(String(8))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    # When the seller was warned of the coming expiry, and when the job found it expired (each done once).
    warned_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    expired_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    product: Mapped[Product] = relationship()

    def valid_on(self, day: date) -> bool:
        return self.expires_on is None or self.expires_on >= day


class ProductLot(Model):
    """A lot (batch) of a product: when and where it was harvested or made, with its certifications; public on
    its traceability page, reached from the QR label."""

    __tablename__ = "product_lots"
    __table_args__ = (
        UniqueConstraint("product_id", "code"),
        CheckConstraint("length(code) > 0", name="code_not_empty"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    # GS1 AI (10) batch/lot: up to 20 characters of the GS1 set; we keep to letters, digits and - . _ /
    code: Mapped[str] = mapped_column(String(20))
    produced_on: Mapped[date] = mapped_column(Date)
    farm: Mapped[str | None] = mapped_column(String(160))
    plot: Mapped[str | None] = mapped_column(String(80))
    certifications: Mapped[str | None] = mapped_column(String(300))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    product: Mapped[Product] = relationship()
