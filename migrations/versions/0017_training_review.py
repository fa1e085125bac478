"""training: live reviews with timed notes and rubric scores, course rubrics, review consent, archiving (#20)

Revision ID: 0017_training_review
Revises: 0016_pages_light
Create Date: 2026-12-06 07:00:00

training_rubric_criteria: a course's rubric for reviewing trainees' real lives (scored 1..max_score; a timed
criterion carries its target in seconds). training_live_reviews / training_review_notes / training_review_scores:
a trainer's review of one ended live of a trainee, notes anchored to replay time, one score per criterion (a scored
criterion cannot be deleted: RESTRICT, so it is archived). training_cohort_members.review_consent: the member's
answer to "may the class's trainer review my lives?" (NULL until asked; existing members are asked on their next
visit). archived_at on modules, lessons, quizzes and tasks: what learners' progress depends on is archived, not
deleted, so their progress rows stay.
"""
from alembic import op
import sqlalchemy as sa

import app.core.dbtypes


# revision identifiers, used by Alembic.
revision = '0017_training_review'
down_revision = '0016_pages_light'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('training_rubric_criteria',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('title_en', sa.String(length=160), nullable=True),
    sa.Column('guidance', sa.Text(), nullable=True),
    sa.Column('max_score', sa.Integer(), server_default='4', nullable=False),
    sa.Column('target_seconds', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('archived_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=True),
    sa.Column('created_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(title) > 0', name=op.f('ck_training_rubric_criteria_title_not_empty')),
    sa.CheckConstraint('max_score BETWEEN 2 AND 10', name=op.f('ck_training_rubric_criteria_max_score_range')),
    sa.CheckConstraint('target_seconds IS NULL OR (target_seconds > 0 AND target_seconds <= 3600)', name=op.f('ck_training_rubric_criteria_target_seconds_range')),
    sa.ForeignKeyConstraint(['course_id'], ['training_courses.id'], name=op.f('fk_training_rubric_criteria_course_id_training_courses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_rubric_criteria'))
    )
    with op.batch_alter_table('training_rubric_criteria', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_rubric_criteria_course_id'), ['course_id'], unique=False)

    op.create_table('training_live_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=True),
    sa.Column('trainee_id', sa.Integer(), nullable=False),
    sa.Column('live_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('created_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['training_cohorts.id'], name=op.f('fk_training_live_reviews_cohort_id_training_cohorts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['live_id'], ['live_sessions.id'], name=op.f('fk_training_live_reviews_live_id_live_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_training_live_reviews_reviewer_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['trainee_id'], ['users.id'], name=op.f('fk_training_live_reviews_trainee_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_live_reviews')),
    sa.UniqueConstraint('cohort_id', 'trainee_id', 'live_id', name=op.f('uq_training_live_reviews_cohort_id_trainee_id_live_id'))
    )
    with op.batch_alter_table('training_live_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_live_reviews_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_live_reviews_live_id'), ['live_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_live_reviews_trainee_id'), ['trainee_id'], unique=False)

    op.create_table('training_review_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('at_seconds', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=1000), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('at_seconds >= 0 AND at_seconds <= 86400', name=op.f('ck_training_review_notes_at_seconds_range')),
    sa.CheckConstraint('length(text) > 0', name=op.f('ck_training_review_notes_text_not_empty')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_training_review_notes_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['review_id'], ['training_live_reviews.id'], name=op.f('fk_training_review_notes_review_id_training_live_reviews'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_review_notes'))
    )
    with op.batch_alter_table('training_review_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_review_notes_review_id'), ['review_id'], unique=False)

    op.create_table('training_review_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.CheckConstraint('score >= 1 AND score <= 10', name=op.f('ck_training_review_scores_score_range')),
    sa.ForeignKeyConstraint(['criterion_id'], ['training_rubric_criteria.id'], name=op.f('fk_training_review_scores_criterion_id_training_rubric_criteria'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['review_id'], ['training_live_reviews.id'], name=op.f('fk_training_review_scores_review_id_training_live_reviews'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_review_scores')),
    sa.UniqueConstraint('review_id', 'criterion_id', name=op.f('uq_training_review_scores_review_id_criterion_id'))
    )
    with op.batch_alter_table('training_review_scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_review_scores_criterion_id'), ['criterion_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_review_scores_review_id'), ['review_id'], unique=False)

    with op.batch_alter_table('training_cohort_members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_consent', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('review_consent_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('training_lessons', schema=None) as batch_op:
        batch_op.add_column(sa.Column('archived_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('training_modules', schema=None) as batch_op:
        batch_op.add_column(sa.Column('archived_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('training_quizzes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('archived_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('training_tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('archived_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('training_tasks', schema=None) as batch_op:
        batch_op.drop_column('archived_at')

    with op.batch_alter_table('training_quizzes', schema=None) as batch_op:
        batch_op.drop_column('archived_at')

    with op.batch_alter_table('training_modules', schema=None) as batch_op:
        batch_op.drop_column('archived_at')

    with op.batch_alter_table('training_lessons', schema=None) as batch_op:
        batch_op.drop_column('archived_at')

    with op.batch_alter_table('training_cohort_members', schema=None) as batch_op:
        batch_op.drop_column('review_consent_at')
        batch_op.drop_column('review_consent')

    with op.batch_alter_table('training_review_scores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_review_scores_review_id'))
        batch_op.drop_index(batch_op.f('ix_training_review_scores_criterion_id'))

    op.drop_table('training_review_scores')
    with op.batch_alter_table('training_review_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_review_notes_review_id'))

    op.drop_table('training_review_notes')
    with op.batch_alter_table('training_live_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_live_reviews_trainee_id'))
        batch_op.drop_index(batch_op.f('ix_training_live_reviews_live_id'))
        batch_op.drop_index(batch_op.f('ix_training_live_reviews_cohort_id'))

    op.drop_table('training_live_reviews')
    with op.batch_alter_table('training_rubric_criteria', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_rubric_criteria_course_id'))

    op.drop_table('training_rubric_criteria')
