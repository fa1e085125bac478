"""Gunicorn settings for profiling: the app's own settings plus pyinstrument around the worker's whole life."""
import os
import runpy
from pathlib import Path

globals().update({k: v for k, v in runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py")).items()
                  if not k.startswith("__")})
_profiler = None


def post_worker_init(worker):
    global _profiler
    from pyinstrument import Profiler

    _profiler = Profiler(interval=0.0005, async_mode="disabled")
    _profiler.start()


def worker_exit(server, worker):
    if _profiler is not None:
        _profiler.stop()
        out = Path(os.environ["BENCH_PROFILE_OUT"])
        # Greenlets show up as threads, one tree each; bench.profile adds them up per function from the session.
        _profiler.last_session.save(str(out.with_suffix(".pyisession")))
        out.with_suffix(".html").write_text(_profiler.output_html())
