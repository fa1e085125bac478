"""Skip locally, fail in CI: a test that needs a system component (PostgreSQL, Redis, nginx, ffmpeg, Chromium)."""
from __future__ import annotations

import os
from typing import NoReturn

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def skip_or_fail(reason: str) -> NoReturn:
    """Skip with a one-line reason on a developer's machine; in CI a missing component is a failure."""
    if in_ci():
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)
