"""product units nải, con, vỉ, thùng (#21): products.unit gains 'hand' (nải, of bananas), 'head' (con: a chicken, a
duck), 'tray' (vỉ: eggs, tablets) and 'carton' (thùng)

Revision ID: 0020_vi_strings
Revises: 0019_notify_ship
Create Date: 2026-12-06 10:10:00

SQLite rebuilds `products` for a changed CHECK, and the rebuild drops the FTS5 triggers of 0002_shop: they are
created again and the index rebuilt (the note in 0002_shop). PostgreSQL alters the constraint in place.

Downgrade maps the new units back onto the nearest old one (hand → bunch, head → piece, tray → pack, carton → box)
before the narrower CHECK comes back.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0020_vi_strings'
down_revision = '0019_notify_ship'
branch_labels = None
depends_on = None

UNITS_BEFORE = "unit IN ('piece', 'kg', 'box', 'bunch', 'bottle', 'bag', 'pack', 'fruit', 'litre', 'jar', 'set')"
UNITS_AFTER = ("unit IN ('piece', 'kg', 'box', 'bunch', 'bottle', 'bag', 'pack', 'fruit', 'litre', 'jar', 'set', "
               "'hand', 'head', 'tray', 'carton')")
BACK = {"hand": "bunch", "head": "piece", "tray": "pack", "carton": "box"}

# As in 0002_shop (SQLITE_SEARCH_DDL without the virtual table, which the rebuild keeps).
SQLITE_TRIGGERS = (
    "DROP TRIGGER IF EXISTS products_fts_update",
    "DROP TRIGGER IF EXISTS products_fts_delete",
    "DROP TRIGGER IF EXISTS products_fts_insert",
    "CREATE TRIGGER products_fts_insert AFTER INSERT ON products BEGIN "
    "INSERT INTO product_fts(rowid, search_name, search_text) VALUES (new.id, new.search_name, new.search_text); END",
    "CREATE TRIGGER products_fts_delete AFTER DELETE ON products BEGIN "
    "INSERT INTO product_fts(product_fts, rowid, search_name, search_text) "
    "VALUES ('delete', old.id, old.search_name, old.search_text); END",
    "CREATE TRIGGER products_fts_update AFTER UPDATE OF search_name, search_text ON products BEGIN "
    "INSERT INTO product_fts(product_fts, rowid, search_name, search_text) "
    "VALUES ('delete', old.id, old.search_name, old.search_text); "
    "INSERT INTO product_fts(rowid, search_name, search_text) VALUES (new.id, new.search_name, new.search_text); END",
    "INSERT INTO product_fts(product_fts) VALUES ('rebuild')",
)


def _unit_check(sql):
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_products_unit'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_products_unit'), sql)
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def upgrade():
    _unit_check(UNITS_AFTER)


def downgrade():
    for new, old in BACK.items():
        op.execute(f"UPDATE products SET unit = '{old}' WHERE unit = '{new}'")
    _unit_check(UNITS_BEFORE)
