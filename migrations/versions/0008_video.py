"""livestream video: stream keys, recordings

Revision ID: 0008_video
Revises: 0007_live_after
Create Date: 2026-11-28 17:10:00

Live streams (hashed stream key, public HLS name, video state, replay file) and recorded pieces of a live.
"""
from alembic import op
import sqlalchemy as sa

import app.core.dbtypes


# revision identifiers, used by Alembic.
revision = '0008_video'
down_revision = '0007_live_after'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('live_recordings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('started_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=False),
    sa.Column('duration_ms', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=10), server_default='recorded', nullable=False),
    sa.Column('created_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state IN ('recorded', 'joined', 'failed')", name=op.f('ck_live_recordings_state')),
    sa.CheckConstraint('duration_ms IS NULL OR duration_ms >= 0', name=op.f('ck_live_recordings_duration_not_negative')),
    sa.ForeignKeyConstraint(['session_id'], ['live_sessions.id'], name=op.f('fk_live_recordings_session_id_live_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_recordings')),
    sa.UniqueConstraint('file_name', name=op.f('uq_live_recordings_file_name'))
    )
    with op.batch_alter_table('live_recordings', schema=None) as batch_op:
        batch_op.create_index('ix_live_recordings_session_started', ['session_id', 'started_at'], unique=False)

    op.create_table('live_streams',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('key_hint', sa.String(length=8), nullable=False),
    sa.Column('key_created_by_id', sa.Integer(), nullable=True),
    sa.Column('key_created_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=False),
    sa.Column('publishing_key_hash', sa.String(length=64), nullable=True),
    sa.Column('public_name', sa.String(length=40), nullable=False),
    sa.Column('video_state', sa.String(length=12), server_default='waiting', nullable=False),
    sa.Column('on_air_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=True),
    sa.Column('interrupted_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=True),
    sa.Column('publish_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('replay_file', sa.String(length=200), nullable=True),
    sa.Column('replay_ready_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("video_state IN ('waiting', 'on_air', 'interrupted', 'ended')", name=op.f('ck_live_streams_video_state')),
    sa.CheckConstraint('length(key_hash) = 64', name=op.f('ck_live_streams_key_hash_length')),
    sa.CheckConstraint('publish_count >= 0', name=op.f('ck_live_streams_publish_count_not_negative')),
    sa.ForeignKeyConstraint(['key_created_by_id'], ['users.id'], name=op.f('fk_live_streams_key_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['live_sessions.id'], name=op.f('fk_live_streams_session_id_live_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_streams')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_live_streams_key_hash')),
    sa.UniqueConstraint('public_name', name=op.f('uq_live_streams_public_name')),
    sa.UniqueConstraint('session_id', name=op.f('uq_live_streams_session_id'))
    )
    with op.batch_alter_table('live_streams', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_live_streams_key_created_by_id'), ['key_created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_live_streams_publishing_key_hash'), ['publishing_key_hash'], unique=False)


def downgrade():
    with op.batch_alter_table('live_streams', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_live_streams_publishing_key_hash'))
        batch_op.drop_index(batch_op.f('ix_live_streams_key_created_by_id'))

    op.drop_table('live_streams')
    with op.batch_alter_table('live_recordings', schema=None) as batch_op:
        batch_op.drop_index('ix_live_recordings_session_started')

    op.drop_table('live_recordings')
