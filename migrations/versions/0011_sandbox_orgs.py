"""accounts: organisations.is_sandbox marks practice stalls, whose products can never go on sale

Revision ID: 0011_sandbox_orgs
Revises: 0010_practice
Create Date: 2026-11-28 18:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_sandbox_orgs'
down_revision = '0010_practice'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_sandbox', sa.Boolean(), server_default=sa.false(), nullable=False))
    # Practice stalls made before this revision.
    op.execute("UPDATE organisations SET is_sandbox = true "
               "WHERE id IN (SELECT organisation_id FROM practice_sandboxes)")


def downgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_column('is_sandbox')
