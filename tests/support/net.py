"""Loopback networking for tests, benchmarks and the loopback cluster: a free port, waiting on a condition.

Standard library only: deploy/cluster.py imports it under the system Python too."""
from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check: Callable[[], T], seconds: float, what: str, interval: float = 0.1) -> T:
    """Poll check() until it returns something truthy and return that; past the deadline the test fails with
    `what`. Waiting on a condition with a deadline, never a bare sleep."""
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            import pytest

            pytest.fail(f"timed out after {seconds:g} s waiting for {what}")
        time.sleep(interval)
