"""training: practice lives, simulated buyers, score cards

Revision ID: 0010_practice
Revises: 0009_training
Create Date: 2026-11-28 17:10:00

A practice flag on live sessions; trainees' sandboxes, simulated buyers, practice runs and their scripted comments.
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
    with op.batch_alter_table('live_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_practice', sa.Boolean(), server_default=sa.false(), nullable=False))

    op.create_table('practice_sandboxes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('created_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_practice_sandboxes_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_practice_sandboxes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practice_sandboxes')),
    sa.UniqueConstraint('organisation_id', name=op.f('uq_practice_sandboxes_organisation_id')),
    sa.UniqueConstraint('user_id', name=op.f('uq_practice_sandboxes_user_id'))
    )
    op.create_table('practice_buyers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('persona', sa.String(length=40), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_practice_buyers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practice_buyers')),
    sa.UniqueConstraint('persona', name=op.f('uq_practice_buyers_persona')),
    sa.UniqueConstraint('user_id', name=op.f('uq_practice_buyers_user_id'))
    )
    op.create_table('practice_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('sandbox_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('pace', sa.String(length=10), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('orders_expected', sa.Integer(), server_default='0', nullable=False),
    sa.Column('orders_correct', sa.Integer(), server_default='0', nullable=False),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('started_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("pace IN ('calm', 'busy', 'flash')", name=op.f('ck_practice_runs_pace')),
    sa.CheckConstraint("status IN ('running', 'finished')", name=op.f('ck_practice_runs_status')),
    sa.CheckConstraint('orders_correct >= 0 AND orders_expected >= 0', name=op.f('ck_practice_runs_counts_not_negative')),
    sa.ForeignKeyConstraint(['sandbox_id'], ['practice_sandboxes.id'], name=op.f('fk_practice_runs_sandbox_id_practice_sandboxes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['live_sessions.id'], name=op.f('fk_practice_runs_session_id_live_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_practice_runs_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practice_runs')),
    sa.UniqueConstraint('session_id', name=op.f('uq_practice_runs_session_id'))
    )
    with op.batch_alter_table('practice_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practice_runs_sandbox_id'), ['sandbox_id'], unique=False)
        batch_op.create_index('ix_practice_runs_user_status', ['user_id', 'status'], unique=False)

    op.create_table('practice_comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('at_ms', sa.Integer(), nullable=False),
    sa.Column('buyer_user_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('intent', sa.String(length=12), nullable=False),
    sa.Column('expected', sa.JSON(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('delivered_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("intent IN ('order', 'cancel', 'soft_cancel', 'question', 'race_loser', 'chat')", name=op.f('ck_practice_comments_intent')),
    sa.CheckConstraint('at_ms >= 0', name=op.f('ck_practice_comments_at_not_negative')),
    sa.ForeignKeyConstraint(['buyer_user_id'], ['users.id'], name=op.f('fk_practice_comments_buyer_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_id'], ['live_chat_messages.id'], name=op.f('fk_practice_comments_message_id_live_chat_messages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['run_id'], ['practice_runs.id'], name=op.f('fk_practice_comments_run_id_practice_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practice_comments')),
    sa.UniqueConstraint('run_id', 'seq', name=op.f('uq_practice_comments_run_id_seq'))
    )


def downgrade():
    op.drop_table('practice_comments')
    with op.batch_alter_table('practice_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_practice_runs_user_status')
        batch_op.drop_index(batch_op.f('ix_practice_runs_sandbox_id'))
    op.drop_table('practice_runs')
    op.drop_table('practice_buyers')
    op.drop_table('practice_sandboxes')
    with op.batch_alter_table('live_sessions', schema=None) as batch_op:
        batch_op.drop_column('is_practice')
