"""Diacritic-blind product search: folded text columns (kept fresh here when a product or its organisation
changes), FTS5 bm25 on SQLite, weighted tsvector on PostgreSQL.

Both engines see the same folded ASCII text ("Bưởi Diễn" is stored as "buoi dien") and the same query:
every typed word must start a word of the product (prefix AND). Results are ordered first by how many
typed words start a word of the name or code (the same on every engine), then, for name hits, shorter
names first (closer to what was typed), then by the engine's own relevance. The engine score alone is not
enough: the organisation's name is in every product's text, so its words ("Bưởi Diễn" in "HTX Bưởi Diễn
Hát Môn") are too common for bm25 to count. The DDL lives in migrations 0002_shop and 0012_search_vector.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import force_locale
from sqlalchemy import (
    Select,
    Subquery,
    and_,
    case,
    column,
    event,
    func,
    inspect,
    literal,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from ..accounts.models import Organisation
from ..core import addresses
from ..core.text import fold
from ..extensions import db
from .models import CATEGORY_LABELS, Product

FTS_TABLE = "product_fts"  # SQLite FTS5 external-content table over products(search_name, search_text)
PG_INDEX = "ix_products_search_tsv"  # GIN over products.search_vector, kept by a trigger (migration 0012)
NAME_WEIGHT = 8.0  # bm25 column weight of the name against 1.0 for the rest (tsvector: A=1.0 vs B=0.4)
MAX_TERMS = 8

_WORD = re.compile(r"[a-z0-9]+")


_ADMIN_PREFIX = re.compile(r"^(xa|phuong|thi tran|dac khu)\s+")


def place_words(commune_name: str) -> str:
    """'Xã Ô Diên' → 'o dien': the place, without the word for its kind that every commune shares."""
    return _ADMIN_PREFIX.sub("", fold(commune_name or ""))


def search_fields(name: str, code: str, category_label: str, organisation_name: str,
                  description: str | None, place: str = "") -> tuple[str, str]:
    """The (search_name, search_text) pair stored on a product, both folded; `place` is its commune's name."""
    search_name = fold(f"{name} {code}")
    search_text = fold(" ".join([name, code, category_label, organisation_name, place_words(place),
                                 description or ""]))
    return search_name, search_text


def terms(query: str | None) -> list[str]:
    """The words of a query, folded the same way as the stored text: 'Bưởi  DIỄN!' → ['buoi', 'dien']."""
    return _WORD.findall(fold(query or ""))[:MAX_TERMS]


@dataclass(frozen=True)
class Match:
    """How the typed words select and rank products: `where` is a condition on products; `rank` (smaller is
    better) reads `ranked` when the engine can only rank inside its own table (SQLite: join it on product_id)."""

    where: ColumnElement[bool]
    rank: ColumnElement
    ranked: Subquery | None = None


def match(words: list[str]) -> Match:
    """The products containing every word (as a word prefix), with the engine's relevance."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "sqlite":
        fts = table(FTS_TABLE, column("rowid"))
        matching = text(f"{FTS_TABLE} MATCH :match").bindparams(match=" ".join(f'"{w}"*' for w in words))
        rank = literal_column(f"bm25({FTS_TABLE}, {NAME_WEIGHT}, 1.0)")
        ranked = (select(fts.c.rowid.label("product_id"), rank.label("rank")).select_from(fts).where(matching)
                  .subquery("ranked"))
        # The matches as an IN list: without it SQLite walks every active product and runs the FTS MATCH once
        # per product (seconds at 10,000 products).
        return Match(Product.id.in_(select(fts.c.rowid).select_from(fts).where(matching)),
                     ranked.c.rank, ranked)
    if dialect == "postgresql":
        # products.search_vector is stored and GIN-indexed (migration 0012): the filter uses the index and
        # ts_rank reads the stored vector instead of parsing the text of every match again.
        query = func.to_tsquery("simple", " & ".join(f"{w}:*" for w in words))
        # ts_rank grows with relevance; negate it so both engines sort ascending.
        return Match(Product.search_vector.op("@@")(query), -func.ts_rank(Product.search_vector, query))
    # Any other database: a plain LIKE on the folded text, unranked but still diacritic-blind.
    return Match(and_(*(Product.search_text.like(f"%{w}%") for w in words)), literal(0))


def name_hits(search_name: ColumnElement, words: list[str]) -> ColumnElement:
    """How many of the words start a word of the name (or code)."""
    padded = literal(" ") + search_name
    return sum((case((padded.like(f"% {w}%"), 1), else_=0) for w in words), literal(0))


def relevance_order(search_name: ColumnElement, words: list[str], engine_rank: ColumnElement) -> tuple:
    """ORDER BY terms: name hits (desc), then name length for name hits, then the engine's rank."""
    hits = name_hits(search_name, words)
    closeness = case((hits > 0, func.length(search_name)), else_=0)
    return hits.desc(), closeness, engine_rank


def page_ids(matches: Select, words: list[str], found: Match, limit: int, offset: int) -> list[int]:
    """One page of `matches` (SELECT products.id with every filter and found.where), in relevance_order."""
    if found.ranked is not None or db.session.get_bind().dialect.name != "postgresql":
        if found.ranked is not None:
            matches = matches.join(found.ranked, found.ranked.c.product_id == Product.id)
        order = (*relevance_order(Product.search_name, words, found.rank), Product.id)
        return list(db.session.scalars(matches.order_by(*order).limit(limit).offset(offset)))
    # PostgreSQL, where a broad word matches a sixth of the catalog. Name hits and length are computed once per
    # match (OFFSET 0 keeps the planner from copying them into every sort key); then only the matches tied
    # with the page on those two keys (FETCH ... WITH TIES) are joined back and ranked with ts_rank, which
    # costs more than the rest. Same order as relevance_order: whatever is on the page is in that set.
    scored = matches.add_columns(name_hits(Product.search_name, words).label("hits"),
                                 func.length(Product.search_name).label("length")).offset(0).subquery("scored")
    closeness = case((scored.c.hits > 0, scored.c.length), else_=0)
    tier = (select(scored.c.id, scored.c.hits, closeness.label("closeness"))
            .order_by(scored.c.hits.desc(), closeness).fetch(offset + limit, with_ties=True).subquery("tier"))
    page = (select(Product.id).join(tier, tier.c.id == Product.id)
            .order_by(tier.c.hits.desc(), tier.c.closeness, found.rank, Product.id).limit(limit).offset(offset))
    return list(db.session.scalars(page))


# Keeping the folded columns fresh ------------------------------------------------------------------------------

def _category_words(category: str) -> str:
    """The category in both languages, whatever the language of whoever saves the product."""
    label = CATEGORY_LABELS.get(category)
    if label is None:
        return category
    words = []
    for locale in ("vi", "en"):
        with force_locale(locale):
            words.append(str(label))
    return " ".join(words)


def refresh_search(product: Product) -> None:
    """Recompute the folded search columns; called whenever a searched field changes."""
    org = product.organisation or db.session.get(Organisation, product.organisation_id)
    place = addresses.commune_name(product.origin_commune_code or org.commune_code)
    product.search_name, product.search_text = search_fields(
        product.name, product.code, _category_words(product.category), org.name, product.description, place)


def reindex_organisation(org: Organisation, session=None) -> None:
    """After an organisation is renamed or moves commune, its products' search text must follow."""
    session = session or db.session
    for product in session.scalars(select(Product).where(Product.organisation_id == org.id)):
        refresh_search(product)


_SEARCHED_ORG_FIELDS = ("name", "commune_code")


@event.listens_for(Session, "before_flush")
def _follow_organisation_changes(session, _flush_context, _instances) -> None:
    """Whoever renames an organisation or moves it (the accounts pages, an admin, a script), its products'
    search text follows in the same flush: accounts never needs to know the shop exists."""
    changed = [obj for obj in session.dirty if isinstance(obj, Organisation) and obj.id is not None
               and any(inspect(obj).attrs[field].history.has_changes() for field in _SEARCHED_ORG_FIELDS)]
    if changed:
        with session.no_autoflush:
            for org in changed:
                reindex_organisation(org, session)
