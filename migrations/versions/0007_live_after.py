"""livestream: follows, notifications, waitlist, after-live checkout, reports

Revision ID: 0007_live_after
Revises: 0006_live_moderation
Create Date: 2026-11-28 17:10:00

Notifications (accounts), organisation follows, live waitlist, live reservation → order links, live covers.
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
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=300), nullable=True),
    sa.Column('read_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=True),
    sa.Column('created_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('live_started', 'waitlist_served', 'hold_expiring')", name=op.f('ck_notifications_kind')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_user_read', ['user_id', 'read_at'], unique=False)

    op.create_table('organisation_follows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('created_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_organisation_follows_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_organisation_follows_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_follows')),
    sa.UniqueConstraint('user_id', 'organisation_id', name=op.f('uq_organisation_follows_user_id_organisation_id'))
    )
    with op.batch_alter_table('organisation_follows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_follows_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_organisation_follows_user_id'), ['user_id'], unique=False)

    op.create_table('live_order_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reservation_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('created_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_live_order_lines_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reservation_id'], ['live_reservations.id'], name=op.f('fk_live_order_lines_reservation_id_live_reservations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_order_lines')),
    sa.UniqueConstraint('reservation_id', name=op.f('uq_live_order_lines_reservation_id'))
    )
    with op.batch_alter_table('live_order_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_live_order_lines_order_id'), ['order_id'], unique=False)

    op.create_table('live_waitlist',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('live_product_id', sa.Integer(), nullable=False),
    sa.Column('variant_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('reservation_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=False),
    sa.Column('served_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('waiting', 'served', 'cancelled')", name=op.f('ck_live_waitlist_status')),
    sa.CheckConstraint('quantity > 0 AND quantity <= 99', name=op.f('ck_live_waitlist_quantity_range')),
    sa.ForeignKeyConstraint(['live_product_id'], ['live_products.id'], name=op.f('fk_live_waitlist_live_product_id_live_products'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reservation_id'], ['live_reservations.id'], name=op.f('fk_live_waitlist_reservation_id_live_reservations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['live_sessions.id'], name=op.f('fk_live_waitlist_session_id_live_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_live_waitlist_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['variant_id'], ['variants.id'], name=op.f('fk_live_waitlist_variant_id_variants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_waitlist'))
    )
    with op.batch_alter_table('live_waitlist', schema=None) as batch_op:
        batch_op.create_index('ix_live_waitlist_product_status', ['live_product_id', 'status', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_live_waitlist_session_id'), ['session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_live_waitlist_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('live_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cover_key', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('cover_thumb_key', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('live_sessions', schema=None) as batch_op:
        batch_op.drop_column('cover_thumb_key')
        batch_op.drop_column('cover_key')

    with op.batch_alter_table('live_waitlist', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_live_waitlist_user_id'))
        batch_op.drop_index(batch_op.f('ix_live_waitlist_session_id'))
        batch_op.drop_index('ix_live_waitlist_product_status')
    op.drop_table('live_waitlist')

    with op.batch_alter_table('live_order_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_live_order_lines_order_id'))
    op.drop_table('live_order_lines')

    with op.batch_alter_table('organisation_follows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_follows_user_id'))
        batch_op.drop_index(batch_op.f('ix_organisation_follows_organisation_id'))
    op.drop_table('organisation_follows')

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_read')
    op.drop_table('notifications')
