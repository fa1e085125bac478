"""The /api/v1 account endpoints: register, token, me, revoke; JSON errors with stable codes."""
from datetime import datetime


def test_openapi_document_lists_the_auth_endpoints(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["info"]["title"] == "Chợ Live API"
    for path in ("/api/v1/auth/register", "/api/v1/auth/token", "/api/v1/me"):
        assert path in spec["paths"]


def test_docs_page_uses_vendored_assets(client):
    html = client.get("/api/v1/docs").get_data(as_text=True)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()


def test_register_then_token_then_me(client):
    created = client.post("/api/v1/auth/register", json={"name": "Lan", "phone": "0912 345 678", "password": "matkhau123", "privacy_consent": True})
    assert created.status_code == 201
    assert created.json["phone"] == "+84912345678"
    token = client.post("/api/v1/auth/token", json={"login": "84912345678", "password": "matkhau123"})
    assert token.status_code == 201
    assert token.json["token"].startswith("cl_")
    assert datetime.fromisoformat(token.json["expires_at"])
    headers = {"Authorization": f"Bearer {token.json['token']}"}
    me = client.get("/api/v1/me", headers=headers)
    assert me.status_code == 200 and me.json["name"] == "Lan"
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    again = client.get("/api/v1/me", headers=headers)
    assert again.status_code == 401 and again.json["code"] == "not_signed_in"


def test_register_errors_are_json_with_codes(client):
    bad = client.post("/api/v1/auth/register", json={"name": "Lan", "phone": "123", "password": "matkhau123", "privacy_consent": True})
    assert bad.status_code == 400 and bad.json["code"] == "invalid_phone" and bad.json["message"]
    missing = client.post("/api/v1/auth/register", json={"phone": "0912345678"})
    assert missing.status_code == 422 and missing.json["code"] == "invalid_input" and "errors" in missing.json
    client.post("/api/v1/auth/register", json={"name": "Lan", "phone": "0912345678", "password": "matkhau123", "privacy_consent": True})
    dup = client.post("/api/v1/auth/register", json={"name": "Lan", "phone": "0912345678", "password": "matkhau123", "privacy_consent": True})
    assert dup.status_code == 409 and dup.json["code"] == "phone_taken"


def test_messages_follow_the_language(client):
    client.get("/lang/en")
    bad = client.post("/api/v1/auth/register", json={"name": "Lan", "phone": "123", "password": "matkhau123", "privacy_consent": True})
    assert "not a valid Vietnamese mobile number" in bad.json["message"]


def test_wrong_password_and_rate_limit(client, factory):
    user = factory.user()
    codes = [client.post("/api/v1/auth/token", json={"login": user.phone, "password": "nope-nope"}).status_code
             for _ in range(6)]
    assert codes[:5] == [400] * 5 and codes[5] == 429
    limited = client.post("/api/v1/auth/token", json={"login": user.phone, "password": factory.password})
    assert limited.status_code == 429 and limited.json["code"] == "rate_limited"


def test_forged_or_missing_token_is_refused(client):
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer cl_forged"}).status_code == 401
    assert client.delete("/api/v1/auth/token", headers={"Authorization": "Bearer cl_forged"}).status_code == 401


def test_me_lists_organisations_with_role(client, factory):
    owner = factory.user()
    factory.org(owner, name="HTX Bưởi")
    token = client.post("/api/v1/auth/token", json={"login": owner.phone, "password": factory.password}).json["token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json
    assert me["organisations"][0]["name"] == "HTX Bưởi" and me["organisations"][0]["role"] == "owner"
