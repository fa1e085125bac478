"""Training's tables, split as indico splits `models/`: what a course teaches (courses), what a trainee did
(progress), the classes trainers run (cohorts). Callers import from here."""
from .cohorts import Attendance, Cohort, CohortMember, CohortSession
from .courses import (
    COURSE_STATUSES,
    QUESTION_KINDS,
    Attachment,
    Choice,
    Course,
    Lesson,
    Module,
    PracticalTask,
    Question,
    Quiz,
    course_prerequisites,
)
from .progress import Certificate, Enrolment, LessonProgress, QuizAttempt, TaskCompletion

__all__ = [
    "COURSE_STATUSES", "QUESTION_KINDS", "Attachment", "Attendance", "Certificate", "Choice", "Cohort", "CohortMember",
    "CohortSession", "Course", "Enrolment", "Lesson", "LessonProgress", "Module", "PracticalTask", "Question", "Quiz",
    "QuizAttempt", "TaskCompletion", "course_prerequisites",
]
