"""livestream video: stream keys, recordings

Revision ID: 0008_video
Revises: 0007_live_after
Create Date: 2026-11-28 17:10:00

Placeholder reserved so parallel work keeps a single Alembic head; filled in by the work it names.
"""
from alembic import op
import sqlalchemy as sa

import app.core.dbtypes


# revision identifiers, used by Alembic.
revision = '0008_video'
down_revision = '0007_live_after'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
