"""training: practice lives, simulated buyers, score cards

Revision ID: 0010_practice
Revises: 0009_training
Create Date: 2026-11-28 17:10:00

Placeholder reserved so parallel work keeps a single Alembic head; filled in by the work it names.
"""
from alembic import op
import sqlalchemy as sa

import app.core.dbtypes


# revision identifiers, used by Alembic.
revision = '0010_practice'
down_revision = '0009_training'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
