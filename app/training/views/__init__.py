"""The training blueprint's pages (thin): the trainee's courses, lessons, quizzes, tasks and certificates
(learning), course authoring (authoring), classes, attendance and reports for trainers and admins (staff), course
source packs (source). Practice lives and live reviews keep their pages in their own packages' views."""
from . import authoring, learning, source, staff  # noqa: F401  (each registers its routes on the blueprint)
