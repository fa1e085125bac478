"""Gunicorn settings: one gevent worker per process; run more processes (with REDIS_URL) to scale out.

Socket.IO keeps each client on the process it connected to, so a process has exactly one worker and a
cluster is several processes behind a sticky load balancer, sharing Redis (message queue, viewer counts)
and PostgreSQL. `gunicorn wsgi:app` picks all of this up; `-b` overrides the address.
"""
import os

# Read by app.config before the app is built (in the worker, after the fork): Socket.IO must use gevent here.
os.environ.setdefault("SOCKETIO_ASYNC_MODE", "gevent")

bind = os.environ.get("GUNICORN_BIND") or f"127.0.0.1:{os.environ.get('PORT', '5000')}"
worker_class = "gevent"
workers = 1
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS") or 1000)
timeout = 60
graceful_timeout = 20
keepalive = 5
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL") or "info"
# Behind nginx: trust its X-Forwarded-* headers only from the local proxy.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS") or "127.0.0.1"


def post_worker_init(worker):
    """With GUNICORN_STACK_DUMPS=1, a worker prints its stacks to the error log on a signal (for hangs in tests).

    SIGUSR2: every thread's Python stack, even while blocked in C (faulthandler); SIGPWR: every greenlet (gevent).
    """
    if os.environ.get("GUNICORN_STACK_DUMPS") != "1":
        return
    import faulthandler
    import signal
    import sys

    faulthandler.register(signal.SIGUSR2, file=sys.stderr, all_threads=True)
    import gevent
    import gevent.util

    gevent.signal_handler(signal.SIGPWR, lambda: gevent.util.print_run_info(file=sys.stderr))
