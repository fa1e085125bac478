"""livestream: moderation, flash sales, viewer stats

Revision ID: 0006_live_moderation
Revises: 0005_shop_more
Create Date: 2026-11-28 17:10:00

Mutes (per live) and bans (per organisation), flash sales, the hidden reason of a chat message,
the flash sale a reservation was taken at, and the peak viewer count of a live.
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
    op.create_table('live_mutes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('until', app.core.dbtypes.TZDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_live_mutes_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['live_sessions.id'], name=op.f('fk_live_mutes_session_id_live_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_live_mutes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_mutes')),
    sa.UniqueConstraint('session_id', 'user_id', name=op.f('uq_live_mutes_session_id_user_id'))
    )
    with op.batch_alter_table('live_mutes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_live_mutes_user_id'), ['user_id'], unique=False)

    op.create_table('live_bans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_live_bans_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_live_bans_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_live_bans_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_bans')),
    sa.UniqueConstraint('organisation_id', 'user_id', name=op.f('uq_live_bans_organisation_id_user_id'))
    )
    with op.batch_alter_table('live_bans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_live_bans_user_id'), ['user_id'], unique=False)

    op.create_table('live_flash_sales',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('live_product_id', sa.Integer(), nullable=False),
    sa.Column('price', sa.BigInteger(), nullable=False),
    sa.Column('per_buyer_cap', sa.Integer(), nullable=False),
    sa.Column('starts_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=False),
    sa.Column('end_announced', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('price >= 0 AND price <= 10000000000', name=op.f('ck_live_flash_sales_price_range')),
    sa.CheckConstraint('per_buyer_cap > 0 AND per_buyer_cap <= 999', name=op.f('ck_live_flash_sales_per_buyer_cap_range')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_live_flash_sales_ends_after_start')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_live_flash_sales_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['live_product_id'], ['live_products.id'], name=op.f('fk_live_flash_sales_live_product_id_live_products'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['live_sessions.id'], name=op.f('fk_live_flash_sales_session_id_live_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_flash_sales'))
    )
    with op.batch_alter_table('live_flash_sales', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_live_flash_sales_live_product_id'), ['live_product_id'], unique=False)
        batch_op.create_index('ix_live_flash_sales_session_ends', ['session_id', 'ends_at'], unique=False)

    with op.batch_alter_table('live_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('peak_viewers', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('live_chat_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hidden_reason', sa.String(length=10), nullable=True))

    with op.batch_alter_table('live_reservations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('flash_sale_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_live_reservations_flash_sale_id'), ['flash_sale_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_live_reservations_flash_sale_id_live_flash_sales'),
                                    'live_flash_sales', ['flash_sale_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('live_reservations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_live_reservations_flash_sale_id_live_flash_sales'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_live_reservations_flash_sale_id'))
        batch_op.drop_column('flash_sale_id')

    with op.batch_alter_table('live_chat_messages', schema=None) as batch_op:
        batch_op.drop_column('hidden_reason')

    with op.batch_alter_table('live_sessions', schema=None) as batch_op:
        batch_op.drop_column('peak_viewers')

    with op.batch_alter_table('live_flash_sales', schema=None) as batch_op:
        batch_op.drop_index('ix_live_flash_sales_session_ends')
        batch_op.drop_index(batch_op.f('ix_live_flash_sales_live_product_id'))
    op.drop_table('live_flash_sales')

    with op.batch_alter_table('live_bans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_live_bans_user_id'))
    op.drop_table('live_bans')

    with op.batch_alter_table('live_mutes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_live_mutes_user_id'))
    op.drop_table('live_mutes')
