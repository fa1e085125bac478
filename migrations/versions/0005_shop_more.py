"""shop: the Stripe Checkout URL kept with its order (the API and the web reuse one session)

Revision ID: 0005_shop_more
Revises: 0004_ordering
Create Date: 2026-11-28 17:10:00

The shipping rules page, the dashboard and the periodic jobs need no schema change.
"""
from alembic import op
import sqlalchemy as sa

import app.core.dbtypes


# revision identifiers, used by Alembic.
revision = '0005_shop_more'
down_revision = '0004_ordering'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stripe_checkout_url', sa.String(length=1000), nullable=True))


def downgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('stripe_checkout_url')
