"""livestream: public_text and by_shop on chat messages, live_comment_gates (#12: personal data, shop replies, rate race)

Revision ID: 0013_sec_live
Revises: 0012_search_vector
Create Date: 2026-12-06 06:10:00

live_chat_messages.public_text: the copy of a chat line everyone but the organisation's members sees, phones and
street addresses masked by app.core.privacy.mask_personal_data; backfilled here for every stored line, so history,
replay and claims never fall back to the full text. by_shop: the line was written by a member of the organisation
(until now only replies from the console, marked `"seller": true` in their stored ack), shown as the shop.
live_comment_gates: one row per (live, buyer) with the time of the buyer's last comment; the comment rate limit is a
conditional upsert of this row inside the comment's transaction.
"""
from alembic import op
import sqlalchemy as sa

import app.core.dbtypes
from app.core.privacy import mask_personal_data


# revision identifiers, used by Alembic.
revision = '0013_sec_live'
down_revision = '0012_search_vector'
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade():
    op.create_table('live_comment_gates',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('last_comment_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['live_sessions.id'], name=op.f('fk_live_comment_gates_session_id_live_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_live_comment_gates_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', 'user_id', name=op.f('pk_live_comment_gates'))
    )
    with op.batch_alter_table('live_comment_gates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_live_comment_gates_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('live_chat_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_text', sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column('by_shop', sa.Boolean(), server_default=sa.false(), nullable=False))

    # Mask what is already stored (the function as it is today; a later change to it does not rewrite old lines).
    conn = op.get_bind()
    messages = sa.table('live_chat_messages', sa.column('id', sa.Integer), sa.column('text', sa.String),
                        sa.column('public_text', sa.String), sa.column('ack_json', sa.Text),
                        sa.column('by_shop', sa.Boolean))
    last = 0
    while True:
        rows = conn.execute(sa.select(messages.c.id, messages.c.text, messages.c.ack_json)
                            .where(messages.c.id > last).order_by(messages.c.id).limit(BATCH)).all()
        if not rows:
            break
        for id_, text, ack in rows:
            conn.execute(messages.update().where(messages.c.id == id_).values(
                public_text=mask_personal_data(text or "")[:1000], by_shop='"seller": true' in (ack or "")))
        last = rows[-1][0]

    with op.batch_alter_table('live_chat_messages', schema=None) as batch_op:
        batch_op.alter_column('public_text', existing_type=sa.String(length=1000), nullable=False)


def downgrade():
    with op.batch_alter_table('live_chat_messages', schema=None) as batch_op:
        batch_op.drop_column('by_shop')
        batch_op.drop_column('public_text')

    with op.batch_alter_table('live_comment_gates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_live_comment_gates_user_id'))

    op.drop_table('live_comment_gates')
