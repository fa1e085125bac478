"""Training: courses, lessons, quizzes, practical tasks, practice lives, certificates, cohorts, reports."""
from flask import Blueprint

bp = Blueprint("training", __name__, template_folder="templates", static_folder="static", static_url_path="/static")

from . import models  # noqa: E402,F401
from .review import models as review_models  # noqa: E402,F401
from . import views  # noqa: E402,F401
from .practice import views as practice_views  # noqa: E402,F401
from .review import views as review_views  # noqa: E402,F401
