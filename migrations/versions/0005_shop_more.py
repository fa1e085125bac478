"""shop: shipping rules page, dashboard support, scheduled jobs

Revision ID: 0005_shop_more
Revises: 0004_ordering
Create Date: 2026-11-28 17:10:00

Placeholder reserved so parallel work keeps a single Alembic head; filled in by the work it names.
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
    pass


def downgrade():
    pass
