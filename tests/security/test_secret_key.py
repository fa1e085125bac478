"""Production refuses a guessable SECRET_KEY (short, a published example, or one character repeated)."""
from __future__ import annotations

import secrets

import pytest

from app import create_app
from app.config import Production


@pytest.fixture
def production_env(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.db'}")
    monkeypatch.setenv("INSTANCE_DIR", str(tmp_path))
    monkeypatch.delenv("STRIPE_SECRET_KEY", raising=False)
    return monkeypatch


@pytest.mark.parametrize("key", ["x", "dev-only-not-secret", "change-me-to-64-hex-characters", "testing-secret",
                                 "a" * 31, "a" * 64, "ab" * 40, "  secret  "])
def test_production_refuses_a_weak_secret_key(production_env, key):
    production_env.setenv("SECRET_KEY", key)
    with pytest.raises(RuntimeError, match="SECRET_KEY is too weak: use at least 32 random characters"):
        Production.check()


def test_production_refuses_the_key_at_app_creation(production_env):
    production_env.setenv("SECRET_KEY", "x")
    with pytest.raises(RuntimeError, match="SECRET_KEY is too weak"):
        create_app(Production)


def test_production_accepts_a_random_key(production_env):
    production_env.setenv("SECRET_KEY", secrets.token_hex(32))
    Production.check()
    production_env.setenv("SECRET_KEY", secrets.token_urlsafe(24))  # 32 characters
    Production.check()
