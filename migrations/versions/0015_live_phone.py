"""livestream: the live on a phone — seller cancel reasons and confirmations, quick replies, buyer notifications

Revision ID: 0015_live_phone
Revises: 0014_sec_shop
Create Date: 2026-11-29 10:00:00

live_reservations.cancel_reason (why the seller cancelled a held line; the buyer is told) and confirmed_at (the
seller confirmed the buyer's held lines on the console); live_quick_replies (an organisation's one-tap answers on
the console); four more notification kinds for what happens to a buyer's live order.
"""
from alembic import op
import sqlalchemy as sa

import app.core.dbtypes


# revision identifiers, used by Alembic.
revision = '0015_live_phone'
down_revision = '0014_sec_shop'
branch_labels = None
depends_on = None

OLD_KINDS = "kind IN ('live_started', 'waitlist_served', 'hold_expiring', 'order_expired')"
NEW_KINDS = ("kind IN ('live_started', 'waitlist_served', 'hold_expiring', 'order_expired', 'hold_cancelled', "
             "'lines_confirmed', "
             "'flash_sale_ended', 'order_confirmed')")
REASONS = ("cancel_reason IS NULL OR cancel_reason IN ('sold_out', 'buyer_asked', 'duplicate', 'no_answer', "
           "'wrong_price', 'other')")


def upgrade():
    op.create_table('live_quick_replies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=200), nullable=False),
    sa.Column('created_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(text) > 0 AND length(text) <= 200', name=op.f('ck_live_quick_replies_text_length')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_live_quick_replies_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_quick_replies'))
    )
    with op.batch_alter_table('live_quick_replies', schema=None) as batch_op:
        batch_op.create_index('ix_live_quick_replies_org_position', ['organisation_id', 'position'], unique=False)

    with op.batch_alter_table('live_reservations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cancel_reason', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('confirmed_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint('cancel_reason', REASONS)

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_notifications_kind'), type_='check')
        batch_op.create_check_constraint('kind', NEW_KINDS)


def downgrade():
    op.execute("DELETE FROM notifications WHERE kind IN ('hold_cancelled', 'lines_confirmed', 'flash_sale_ended', "
               "'order_confirmed')")
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_notifications_kind'), type_='check')
        batch_op.create_check_constraint('kind', OLD_KINDS)

    with op.batch_alter_table('live_reservations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_live_reservations_cancel_reason'), type_='check')
        batch_op.drop_column('confirmed_at')
        batch_op.drop_column('cancel_reason')

    with op.batch_alter_table('live_quick_replies', schema=None) as batch_op:
        batch_op.drop_index('ix_live_quick_replies_org_position')
    op.drop_table('live_quick_replies')
