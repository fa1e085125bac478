"""A database that cannot be reached answers 503 with a Vietnamese retry message, for the API and for pages."""
from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from app.shop import queries as shop_queries


@pytest.fixture
def database_down(monkeypatch):
    def unreachable(*_args, **_kwargs):
        raise OperationalError("SELECT 1", {}, ConnectionError("connection to server at 127.0.0.1 failed"))

    monkeypatch.setattr(shop_queries, "catalog", unreachable)


def test_the_api_answers_503_with_a_retry_message(client, database_down):
    response = client.get("/api/v1/products", headers={"Accept-Language": "vi"})
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert response.json == {"code": "unavailable", "message": "Hệ thống đang bận. Vui lòng thử lại sau ít phút."}


def test_a_page_answers_503_with_a_retry_message(client, database_down):
    response = client.get("/shop/", headers={"Accept-Language": "vi"})
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert "Vui lòng thử lại sau ít phút" in response.get_data(as_text=True)
