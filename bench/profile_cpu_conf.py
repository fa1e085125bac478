"""Gunicorn settings for a CPU profile: the app's own settings plus yappi (CPU clock, per greenlet) in the worker.

`kill -USR2 <worker>` writes the stats so far to BENCH_PROFILE_OUT (.pstat) and starts counting again (python -m bench.profile --cpu)."""
import os
import runpy
from pathlib import Path

globals().update({k: v for k, v in runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py")).items()
                  if not k.startswith("__")})


def post_worker_init(worker):
    import signal

    import gevent
    import yappi

    def dump():
        out = Path(os.environ["BENCH_PROFILE_OUT"]).with_suffix(".pstat")
        yappi.get_func_stats().save(str(out) + ".part", type="pstat")
        os.replace(str(out) + ".part", out)
        yappi.clear_stats()

    gevent.signal_handler(signal.SIGUSR2, dump)
    yappi.set_clock_type("cpu")
    yappi.set_context_backend("greenlet")
    yappi.start(builtins=False)
