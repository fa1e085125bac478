"""Account pages through the test client: register, sign in/out, profile, organisations, roles."""
import io
import re

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.accounts.models import Membership, Organisation, User


def png_bytes(size=(300, 300), color="orange") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def test_register_by_phone_signs_in(client, db):
    response = client.post("/register", data={"name": "Trần Thị Lan", "login": "0912 345 678",
                                              "password": "matkhau123", "consent": "y"})
    assert response.status_code == 302
    user = db.session.scalar(select(User))
    assert user.phone == "+84912345678"
    page = client.get("/account").get_data(as_text=True)
    assert "Trần Thị Lan" in page and "0912 345 678" in page


def test_register_bad_phone_shows_vietnamese_message_and_creates_nothing(client, db):
    response = client.post("/register", data={"name": "Lan", "login": "12345", "password": "matkhau123"})
    assert response.status_code == 200
    assert "Số điện thoại di động không hợp lệ" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_register_duplicate_in_english(client, factory):
    factory.user(login="0912345678")
    client.get("/lang/en")
    response = client.post("/register", data={"name": "Lan", "login": "+84912345678", "password": "matkhau123",
                                              "consent": "y"})
    assert "already exists" in response.get_data(as_text=True)


def test_wrong_password_is_refused(client, factory, auth):
    user = factory.user()
    response = auth.login(user.phone, "wrong-password")
    assert response.status_code == 200
    assert "Sai số điện thoại, email hoặc mật khẩu" in response.get_data(as_text=True)


def test_session_cookie_replayed_after_sign_out_is_refused(client, factory, auth):
    user = factory.user()
    auth.login_as(user)
    cookie = client.get_cookie("session").value
    assert client.get("/account").status_code == 200
    auth.logout()
    client.set_cookie("session", cookie)
    response = client.get("/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_password_change_signs_out_other_browsers(app, factory, auth, client):
    user = factory.user()
    other = app.test_client()
    other.post("/login", data={"login": user.phone, "password": factory.password})
    assert other.get("/account").status_code == 200
    auth.login_as(user)
    response = client.post("/account/password", data={"current": factory.password, "new": "matkhaumoi456"})
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    assert other.get("/account").status_code == 302


def test_login_is_rate_limited_per_account(client, factory, auth):
    user = factory.user()
    statuses = [auth.login(user.phone, f"wrong-{i}").status_code for i in range(6)]
    assert statuses[:5] == [200] * 5
    assert statuses[5] == 429
    # Another spelling of the same number counts against the same account.
    assert auth.login("0" + user.phone[3:], "wrong").status_code == 429


def test_login_is_rate_limited_per_ip(app, client, factory, auth):
    app.config["LOGIN_LIMIT_PER_IP"] = "3 per minute"
    try:
        codes = [auth.login(f"09{i:08d}", "whatever1").status_code for i in range(4)]
    finally:
        app.config["LOGIN_LIMIT_PER_IP"] = "20 per minute"
    assert codes[-1] == 429


def test_forms_need_a_csrf_token(app, factory):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        response = client.post("/register", data={"name": "Lan", "login": "0912345678", "password": "matkhau123"})
        assert response.status_code == 400
        assert "Biểu mẫu đã hết hạn" in response.get_data(as_text=True)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_profile_saves_address_from_vietnam_provinces(client, factory, auth, db):
    from app.core.addresses import find_commune

    user = auth.login_as(factory.user())
    commune = find_commune("Xã Hát Môn")
    response = client.post("/account", data={"name": "Lan Hát Môn", "province_code": "1",
                                             "commune_code": str(commune), "street": "Thôn 3"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.commune_code, user.street, user.name) == (commune, "Thôn 3", "Lan Hát Môn")
    bad = client.post("/account", data={"name": "Lan", "province_code": "79", "commune_code": str(commune)})
    assert "Vui lòng chọn xã/phường" in bad.get_data(as_text=True)


def test_commune_options_for_htmx(client):
    html = client.get("/address/communes?province_code=1").get_data(as_text=True)
    assert "Xã Ô Diên" in html


def _create_org(client, name="HTX Rau sạch"):
    from app.core.addresses import find_commune

    return client.post("/orgs/new", data={"name": name, "kind": "cooperative", "province_code": "1",
                                          "commune_code": str(find_commune("Xã Ô Diên"))})


def test_create_organisation_and_manage_it(client, factory, auth, db):
    auth.login_as(factory.user())
    response = _create_org(client)
    assert response.status_code == 302
    org = db.session.scalar(select(Organisation))
    assert org.kind == "cooperative"
    page = client.get(f"/orgs/{org.slug}/manage").get_data(as_text=True)
    assert "HTX Rau sạch" in page and "Xã Ô Diên" in page


def test_logo_upload_checks_the_bytes(client, factory, auth, db):
    owner = auth.login_as(factory.user())
    org = factory.org(owner)
    fake = client.post(f"/orgs/{org.slug}/logo", data={"logo": (io.BytesIO(b"<html>hi</html>"), "logo.jpg")},
                       content_type="multipart/form-data", follow_redirects=True)
    assert "Vui lòng tải lên ảnh JPEG, PNG hoặc WebP" in fake.get_data(as_text=True)
    db.session.refresh(org)
    assert org.logo_key is None
    ok = client.post(f"/orgs/{org.slug}/logo", data={"logo": (io.BytesIO(png_bytes()), "../../x.png")},
                     content_type="multipart/form-data")
    assert ok.status_code == 302
    db.session.refresh(org)
    assert org.logo_key.startswith("logos/") and org.logo_key.endswith(".webp")
    media = client.get(f"/media/{org.logo_key}")
    assert media.status_code == 200 and media.mimetype == "image/webp"


def test_oversized_upload_gets_413(app, client, factory, auth):
    owner = auth.login_as(factory.user())
    org = factory.org(owner)
    big = b"\0" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post(f"/orgs/{org.slug}/logo", data={"logo": (io.BytesIO(big), "big.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    assert "Tệp quá lớn" in response.get_data(as_text=True)


def test_owner_adds_staff_from_the_page(client, factory, auth, db):
    owner = auth.login_as(factory.user())
    staff = factory.user(name="Vũ Minh", login="0987654321")
    org = factory.org(owner)
    client.post(f"/orgs/{org.slug}/members", data={"staff-phone": "0987 654 321"})
    assert db.session.scalar(select(Membership.role).where(Membership.user_id == staff.id)) == "staff"
    page = client.post(f"/orgs/{org.slug}/members", data={"staff-phone": "0933 333 333"}, follow_redirects=True)
    assert "Chưa có tài khoản nào dùng số điện thoại này" in page.get_data(as_text=True)


def test_other_organisations_are_off_limits(client, factory, auth, db):
    owner_a = factory.user(login="0911111111")
    owner_b = factory.user(login="0922222222")
    org_b = factory.org(owner_b, name="HTX B")
    staff = factory.user(login="0933333333")
    factory.org(owner_a, name="HTX A")
    auth.login_as(owner_a)
    slug = org_b.slug
    attempts = [
        client.get(f"/orgs/{slug}/manage"),
        client.post(f"/orgs/{slug}/manage", data={"name": "Hacked", "kind": "household"}),
        client.post(f"/orgs/{slug}/bank", data={"bank_bin": "970436", "account_number": "123456", "account_name": "X"}),
        client.post(f"/orgs/{slug}/members", data={"staff-phone": "0933333333"}),
        client.post(f"/orgs/{slug}/members/{owner_b.id}/remove"),
        client.post(f"/orgs/{slug}/logo", data={"logo": (io.BytesIO(png_bytes()), "a.png")},
                    content_type="multipart/form-data"),
    ]
    for response in attempts:
        assert response.status_code in (302, 403), response.status_code
    db.session.expire_all()
    org_b = db.session.get(Organisation, org_b.id)
    assert org_b.name == "HTX B" and org_b.bank_bin is None and org_b.logo_key is None
    assert db.session.scalar(select(func.count(Membership.id)).where(Membership.organisation_id == org_b.id)) == 1
    assert db.session.scalar(select(func.count(Membership.id)).where(Membership.user_id == staff.id)) == 0
    assert client.get(f"/orgs/{slug}/manage").status_code == 403


def test_staff_sees_but_cannot_change(client, factory, auth, db):
    owner = factory.user()
    staff = factory.user(login="0987654321")
    org = factory.org(owner)
    from app.accounts import services

    services.add_staff(owner, org, "0987654321")
    db.session.commit()
    auth.login_as(staff)
    page = client.get(f"/orgs/{org.slug}/manage")
    assert page.status_code == 200
    assert "Chỉ chủ gian hàng mới sửa được" in page.get_data(as_text=True)
    response = client.post(f"/orgs/{org.slug}/members/{owner.id}/remove", follow_redirects=True)
    assert "Bạn không có quyền" in response.get_data(as_text=True)


def test_admin_grants_trainer_role(client, factory, auth, db):
    admin = factory.user(is_admin=True)
    user = factory.user(login="0987654321")
    auth.login_as(admin)
    client.post(f"/admin/users/{user.id}/role", data={"role": "trainer", "granted": "1"})
    db.session.refresh(user)
    assert user.is_trainer


def test_non_admin_gets_403_on_admin_pages(client, factory, auth):
    auth.login_as(factory.user())
    assert client.get("/admin/users").status_code == 403


def test_language_choice_is_remembered_on_the_account(client, factory, auth, db, app):
    user = auth.login_as(factory.user())
    client.get("/lang/en")
    db.session.refresh(user)
    assert user.locale == "en"
    fresh = app.test_client()
    fresh.post("/login", data={"login": user.phone, "password": factory.password})
    assert 'lang="en"' in fresh.get("/").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/account", "/orgs/new", "/account/password"])
def test_pages_need_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_members_get_the_seller_tools_in_the_navigation_but_not_for_a_practice_stall(client, auth, factory, db):
    owner = factory.user("Nguyễn Văn Chủ")
    org = factory.org(owner, name="HTX Điều hướng")
    buyer = factory.user("Người Mua Hàng")
    auth.login_as(buyer)
    assert 'data-testid="seller-tools"' not in client.get("/").get_data(as_text=True)
    client.post("/logout")
    auth.login_as(owner)
    html = client.get("/").get_data(as_text=True)
    assert f'href="/shop/manage/{org.slug}/dashboard" data-testid="seller-tools"' in html
    assert 'data-testid="account-link">Chủ<' in html  # the short name in the header
    profile = client.get("/account")  # the layout's own names never shadow a page's (its `orgs`)
    assert profile.status_code == 200 and "HTX Điều hướng" in profile.get_data(as_text=True)
    org.is_sandbox = True
    db.session.commit()
    assert 'data-testid="seller-tools"' not in client.get("/").get_data(as_text=True)


def test_an_invalid_field_says_so_to_screen_readers_and_shows_its_error_under_it(client, db):
    blank = client.get("/register").get_data(as_text=True)
    assert 'aria-invalid="None"' not in blank and "aria-invalid" not in blank
    page = client.post("/register", data={"name": "Lan", "login": "12345", "password": "matkhau123"}).get_data(as_text=True)
    field = re.search(r"<input[^>]*id=\"login\"[^>]*>", page).group(0)
    assert 'aria-invalid="true"' in field and 'aria-describedby="login-error"' in field
    assert re.search(r'<small class="error" id="login-error">[^<]+</small>', page)
    name = re.search(r"<input[^>]*id=\"name\"[^>]*>", page).group(0)
    assert "aria-invalid" not in name  # only the invalid field
