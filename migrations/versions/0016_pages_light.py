"""pages light: srcset copies of product photos, the buyer's address book

Revision ID: 0016_pages_light
Revises: 0015_live_phone
Create Date: 2026-12-06 07:00:00

product_photos.sizes: {"320": key, "640": key, "1024": key}, WebP copies narrower than the photo for srcset
(filled at upload; `flask shop resize-photos` fills it for photos stored before). delivery_addresses: each
address a buyer had an order delivered to, the newest filling the next checkout.
"""
import sqlalchemy as sa
from alembic import op

from app.core.dbtypes import TZDateTime

# revision identifiers, used by Alembic.
revision = '0016_pages_light'
down_revision = '0015_live_phone'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('product_photos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sizes', sa.JSON(), nullable=True))
    op.create_table(
        'delivery_addresses',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('phone', sa.String(length=16), nullable=False),
        sa.Column('province_code', sa.Integer(), nullable=True),
        sa.Column('commune_code', sa.Integer(), nullable=True),
        sa.Column('street', sa.String(length=200), nullable=False),
        sa.Column('used_at', TZDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_delivery_addresses_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_addresses')),
        sa.UniqueConstraint('user_id', 'phone', 'commune_code', 'street',
                            name=op.f('uq_delivery_addresses_user_id_phone_commune_code_street')),
    )
    with op.batch_alter_table('delivery_addresses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_addresses_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('delivery_addresses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_addresses_user_id'))
    op.drop_table('delivery_addresses')
    with op.batch_alter_table('product_photos', schema=None) as batch_op:
        batch_op.drop_column('sizes')
