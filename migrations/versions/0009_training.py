"""training: courses, lessons, quizzes, tasks, certificates, cohorts

Revision ID: 0009_training
Revises: 0008_video
Create Date: 2026-11-28 17:10:00

Placeholder reserved so parallel work keeps a single Alembic head; filled in by the work it names.
"""
from alembic import op
import sqlalchemy as sa

import app.core.dbtypes


# revision identifiers, used by Alembic.
revision = '0009_training'
down_revision = '0008_video'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
