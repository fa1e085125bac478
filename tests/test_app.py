"""The app factory, configuration, health check, error pages and language switch."""
import pytest

from app import create_app
from app.config import Production


def test_home_shows_the_three_parts_in_vietnamese(client):
    html = client.get("/").get_data(as_text=True)
    for part in ("Cửa hàng", "Live", "Đào tạo"):
        assert part in html
    assert 'lang="vi"' in html


def test_healthz_pings_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["checks"]["database"] == "ok"


def test_language_switch_persists_in_a_cookie(client):
    response = client.get("/lang/en?next=/", follow_redirects=True)
    assert 'lang="en"' in response.get_data(as_text=True)
    assert "Training" in client.get("/").get_data(as_text=True)
    assert client.get("/lang/xx").status_code == 400


def test_language_switch_never_redirects_off_site(client):
    response = client.get("/lang/vi?next=https://evil.example/")
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("lang,text", [("vi", "Không tìm thấy"), ("en", "could not find")])
def test_404_page_in_both_languages(client, lang, text):
    client.get(f"/lang/{lang}")
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert text.lower() in response.get_data(as_text=True).lower()


def test_api_errors_are_json_with_a_stable_code(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json["code"] == "not_found"
    assert response.json["message"]


def test_security_headers_present(client):
    response = client.get("/")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", "sqlite:///:memory:")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(Production)


def test_sqlite_runs_in_wal_mode_with_busy_timeout(app, db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_vnd_formatting_filter(app):
    from app.core.money import format_vnd

    assert format_vnd(1234000, "vi") == "1.234.000 ₫"
    assert format_vnd(1234000, "en") == "₫1,234,000"
