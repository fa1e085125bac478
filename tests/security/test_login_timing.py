"""Sign-in spends one password-hash check whatever fails, so its timing does not tell which accounts exist."""
from __future__ import annotations

import pytest

from app.accounts import services


@pytest.fixture
def hash_checks(monkeypatch):
    """Every check_password_hash the sign-in makes: (hash method, password) in order."""
    seen: list[tuple[str, str]] = []
    real = services.check_password_hash

    def counting(pwhash: str, password: str) -> bool:
        seen.append((pwhash.split("$", 1)[0], password))
        return real(pwhash, password)

    monkeypatch.setattr(services, "check_password_hash", counting)
    return seen


@pytest.mark.parametrize("login,password", [
    ("0987000111", "sai-mat-khau"),          # no such phone
    ("khong-co@example.vn", "sai-mat-khau"),  # no such email
    ("not a login", "sai-mat-khau"),          # not a phone or an email at all
    ("0987000111", ""),                       # no password either
])
def test_an_unknown_login_costs_one_hash_check_with_the_configured_method(app, client, factory, hash_checks,
                                                                          login, password):
    factory.user("Có Tài Khoản")
    hash_checks.clear()
    response = client.post("/login", data={"login": login, "password": password or "x"})
    assert response.status_code == 200 and "Sai số điện thoại, email hoặc mật khẩu" in response.get_data(as_text=True)
    assert len(hash_checks) == 1
    assert hash_checks[0][0] == app.config["PASSWORD_HASH_METHOD"]  # as costly as a real account's hash


def test_a_known_login_with_a_wrong_password_costs_the_same_one_check(app, client, factory, hash_checks):
    user = factory.user("Có Tài Khoản")
    hash_checks.clear()
    client.post("/login", data={"login": user.phone, "password": "sai-mat-khau"})
    assert len(hash_checks) == 1 and hash_checks[0][0] == app.config["PASSWORD_HASH_METHOD"]


def test_the_api_token_endpoint_behaves_the_same(client, factory, hash_checks):
    factory.user("Có Tài Khoản")
    hash_checks.clear()
    response = client.post("/api/v1/auth/token", json={"login": "0987000111", "password": "sai-mat-khau"})
    assert response.status_code == 400 and response.json["code"] == "wrong_credentials"
    assert len(hash_checks) == 1


def test_services_check_once_even_without_a_password(app, hash_checks):
    with pytest.raises(Exception):  # noqa: B017 - whichever refusal: the test counts the hash checks
        services.authenticate("0987000111", None)
    assert len(hash_checks) == 1
