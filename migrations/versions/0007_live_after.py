"""livestream: follows, notifications, waitlist, after-live checkout, reports

Revision ID: 0007_live_after
Revises: 0006_live_moderation
Create Date: 2026-11-28 17:10:00

Placeholder reserved so parallel work keeps a single Alembic head; filled in by the work it names.
"""
from alembic import op
import sqlalchemy as sa

import app.core.dbtypes


# revision identifiers, used by Alembic.
revision = '0007_live_after'
down_revision = '0006_live_moderation'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
