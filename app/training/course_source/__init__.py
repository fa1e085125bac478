"""Course source packs: a course as files (course.yaml, one Markdown file per lesson, media beside them).

One format for three uses: trainers export a course and import it back (preview, a list of problems, nothing
half-imported), and the demo seed loads its courses from directories of the same format (demo_courses/).
Not to be confused with training/pack.py, the offline HTML reading pack for trainees' phones.
"""
from .exporter import export_course  # noqa: F401
from .files import DirectoryFiles, ZipFiles  # noqa: F401
from .importer import ImportResult, import_course, preview_course  # noqa: F401
from .plan import FORMAT, Problem  # noqa: F401
