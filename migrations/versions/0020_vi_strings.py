"""product units nải, con, vỉ, thùng (#21): products.unit gains 'hand' (nải, of bananas), 'head' (con: a chicken, a
duck), 'tray' (vỉ: eggs, tablets) and 'carton' (thùng)

Revision ID: 0020_vi_strings
Revises: 0019_notify_ship
Create Date: 2026-12-06 10:10:00

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


def upgrade():
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_products_unit'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_products_unit'), UNITS_AFTER)


def downgrade():
    for new, old in BACK.items():
        op.execute(f"UPDATE products SET unit = '{old}' WHERE unit = '{new}'")
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_products_unit'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_products_unit'), UNITS_BEFORE)
