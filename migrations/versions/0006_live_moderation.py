"""livestream: moderation, flash sales, viewer stats

Revision ID: 0006_live_moderation
Revises: 0005_shop_more
Create Date: 2026-11-28 17:10:00

Placeholder reserved so parallel work keeps a single Alembic head; filled in by the work it names.
"""
from alembic import op
import sqlalchemy as sa

import app.core.dbtypes


# revision identifiers, used by Alembic.
revision = '0006_live_moderation'
down_revision = '0005_shop_more'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
