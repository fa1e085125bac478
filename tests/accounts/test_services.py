"""Account services: registration, sign-in, sessions, tokens, organisations, members, roles."""
import pytest
from sqlalchemy import func, select

from app.accounts import services
from app.accounts.models import LoginSession, Membership, Organisation, User
from app.errors import Conflict, Forbidden, InvalidInput, NotFound


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_register_with_any_phone_form_stores_plus_84(db):
    user = services.register_user("Lan", "0912 345 678", "matkhau123")
    db.session.commit()
    assert user.phone == "+84912345678"
    assert user.password_hash.startswith("scrypt:")
    with pytest.raises(Conflict):
        services.register_user("Lan 2", "84912345678", "matkhau123")


def test_register_with_email(db):
    user = services.register_user("Mai", "Mai@Example.VN", "matkhau123")
    assert user.email == "mai@example.vn" and user.phone is None


@pytest.mark.parametrize("name,login,password,code", [
    ("Lan", "12345", "matkhau123", "invalid_phone"),
    ("Lan", "not-an-email@", "matkhau123", "invalid_email"),
    ("Lan", "0912345678", "short", "weak_password"),
    ("", "0912345678", "matkhau123", "invalid_name"),
    ("Lan", "", "matkhau123", "login_required"),
])
def test_register_refuses_bad_input(db, name, login, password, code):
    with pytest.raises(InvalidInput) as info:
        services.register_user(name, login, password)
    assert info.value.code == code
    db.session.rollback()
    assert count(db, User) == 0


def test_authenticate_gives_one_vague_message(db, factory):
    user = factory.user(login="0912345678")
    assert services.authenticate("+84912345678", factory.password).id == user.id
    for login, password in [("0912345678", "wrong-pass"), ("0999999999", factory.password), ("xx", "y")]:
        with pytest.raises(InvalidInput) as info:
            services.authenticate(login, password)
        assert info.value.code == "wrong_credentials"


def test_login_sessions_are_revocable(db, factory):
    user = factory.user()
    token = services.start_login_session(user, "test")
    db.session.commit()
    assert services.user_for_login_session(token).id == user.id
    services.end_login_session(token)
    db.session.commit()
    assert services.user_for_login_session(token) is None


def test_password_change_revokes_other_sessions_and_tokens(db, factory, app):
    user = factory.user()
    keep = services.start_login_session(user)
    other = services.start_login_session(user)
    raw, _tok = services.issue_api_token(user, 30)
    db.session.commit()
    services.change_password(user, factory.password, "matkhaumoi456", keep_token=keep)
    db.session.commit()
    assert services.user_for_login_session(keep) is not None
    assert services.user_for_login_session(other) is None
    assert services.user_for_api_token(raw) is None
    with pytest.raises(InvalidInput):
        services.change_password(user, "wrong-current", "whatever123")


def test_api_tokens_are_hashed_and_expire(db, factory):
    from datetime import timedelta

    from app.accounts.models import ApiToken
    from app.core.dbtypes import utcnow

    user = factory.user()
    raw, token = services.issue_api_token(user, 1)
    db.session.commit()
    assert raw not in token.token_hash
    assert services.user_for_api_token(raw).id == user.id
    assert services.user_for_api_token(raw, now=utcnow() + timedelta(days=2)) is None
    assert services.user_for_api_token("cl_forged") is None
    assert db.session.scalar(select(ApiToken.token_hash)) == token.token_hash


def test_create_organisation_makes_the_creator_owner(db, factory):
    owner = factory.user()
    org = factory.org(owner, name="HTX Bưởi Diễn")
    assert org.slug == "htx-buoi-dien"
    assert services.require_org_role(owner, org, "owner").role == "owner"
    second = factory.org(owner, name="HTX Bưởi Diễn")
    assert second.slug == "htx-buoi-dien-2"


@pytest.mark.parametrize("fields,code", [
    ({"name": "", "kind": "cooperative"}, "invalid_name"),
    ({"name": "X", "kind": "company"}, "invalid_kind"),
    ({"name": "X", "kind": "household", "commune_code": 123456789}, "invalid_commune"),
    ({"name": "X", "kind": "household", "phone": "123"}, "invalid_phone"),
])
def test_create_organisation_refuses_bad_input(db, factory, fields, code):
    owner = factory.user()
    with pytest.raises(InvalidInput) as info:
        services.create_organisation(owner, commune_code=fields.pop("commune_code", None), **fields)
    assert info.value.code == code
    db.session.rollback()
    assert count(db, Organisation) == 0


def test_commune_must_belong_to_the_province(db, factory):
    owner = factory.user()
    from app.core.addresses import find_commune

    with pytest.raises(InvalidInput):
        services.create_organisation(owner, name="X", kind="household", province_code=79,
                                     commune_code=find_commune("Xã Ô Diên"))


def test_owner_adds_and_removes_staff_by_phone(db, factory):
    owner = factory.user()
    staff = factory.user(name="Nhân viên", login="0987654321")
    org = factory.org(owner)
    services.add_staff(owner, org, "0987 654 321")
    db.session.commit()
    assert services.require_org_role(staff, org).role == "staff"
    with pytest.raises(Forbidden):
        services.require_org_role(staff, org, "owner")
    with pytest.raises(Conflict):
        services.add_staff(owner, org, "0987654321")
    with pytest.raises(NotFound):
        services.add_staff(owner, org, "0933333333")
    with pytest.raises(InvalidInput):
        services.add_staff(owner, org, "999")
    services.remove_member(owner, org, staff.id)
    db.session.commit()
    with pytest.raises(Forbidden):
        services.require_org_role(staff, org)


def test_staff_cannot_do_owner_actions(db, factory):
    owner = factory.user()
    staff = factory.user(login="0987654321")
    outsider = factory.user(login="0977777777")
    org = factory.org(owner)
    services.add_staff(owner, org, "0987654321")
    db.session.commit()
    for actor in (staff, outsider):
        with pytest.raises(Forbidden):
            services.add_staff(actor, org, "0977777777")
        with pytest.raises(Forbidden):
            services.remove_member(actor, org, owner.id)
        with pytest.raises(Forbidden):
            services.set_bank_account(actor, org, bank_bin="970436", account_number="0011004123456", account_name="X")
        with pytest.raises(Forbidden):
            services.update_organisation(actor, org, name="Hacked", kind="household", commune_code=None)
    db.session.rollback()
    assert db.session.get(Organisation, org.id).name == "HTX Thử nghiệm"
    assert count(db, Membership) == 2


def test_last_owner_cannot_leave(db, factory):
    owner = factory.user()
    org = factory.org(owner)
    with pytest.raises(InvalidInput) as info:
        services.remove_member(owner, org, owner.id)
    assert info.value.code == "last_owner"


@pytest.mark.parametrize("bin_,number,holder,code", [
    ("000000", "0011004123456", "A", "invalid_bank"),
    ("970436", "12ab", "A", "invalid_account_number"),
    ("970436", "123", "A", "invalid_account_number"),
    ("970436", "0011004123456", "  ", "invalid_account_name"),
])
def test_bank_account_validation(db, factory, bin_, number, holder, code):
    owner = factory.user()
    org = factory.org(owner)
    with pytest.raises(InvalidInput) as info:
        services.set_bank_account(owner, org, bank_bin=bin_, account_number=number, account_name=holder)
    assert info.value.code == code


def test_bank_account_saved_normalised(db, factory):
    owner = factory.user()
    org = factory.org(owner)
    services.set_bank_account(owner, org, bank_bin="970436", account_number="0011 0041 23456", account_name="htx o dien")
    assert (org.bank_account_number, org.bank_account_name) == ("0011004123456", "HTX O DIEN")
    assert org.has_bank_account


def test_platform_roles_only_by_admin(db, factory):
    admin = factory.user(is_admin=True)
    user = factory.user()
    services.set_platform_role(admin, user, "trainer")
    assert user.is_trainer
    with pytest.raises(Forbidden):
        services.set_platform_role(user, admin, "trainer")
    with pytest.raises(InvalidInput):
        services.set_platform_role(admin, user, "king")
    with pytest.raises(InvalidInput):
        services.set_platform_role(admin, admin, "admin", granted=False)


def test_login_session_rows_are_kept_per_browser(db, factory):
    user = factory.user()
    services.start_login_session(user)
    services.start_login_session(user)
    db.session.commit()
    assert count(db, LoginSession) == 2


@pytest.mark.parametrize("name,short", [
    ("Đỗ Thị Hoa", "Hoa"), ("Cô Hạnh (tổ công nghệ số)", "Cô Hạnh"), ("Quản trị Huyện", "Huyện"),
    ("Bác Tư", "Bác Tư"), ("Hoa", "Hoa"), ("(chưa rõ)", "0912000001"), ("Anh Ba (shipper) Nam", "Anh Nam"),
])
def test_the_header_short_name(name, short):
    from app.accounts.models import User

    assert User(name=name, phone="0912000001").short_name == short
