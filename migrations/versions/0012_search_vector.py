"""shop: products.search_vector, a stored weighted tsvector (PostgreSQL) so ranking does not re-parse every match

Revision ID: 0012_search_vector
Revises: 0011_sandbox_orgs
Create Date: 2026-11-28 20:30:00

PostgreSQL: the GIN index of 0002_shop was on the expression; it served the @@ filter, but ts_rank had to run
to_tsvector again for every matching row (350 ms of a 380 ms search matching 16,667 of 100,000 products). The
column is set by a BEFORE trigger from search_name/search_text on every insert and update (so bulk inserts and
raw SQL keep it right; a value written directly is overwritten), backfilled here, and the GIN index keeps its
name (ix_products_search_tsv, which migrations/env.py already leaves out of autogenerate) and is built with
fastupdate off: catalog writes are rare, searches are not.
SQLite: a plain column that stays NULL (the FTS5 table of 0002_shop is the index there). Plain ALTER TABLE, not
a batch: recreating `products` would drop the FTS5 triggers.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0012_search_vector'
down_revision = '0011_sandbox_orgs'
branch_labels = None
depends_on = None

PG_VECTOR = ("setweight(to_tsvector('simple', coalesce({row}search_name, '')), 'A') || "
             "setweight(to_tsvector('simple', coalesce({row}search_text, '')), 'B')")

PG_UPGRADE = (
    "ALTER TABLE products ADD COLUMN search_vector tsvector",
    f"UPDATE products SET search_vector = {PG_VECTOR.format(row='')}",
    "CREATE FUNCTION products_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"NEW.search_vector := {PG_VECTOR.format(row='NEW.')}; RETURN NEW; END $$",
    "CREATE TRIGGER products_search_vector BEFORE INSERT OR UPDATE OF search_name, search_text, search_vector "
    "ON products FOR EACH ROW EXECUTE FUNCTION products_search_vector()",
    "DROP INDEX IF EXISTS ix_products_search_tsv",
    # fastupdate off: no pending list for every search to scan after a burst of writes (a bulk-loaded catalog
    # searched 11-16 ms in the index alone, and the planner, costing that list, preferred the status index).
    "CREATE INDEX ix_products_search_tsv ON products USING gin (search_vector) WITH (fastupdate = off)",
)
PG_DOWNGRADE = (
    "DROP TRIGGER IF EXISTS products_search_vector ON products",
    "DROP FUNCTION IF EXISTS products_search_vector()",
    "DROP INDEX IF EXISTS ix_products_search_tsv",
    "ALTER TABLE products DROP COLUMN search_vector",
    f"CREATE INDEX ix_products_search_tsv ON products USING gin (({PG_VECTOR.format(row='')}))",  # as in 0002_shop
)
SQLITE_UPGRADE = ("ALTER TABLE products ADD COLUMN search_vector TEXT",)
SQLITE_DOWNGRADE = ("ALTER TABLE products DROP COLUMN search_vector",)


def _run(statements):
    for statement in statements:
        op.execute(statement)


def upgrade():
    dialect = op.get_bind().dialect.name
    _run(PG_UPGRADE if dialect == "postgresql" else SQLITE_UPGRADE)


def downgrade():
    dialect = op.get_bind().dialect.name
    _run(PG_DOWNGRADE if dialect == "postgresql" else SQLITE_DOWNGRADE)
