"""training: courses, lessons, quizzes, tasks, certificates, cohorts

Revision ID: 0009_training
Revises: 0008_video
Create Date: 2026-11-28 17:10:00

Tables prefixed training_: courses and their content, quiz attempts, progress, certificates, cohorts.
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
    op.create_table('training_courses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('title_en', sa.String(length=160), nullable=True),
    sa.Column('summary_en', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'published')", name=op.f('ck_training_courses_status')),
    sa.CheckConstraint('length(title) > 0', name=op.f('ck_training_courses_title_not_empty')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_training_courses_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_courses')),
    sa.UniqueConstraint('slug', name=op.f('uq_training_courses_slug'))
    )
    op.create_table('training_certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('holder_name', sa.String(length=120), nullable=False),
    sa.Column('issued_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('revoke_reason', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['training_courses.id'], name=op.f('fk_training_certificates_course_id_training_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_training_certificates_revoked_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_training_certificates_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_certificates')),
    sa.UniqueConstraint('code', name=op.f('uq_training_certificates_code')),
    sa.UniqueConstraint('course_id', 'user_id', name=op.f('uq_training_certificates_course_id_user_id'))
    )
    with op.batch_alter_table('training_certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_certificates_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_certificates_issued_at'), ['issued_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_certificates_user_id'), ['user_id'], unique=False)

    op.create_table('training_cohorts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('province_code', sa.Integer(), nullable=True),
    sa.Column('commune_code', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('trainer_id', sa.Integer(), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('created_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(name) > 0', name=op.f('ck_training_cohorts_name_not_empty')),
    sa.ForeignKeyConstraint(['course_id'], ['training_courses.id'], name=op.f('fk_training_cohorts_course_id_training_courses'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['trainer_id'], ['users.id'], name=op.f('fk_training_cohorts_trainer_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_cohorts'))
    )
    with op.batch_alter_table('training_cohorts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_cohorts_commune_code'), ['commune_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_cohorts_trainer_id'), ['trainer_id'], unique=False)

    op.create_table('training_course_prerequisites',
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('prerequisite_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('course_id <> prerequisite_id', name=op.f('ck_training_course_prerequisites_not_itself')),
    sa.ForeignKeyConstraint(['course_id'], ['training_courses.id'], name=op.f('fk_training_course_prerequisites_course_id_training_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['prerequisite_id'], ['training_courses.id'], name=op.f('fk_training_course_prerequisites_prerequisite_id_training_courses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('course_id', 'prerequisite_id', name=op.f('pk_training_course_prerequisites'))
    )
    op.create_table('training_modules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint('length(title) > 0', name=op.f('ck_training_modules_title_not_empty')),
    sa.ForeignKeyConstraint(['course_id'], ['training_courses.id'], name=op.f('fk_training_modules_course_id_training_courses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_modules'))
    )
    with op.batch_alter_table('training_modules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_modules_course_id'), ['course_id'], unique=False)

    op.create_table('training_cohort_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['training_cohorts.id'], name=op.f('fk_training_cohort_members_cohort_id_training_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_training_cohort_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_cohort_members')),
    sa.UniqueConstraint('cohort_id', 'user_id', name=op.f('uq_training_cohort_members_cohort_id_user_id'))
    )
    with op.batch_alter_table('training_cohort_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_cohort_members_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_cohort_members_user_id'), ['user_id'], unique=False)

    op.create_table('training_cohort_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=True),
    sa.Column('topic', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['cohort_id'], ['training_cohorts.id'], name=op.f('fk_training_cohort_sessions_cohort_id_training_cohorts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_cohort_sessions'))
    )
    with op.batch_alter_table('training_cohort_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_cohort_sessions_cohort_id'), ['cohort_id'], unique=False)

    op.create_table('training_lessons',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('video_key', sa.String(length=200), nullable=True),
    sa.Column('video_size', sa.BigInteger(), nullable=True),
    sa.Column('video_low_key', sa.String(length=200), nullable=True),
    sa.Column('video_low_size', sa.BigInteger(), nullable=True),
    sa.CheckConstraint('length(title) > 0', name=op.f('ck_training_lessons_title_not_empty')),
    sa.CheckConstraint('minutes >= 0 AND minutes <= 600', name=op.f('ck_training_lessons_minutes_range')),
    sa.CheckConstraint('video_size IS NULL OR video_size >= 0', name=op.f('ck_training_lessons_video_size_not_negative')),
    sa.ForeignKeyConstraint(['module_id'], ['training_modules.id'], name=op.f('fk_training_lessons_module_id_training_modules'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_lessons'))
    )
    with op.batch_alter_table('training_lessons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_lessons_module_id'), ['module_id'], unique=False)

    op.create_table('training_quizzes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('pass_mark', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint('length(title) > 0', name=op.f('ck_training_quizzes_title_not_empty')),
    sa.CheckConstraint('pass_mark BETWEEN 0 AND 100', name=op.f('ck_training_quizzes_pass_mark_range')),
    sa.ForeignKeyConstraint(['module_id'], ['training_modules.id'], name=op.f('fk_training_quizzes_module_id_training_modules'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_quizzes'))
    )
    with op.batch_alter_table('training_quizzes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_quizzes_module_id'), ['module_id'], unique=False)

    op.create_table('training_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('instructions', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint('length(kind) > 0', name=op.f('ck_training_tasks_kind_not_empty')),
    sa.ForeignKeyConstraint(['module_id'], ['training_modules.id'], name=op.f('fk_training_tasks_module_id_training_modules'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_tasks'))
    )
    with op.batch_alter_table('training_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_tasks_module_id'), ['module_id'], unique=False)

    op.create_table('training_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('filename', sa.String(length=160), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('created_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lesson_id'], ['training_lessons.id'], name=op.f('fk_training_attachments_lesson_id_training_lessons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_attachments'))
    )
    with op.batch_alter_table('training_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_attachments_lesson_id'), ['lesson_id'], unique=False)

    op.create_table('training_attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('present', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_training_attendance_recorded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['training_cohort_sessions.id'], name=op.f('fk_training_attendance_session_id_training_cohort_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_training_attendance_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_attendance')),
    sa.UniqueConstraint('session_id', 'user_id', name=op.f('uq_training_attendance_session_id_user_id'))
    )
    with op.batch_alter_table('training_attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_attendance_user_id'), ['user_id'], unique=False)

    op.create_table('training_enrolments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('enrolled_by_id', sa.Integer(), nullable=True),
    sa.Column('last_lesson_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=False),
    sa.Column('last_activity_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=False),
    sa.Column('completed_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['training_courses.id'], name=op.f('fk_training_enrolments_course_id_training_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['enrolled_by_id'], ['users.id'], name=op.f('fk_training_enrolments_enrolled_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['last_lesson_id'], ['training_lessons.id'], name=op.f('fk_training_enrolments_last_lesson_id_training_lessons'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_training_enrolments_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_enrolments')),
    sa.UniqueConstraint('course_id', 'user_id', name=op.f('uq_training_enrolments_course_id_user_id'))
    )
    with op.batch_alter_table('training_enrolments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_enrolments_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_enrolments_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_enrolments_user_id'), ['user_id'], unique=False)

    op.create_table('training_lesson_progress',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('visited_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=False),
    sa.Column('completed_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['lesson_id'], ['training_lessons.id'], name=op.f('fk_training_lesson_progress_lesson_id_training_lessons'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_training_lesson_progress_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_lesson_progress')),
    sa.UniqueConstraint('lesson_id', 'user_id', name=op.f('uq_training_lesson_progress_lesson_id_user_id'))
    )
    with op.batch_alter_table('training_lesson_progress', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_lesson_progress_user_id'), ['user_id'], unique=False)

    op.create_table('training_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quiz_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('prompt', sa.Text(), nullable=False),
    sa.Column('image_key', sa.String(length=200), nullable=True),
    sa.Column('accepted_answers', sa.Text(), nullable=True),
    sa.Column('explanation', sa.Text(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('single', 'multiple', 'picture', 'short')", name=op.f('ck_training_questions_kind')),
    sa.CheckConstraint('length(prompt) > 0', name=op.f('ck_training_questions_prompt_not_empty')),
    sa.ForeignKeyConstraint(['quiz_id'], ['training_quizzes.id'], name=op.f('fk_training_questions_quiz_id_training_quizzes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_questions'))
    )
    with op.batch_alter_table('training_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_questions_quiz_id'), ['quiz_id'], unique=False)

    op.create_table('training_quiz_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quiz_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('created_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('score BETWEEN 0 AND 100', name=op.f('ck_training_quiz_attempts_score_range')),
    sa.ForeignKeyConstraint(['quiz_id'], ['training_quizzes.id'], name=op.f('fk_training_quiz_attempts_quiz_id_training_quizzes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_training_quiz_attempts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_quiz_attempts')),
    sa.UniqueConstraint('user_id', 'token', name=op.f('uq_training_quiz_attempts_user_id_token'))
    )
    with op.batch_alter_table('training_quiz_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_training_quiz_attempts_quiz_user', ['quiz_id', 'user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_quiz_attempts_user_id'), ['user_id'], unique=False)

    op.create_table('training_task_completions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('evidence_url', sa.String(length=300), nullable=True),
    sa.Column('detail', sa.String(length=300), nullable=True),
    sa.Column('completed_at', app.core.dbtypes.TZDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['task_id'], ['training_tasks.id'], name=op.f('fk_training_task_completions_task_id_training_tasks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_training_task_completions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_task_completions')),
    sa.UniqueConstraint('task_id', 'user_id', name=op.f('uq_training_task_completions_task_id_user_id'))
    )
    with op.batch_alter_table('training_task_completions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_task_completions_user_id'), ['user_id'], unique=False)

    op.create_table('training_choices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=300), nullable=False),
    sa.Column('image_key', sa.String(length=200), nullable=True),
    sa.Column('is_correct', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('explanation', sa.Text(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['training_questions.id'], name=op.f('fk_training_choices_question_id_training_questions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_choices'))
    )
    with op.batch_alter_table('training_choices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_choices_question_id'), ['question_id'], unique=False)


def downgrade():
    with op.batch_alter_table('training_choices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_choices_question_id'))

    op.drop_table('training_choices')
    with op.batch_alter_table('training_task_completions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_task_completions_user_id'))

    op.drop_table('training_task_completions')
    with op.batch_alter_table('training_quiz_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_quiz_attempts_user_id'))
        batch_op.drop_index('ix_training_quiz_attempts_quiz_user')

    op.drop_table('training_quiz_attempts')
    with op.batch_alter_table('training_questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_questions_quiz_id'))

    op.drop_table('training_questions')
    with op.batch_alter_table('training_lesson_progress', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_lesson_progress_user_id'))

    op.drop_table('training_lesson_progress')
    with op.batch_alter_table('training_enrolments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_enrolments_user_id'))
        batch_op.drop_index(batch_op.f('ix_training_enrolments_created_at'))
        batch_op.drop_index(batch_op.f('ix_training_enrolments_course_id'))

    op.drop_table('training_enrolments')
    with op.batch_alter_table('training_attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_attendance_user_id'))

    op.drop_table('training_attendance')
    with op.batch_alter_table('training_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_attachments_lesson_id'))

    op.drop_table('training_attachments')
    with op.batch_alter_table('training_tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_tasks_module_id'))

    op.drop_table('training_tasks')
    with op.batch_alter_table('training_quizzes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_quizzes_module_id'))

    op.drop_table('training_quizzes')
    with op.batch_alter_table('training_lessons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_lessons_module_id'))

    op.drop_table('training_lessons')
    with op.batch_alter_table('training_cohort_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_cohort_sessions_cohort_id'))

    op.drop_table('training_cohort_sessions')
    with op.batch_alter_table('training_cohort_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_cohort_members_user_id'))
        batch_op.drop_index(batch_op.f('ix_training_cohort_members_cohort_id'))

    op.drop_table('training_cohort_members')
    with op.batch_alter_table('training_modules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_modules_course_id'))

    op.drop_table('training_modules')
    op.drop_table('training_course_prerequisites')
    with op.batch_alter_table('training_cohorts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_cohorts_trainer_id'))
        batch_op.drop_index(batch_op.f('ix_training_cohorts_commune_code'))

    op.drop_table('training_cohorts')
    with op.batch_alter_table('training_certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_certificates_user_id'))
        batch_op.drop_index(batch_op.f('ix_training_certificates_issued_at'))
        batch_op.drop_index(batch_op.f('ix_training_certificates_course_id'))

    op.drop_table('training_certificates')
    op.drop_table('training_courses')
