"""Training services: enrolment, progress, quiz grading and attempts, practical tasks, certificates."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.errors import Forbidden, InvalidInput, NotFound
from app.training import authoring, certificates, queries, services
from app.training.models import Certificate, Enrolment, QuizAttempt, TaskCompletion
from tests.core import files

from .conftest import right_answers


def _finish_everything(db, sc, user, checks):
    services.enrol(user, sc.course)
    for lesson in sc.lessons:
        services.complete_lesson(user, lesson)
    services.submit_quiz(user, sc.quiz, right_answers(sc), services.new_attempt_token())
    checks.done["product_with_photos"] = True
    services.check_task(user, sc.task)
    db.session.commit()


def test_enrol_is_idempotent_and_needs_a_published_course(db, small_course, trainee, trainer):
    first = services.enrol(trainee, small_course.course)
    again = services.enrol(trainee, small_course.course)
    db.session.commit()
    assert first.id == again.id
    assert db.session.scalar(select(func.count(Enrolment.id))) == 1
    draft = authoring.create_course(trainer, authoring.CourseData(title="Nháp"))
    with pytest.raises(InvalidInput):
        services.enrol(trainee, draft)
    with pytest.raises(NotFound):
        services.get_course(draft.slug, trainee)
    assert services.get_course(draft.slug, trainer).id == draft.id


def test_a_trainer_can_enrol_someone_but_a_trainee_cannot(db, small_course, trainee, trainer, factory):
    other = factory.user("Hàng xóm")
    enrolment = services.enrol(other, small_course.course, by=trainer)
    assert enrolment.enrolled_by_id == trainer.id
    with pytest.raises(Forbidden):
        services.enrol(factory.user("Người thứ ba"), small_course.course, by=trainee)


def test_prerequisites_block_self_enrolment_until_completed(db, small_course, trainee, trainer, checks):
    advanced = authoring.create_course(trainer, authoring.CourseData(
        title="Nâng cao", prerequisite_ids=[small_course.course.id]))
    module = authoring.add_module(trainer, advanced, "Một")
    authoring.add_lesson(trainer, module, authoring.LessonData(title="Bài"))
    authoring.set_course_status(trainer, advanced, "published")
    with pytest.raises(InvalidInput) as err:
        services.enrol(trainee, advanced)
    assert err.value.code == "prerequisites"
    _finish_everything(db, small_course, trainee, checks)
    assert services.enrol(trainee, advanced).course_id == advanced.id


def test_lesson_progress_and_resume_point(db, small_course, trainee):
    one, two = small_course.lessons
    services.enrol(trainee, small_course.course)
    services.visit_lesson(trainee, two)
    db.session.commit()
    outline = queries.outline(small_course.course, trainee)
    assert outline.resume.id == two.id  # opened last, not finished: continue there
    services.complete_lesson(trainee, two)
    services.complete_lesson(trainee, two)  # twice stays once
    db.session.commit()
    outline = queries.outline(small_course.course, trainee)
    assert outline.lessons_done == {two.id}
    assert outline.resume.id == one.id
    assert queries.continue_points(trainee) == [(small_course.course, one)]


def test_lesson_progress_needs_enrolment(db, small_course, trainee):
    with pytest.raises(Forbidden) as err:
        services.complete_lesson(trainee, small_course.lessons[0])
    assert err.value.code == "not_enrolled"


def test_quiz_grading_folds_short_answers_and_needs_the_exact_set(small_course):
    sc = small_course
    right = [c.id for c in sc.multiple.choices if c.is_correct]
    wrong = [c.id for c in sc.multiple.choices if not c.is_correct]
    assert services.grade_question(sc.multiple, services.Answer(right))
    assert not services.grade_question(sc.multiple, services.Answer(right[:1]))
    assert not services.grade_question(sc.multiple, services.Answer(right + wrong))
    assert services.grade_question(sc.short, services.Answer([], "thu hộ"))
    assert services.grade_question(sc.short, services.Answer([], "THU  HO"))
    assert not services.grade_question(sc.short, services.Answer([], ""))
    assert not services.grade_question(sc.single, services.Answer([c.id for c in sc.single.choices]))
    assert not services.grade_question(sc.single, None)


def test_every_attempt_is_stored_and_a_reposted_form_is_a_no_op(db, small_course, trainee):
    sc = small_course
    services.enrol(trainee, sc.course)
    wrong = {sc.single.id: services.Answer([c.id for c in sc.single.choices if not c.is_correct][:1])}
    first = services.submit_quiz(trainee, sc.quiz, wrong, "tok-1")
    db.session.commit()
    assert (first.score, first.passed) == (0, False)
    again = services.submit_quiz(trainee, sc.quiz, right_answers(sc), "tok-1")
    db.session.commit()
    assert again.id == first.id and again.score == 0
    second = services.submit_quiz(trainee, sc.quiz, right_answers(sc), "tok-2")
    db.session.commit()
    assert (second.score, second.passed) == (100, True)
    assert db.session.scalar(select(func.count(QuizAttempt.id))) == 2
    assert [row["correct"] for row in second.answers] == [True, True, True]


def test_bad_quiz_input_is_refused_and_nothing_is_stored(db, small_course, trainee, factory):
    sc = small_course
    stranger = factory.user("Chưa đăng ký")
    with pytest.raises(Forbidden):
        services.submit_quiz(stranger, sc.quiz, right_answers(sc), "t")
    services.enrol(trainee, sc.course)
    with pytest.raises(InvalidInput):
        services.submit_quiz(trainee, sc.quiz, {sc.single.id: services.Answer([999999])}, "t1")
    with pytest.raises(InvalidInput):
        services.submit_quiz(trainee, sc.quiz, {424242: services.Answer([1])}, "t2")
    with pytest.raises(InvalidInput):
        services.submit_quiz(trainee, sc.quiz, {}, "t3")
    with pytest.raises(InvalidInput):
        services.submit_quiz(trainee, sc.quiz, right_answers(sc), "")
    db.session.rollback()
    assert db.session.scalar(select(func.count(QuizAttempt.id))) == 0


def test_attempts_are_private_to_their_owner_and_staff(db, small_course, trainee, trainer, factory):
    services.enrol(trainee, small_course.course)
    attempt = services.submit_quiz(trainee, small_course.quiz, right_answers(small_course), "x")
    db.session.commit()
    assert services.get_attempt(trainee, attempt.id).id == attempt.id
    assert services.get_attempt(trainer, attempt.id).id == attempt.id
    with pytest.raises(NotFound):
        services.get_attempt(factory.user("Tò mò"), attempt.id)


def test_practical_task_completes_from_the_checker_with_evidence(db, small_course, trainee, checks):
    services.enrol(trainee, small_course.course)
    assert services.check_task(trainee, small_course.task) is None
    assert services.refresh_tasks(trainee, small_course.course) == 0
    checks.done["product_with_photos"] = True
    assert services.refresh_tasks(trainee, small_course.course) == 1
    db.session.commit()
    done = db.session.scalar(select(TaskCompletion))
    assert done.evidence_url == "/shop/evidence/product_with_photos"
    calls = len(checks.calls)
    services.refresh_tasks(trainee, small_course.course)
    assert len(checks.calls) == calls  # a done task is not checked again


def test_unknown_task_kind_is_refused_when_the_registry_is_known(db, small_course, trainer):
    with pytest.raises(InvalidInput):
        authoring.add_task(trainer, small_course.course.modules[0], title="Lạ", kind="fly_to_the_moon")


def test_certificate_only_when_everything_is_done(db, small_course, trainee, checks):
    sc = small_course
    services.enrol(trainee, sc.course)
    for lesson in sc.lessons:
        services.complete_lesson(trainee, lesson)
    services.submit_quiz(trainee, sc.quiz, right_answers(sc), "a")
    db.session.commit()
    assert db.session.scalar(select(func.count(Certificate.id))) == 0
    checks.done["product_with_photos"] = True
    services.check_task(trainee, sc.task)
    db.session.commit()
    certificate = db.session.scalar(select(Certificate))
    assert certificate.holder_name == trainee.name
    assert certificates.normalise_code(certificate.code) == certificate.code
    assert certificates.find_certificate(certificate.code.lower().replace("-", " ")).id == certificate.id
    enrolment = services.enrolment_of(trainee, sc.course)
    assert enrolment.completed_at is not None
    # Completing more never issues a second certificate.
    services.complete_lesson(trainee, sc.lessons[0])
    db.session.commit()
    assert db.session.scalar(select(func.count(Certificate.id))) == 1


def test_certificate_codes_are_unguessable_and_forged_codes_are_not_found(db, small_course, trainee, checks):
    codes = {certificates.new_code() for _ in range(500)}
    assert len(codes) == 500
    assert all(len(code) == 3 + 5 * 3 + 2 for code in codes)
    _ = small_course
    for forged in ("CL-AAAAA-AAAAA-AAAAA", "CL-12345", "'; drop table x; --", "", "CL-0OIL1-00000-00000"):
        with pytest.raises(NotFound):
            certificates.find_certificate(forged)


def test_only_an_admin_revokes_with_a_reason(db, small_course, trainee, trainer, admin, checks):
    from .test_services import _finish_everything as finish

    finish(db, small_course, trainee, checks)
    certificate = db.session.scalar(select(Certificate))
    with pytest.raises(Forbidden):
        certificates.revoke_certificate(trainer, certificate, "sai")
    with pytest.raises(InvalidInput):
        certificates.revoke_certificate(admin, certificate, "  ")
    certificates.revoke_certificate(admin, certificate, "Thi hộ")
    db.session.commit()
    assert not certificate.is_valid and certificate.revoke_reason == "Thi hộ"
    assert queries.organisation_badges(0) == []


def test_badges_list_valid_certificates_of_an_organisations_members(db, small_course, trainee, admin, checks, factory):
    org = factory.org(trainee, name="Hộ Mai")
    _finish_everything(db, small_course, trainee, checks)
    badges = queries.organisation_badges(org.id)
    assert [b["title"] for b in badges] == ["Chụp ảnh sản phẩm"]
    certificates.revoke_certificate(admin, db.session.scalar(select(Certificate)), "sai")
    db.session.commit()
    assert queries.organisation_badges(org.id) == []


def test_authoring_needs_a_trainer_and_validates(db, trainee, trainer):
    with pytest.raises(Forbidden):
        authoring.create_course(trainee, authoring.CourseData(title="Khóa"))
    with pytest.raises(InvalidInput):
        authoring.create_course(trainer, authoring.CourseData(title="  "))
    course = authoring.create_course(trainer, authoring.CourseData(title="Khóa học mới"))
    assert course.slug == "khoa-hoc-moi"
    assert authoring.create_course(trainer, authoring.CourseData(title="Khóa học mới")).slug == "khoa-hoc-moi-2"
    with pytest.raises(InvalidInput):
        authoring.set_course_status(trainer, course, "published")  # no lesson yet
    module = authoring.add_module(trainer, course, "Phần 1")
    quiz = authoring.add_quiz(trainer, module, "Kiểm tra")
    with pytest.raises(InvalidInput):
        authoring.add_question(trainer, quiz, kind="single", prompt="?", choices=[
            authoring.ChoiceData("a", True), authoring.ChoiceData("b", True)])
    with pytest.raises(InvalidInput):
        authoring.add_question(trainer, quiz, kind="short", prompt="?", choices=[], accepted=[" "])
    with pytest.raises(InvalidInput):
        authoring.add_quiz(trainer, module, "Sai", 150)
    with pytest.raises(InvalidInput):
        authoring.add_lesson(trainer, module, authoring.LessonData(title="Bài", minutes="nhiều"))


def test_lesson_video_and_attachment_go_through_storage(db, small_course, trainer, app):
    from app.core.storage import get_storage

    lesson = small_course.lessons[0]
    video = files.mp4()
    authoring.set_lesson_video(trainer, lesson, video, "bai1.mp4", get_storage())
    authoring.add_attachment(trainer, lesson, files.pdf(), "danh-sach.pdf", get_storage())
    db.session.commit()
    assert lesson.video_size == len(video) and get_storage().read(lesson.video_key) == video
    assert lesson.attachments[0].filename == "danh-sach.pdf"
    with pytest.raises(InvalidInput):
        authoring.set_lesson_video(trainer, lesson, b"MZ\x90\x00", "virus.exe", get_storage())


def test_task_params_reach_the_checker_and_bad_params_are_a_clear_error(db, small_course, trainee, checks):
    small_course.task.params = {"broken": True}
    services.enrol(trainee, small_course.course)
    db.session.commit()
    with pytest.raises(InvalidInput) as err:
        services.check_task(trainee, small_course.task)
    assert err.value.code == "task_params"


def test_the_same_quiz_sheet_sent_twice_at_once_is_stored_once(app, db, small_course, trainee):
    import threading

    from app.accounts.models import User
    from app.training.models import Quiz

    services.enrol(trainee, small_course.course)
    db.session.commit()
    answers = {qid: services.Answer(a.choice_ids, a.text) for qid, a in right_answers(small_course).items()}
    barrier = threading.Barrier(2)
    ids, errors = [], []

    def submit():
        try:
            with app.app_context():
                user = db.session.get(User, trainee.id)
                quiz = db.session.get(Quiz, small_course.quiz.id)
                barrier.wait()
                attempt = services.submit_quiz(user, quiz, answers, "same-sheet")
                db.session.commit()
                ids.append(attempt.id)
                db.session.remove()
        except Exception as exc:  # the assertion below reports it
            errors.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert len(set(ids)) == 1
    assert db.session.scalar(select(func.count(QuizAttempt.id))) == 1
