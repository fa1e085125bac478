"""Seller verification: the form's rules, the admin's decisions, private papers, and an unverified seller refused
at publish (web, API) and at go-live (console socket, API, RTMP publish); the host recorded for each live."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core.dbtypes import utcnow
from tests.compliance.conftest import PDF
from tests.conftest import AuthActions
from tests.livestream.live_sockets import NS, connect  # noqa: F401  (the /live socket client fixture)


def _product(db, owner, org, status="draft"):
    from app.shop import services

    p = services.create_product(owner, org, services.ProductData(name="Bưởi", category="fruit", unit="fruit",
                                                                 price=50_000, status=status), stock=5)
    db.session.commit()
    return p


def _live(db, owner, org):
    from app.livestream import services

    live = services.schedule_live(owner, org, title="Live bưởi", scheduled_at=utcnow() + timedelta(hours=1))
    db.session.commit()
    return live


# The form and the decisions ---------------------------------------------------------------------------------

def test_what_each_kind_must_give(db, household, factory):
    from app.compliance import verification
    from app.errors import Forbidden, InvalidInput

    owner, org = household
    for tax, ident, name, code in [("12345", None, "Lan", "invalid_tax_code"), (None, "0123", "Lan", "invalid_id_number"),
                                   (None, None, "Lan", "tax_code_or_id_required"), (None, "001085012345", " ", "invalid_representative")]:
        with pytest.raises(InvalidInput) as caught:
            verification.submit(owner, org, tax_code=tax, id_number=ident, representative_name=name)
        assert caught.value.code == code
    done = verification.submit(owner, org, tax_code=None, id_number="0010 8501 2345", representative_name="Nguyễn Thị Lan")
    assert (done.id_number, done.status, done.kind) == ("001085012345", "pending", "household")
    coop_owner = factory.user("Chủ HTX")
    coop = factory.org(coop_owner, name="HTX Rau")
    with pytest.raises(InvalidInput) as caught:
        verification.submit(coop_owner, coop, tax_code=None, id_number="001085012345", representative_name="An")
    assert caught.value.code == "tax_code_required"
    assert verification.submit(coop_owner, coop, tax_code="0101234567-001", id_number=None,
                               representative_name="Trần Văn An").tax_code == "0101234567-001"
    staff = factory.user("Nhân viên")
    from app.accounts.services import add_staff

    add_staff(owner, org, staff.phone)
    with pytest.raises(Forbidden):
        verification.submit(staff, org, tax_code="0101234567", id_number=None, representative_name="X")


def test_the_admin_approves_asks_for_more_or_rejects_with_a_reason(db, household, admin, factory):
    from app.compliance import verification
    from app.core.storage import get_storage
    from app.errors import Forbidden, InvalidInput

    owner, org = household
    verification.submit(owner, org, tax_code=None, id_number="001085012345", representative_name="Lan",
                        sells_food=True)
    with pytest.raises(Forbidden):
        verification.review(owner, org, "approved")
    with pytest.raises(InvalidInput) as caught:
        verification.review(admin, org, "approved")
    assert caught.value.code == "missing_document"
    with pytest.raises(InvalidInput) as caught:
        verification.review(admin, org, "more_info", "  ")
    assert caught.value.code == "reason_required"
    asked = verification.review(admin, org, "more_info", "Thiếu giấy chứng nhận an toàn thực phẩm")
    assert (asked.status, asked.reason) == ("more_info", "Thiếu giấy chứng nhận an toàn thực phẩm")
    verification.add_document(owner, org, "business_registration", PDF, get_storage())
    with pytest.raises(InvalidInput):
        verification.review(admin, org, "approved")  # food: the safety certificate too
    verification.add_document(owner, org, "food_safety", PDF, get_storage())
    assert verification.review(admin, org, "approved").status == "approved" and verification.is_verified(org)
    assert [d.decision for d in verification.verification_of(org).decisions] == ["submitted", "more_info", "approved"]
    org.kind = "cooperative"  # became a cooperative: verified anew
    assert not verification.is_verified(org)
    db.session.rollback()


def test_papers_are_private_downloads_for_the_owner_and_admins_only(app, db, household, admin, factory):
    from app.accounts.services import add_staff
    from app.compliance import verification
    from app.core.storage import get_storage

    owner, org = household
    verification.submit(owner, org, tax_code=None, id_number="001085012345", representative_name="Lan")
    document = verification.add_document(owner, org, "business_registration", PDF, get_storage())
    staff, stranger = factory.user("Nhân viên"), factory.user("Người lạ")
    factory.org(stranger, name="HTX Khác")
    add_staff(owner, org, staff.phone)
    db.session.commit()
    assert document.key.startswith("private/verifications/") and document.key.endswith(".pdf")
    url = f"/compliance/{org.slug}/documents/{document.id}"
    anonymous = app.test_client()
    assert anonymous.get(f"/media/{document.key}").status_code == 404
    assert anonymous.get(f"/media/./{document.key}").status_code == 404
    assert anonymous.get(url).status_code == 302  # to the sign-in page
    for user, status in [(owner, 200), (admin, 200), (staff, 403), (stranger, 403)]:
        client = app.test_client()
        AuthActions(client, None).login_as(user)
        response = client.get(url)
        assert response.status_code == status, user.name
        if status == 200:
            assert response.data == PDF and response.headers["Content-Disposition"].startswith("attachment")
            assert "no-store" in response.headers["Cache-Control"]
    client = app.test_client()
    AuthActions(client, None).login_as(stranger)
    own = factory.org(stranger, name="HTX Của Người Lạ")
    assert client.get(f"/compliance/{own.slug}/documents/{document.id}").status_code == 404  # not that org's paper


def test_the_owner_sends_the_form_and_papers_through_the_pages(app, db, household, marketplace):
    from app.compliance import verification

    owner, org = household
    client = app.test_client()
    AuthActions(client, None).login_as(owner)
    page = client.post(f"/compliance/{org.slug}/verification", data={"tax_code": "", "id_number": "12",
                                                                       "representative_name": "Lan"})
    assert page.status_code == 200 and "12 chữ số" in page.get_data(as_text=True)
    assert verification.verification_of(org) is None
    sent = client.post(f"/compliance/{org.slug}/verification", data={
        "tax_code": "", "id_number": "001085012345", "representative_name": "Nguyễn Thị Lan"})
    assert sent.status_code == 302
    import io

    added = client.post(f"/compliance/{org.slug}/verification/documents", data={
        "kind": "business_registration", "document": (io.BytesIO(PDF), "dkkd.pdf")},
        content_type="multipart/form-data")
    assert added.status_code == 302
    bad = client.post(f"/compliance/{org.slug}/verification/documents", data={
        "kind": "business_registration", "document": (io.BytesIO(b"MZ\x90\x00 not a paper"), "x.exe")},
        content_type="multipart/form-data", follow_redirects=True)
    assert "PDF" in bad.get_data(as_text=True)
    db.session.expire_all()
    found = verification.verification_of(org)
    assert found.status == "pending" and [d.kind for d in found.documents] == ["business_registration"]
    assert "001085012345" in client.get(f"/compliance/{org.slug}/verification").get_data(as_text=True)


# The selling gate --------------------------------------------------------------------------------------------

def test_an_unverified_seller_cannot_publish_on_the_web_or_the_api(app, db, household, marketplace, verify):
    from app.shop.models import Product

    owner, org = household
    product = _product(db, owner, org)
    client = app.test_client()
    AuthActions(client, None).login_as(owner)
    page = client.post(f"/shop/manage/{org.slug}/products/{product.id}/status", data={"status": "active"},
                       follow_redirects=True)
    assert "xác minh" in page.get_data(as_text=True)
    token = _token(db, owner)
    api = client.patch(f"/api/v1/orgs/{org.slug}/products/{product.id}", json={"status": "active"},
                       headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 403 and api.get_json()["code"] == "seller_not_verified"
    db.session.expire_all()
    assert db.session.get(Product, product.id).status == "draft"
    verify(owner, org)
    api = client.patch(f"/api/v1/orgs/{org.slug}/products/{product.id}", json={"status": "active"},
                       headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200 and api.get_json()["status"] == "active"


def test_own_shop_mode_enforces_nothing(db, household):
    owner, org = household
    assert _product(db, owner, org, status="active").status == "active"


def _token(db, user) -> str:
    from app.accounts.services import issue_api_token

    raw, _ = issue_api_token(user, 1)
    db.session.commit()
    return raw


def test_an_unverified_seller_cannot_go_live_by_socket_api_or_stream(app, db, household, marketplace, verify, connect):
    from app.compliance.models import LiveHost
    from app.livestream import video
    from app.livestream.models import LiveSession

    owner, org = household
    lives = [_live(db, owner, org) for _ in range(3)]
    sock = connect(lives[0].id, owner)
    ack = sock.emit("start_live", {}, namespace=NS, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "seller_not_verified"
    client = app.test_client()
    api = client.post(f"/api/v1/live/sessions/{lives[1].id}/start",
                      headers={"Authorization": f"Bearer {_token(db, owner)}"})
    assert api.status_code == 403 and api.get_json()["code"] == "seller_not_verified"
    _, key = video.issue_stream_key(owner, lives[2])
    db.session.commit()
    rtmp = client.post("/live/video/rtmp/publish", data={"call": "publish", "app": "ingest", "name": key},
                       environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert rtmp.status_code == 403
    db.session.expire_all()
    assert [db.session.get(LiveSession, live.id).state for live in lives] == ["scheduled"] * 3
    assert db.session.scalars(select(LiveHost)).all() == []

    verify(owner, org)
    assert sock.emit("start_live", {}, namespace=NS, callback=True)["ok"] is True
    assert client.post(f"/api/v1/live/sessions/{lives[1].id}/start",
                       headers={"Authorization": f"Bearer {_token(db, owner)}"}).status_code == 200
    assert client.post("/live/video/rtmp/publish", data={"call": "publish", "app": "ingest", "name": key},
                       environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 302
    db.session.expire_all()
    hosts = db.session.scalars(select(LiveHost).order_by(LiveHost.live_id)).all()
    assert [(h.live_id, h.host_user_id, h.host_name, h.verified) for h in hosts] == [
        (live.id, owner.id, owner.name, True) for live in lives]


def test_a_practice_stall_is_never_asked(db, factory, marketplace):
    from app.accounts.selling import require_may_sell

    owner = factory.user("Học viên")
    stall = factory.org(owner, name="Gian tập", kind="household")
    stall.is_sandbox = True
    require_may_sell(stall, "go_live", owner)
    require_may_sell(stall, "publish", owner)
    db.session.rollback()
