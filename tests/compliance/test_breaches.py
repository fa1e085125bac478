"""#17 item 4: the admin's personal data breach register: the notice clock from discovery (72 hours, a dated
setting), the notice texts, admins only, bad input refused with nothing written."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import func, select

from app.compliance import breaches
from app.compliance.models import DataBreach
from app.core.dbtypes import utcnow

FORM = {"title": "Lộ danh sách đơn hàng", "description": "Một tệp CSV đơn hàng bị gửi nhầm ra ngoài.",
        "data_kinds": "tên, số điện thoại, địa chỉ", "people_affected": "42", "measures": "Thu hồi tệp, đổi mật khẩu"}


def test_an_admin_records_a_breach_and_sees_the_72_hour_clock_and_notices(db, client, auth, admin):
    auth.login_as(admin)
    discovered = (utcnow() - timedelta(hours=10)).astimezone(timezone(timedelta(hours=7)))
    response = client.post("/admin/compliance/breaches",
                           data={**FORM, "discovered_at": discovered.strftime("%d/%m/%Y %H:%M")})
    assert response.status_code == 302
    breach = db.session.scalar(select(DataBreach))
    clock = breaches.clock(breach)
    assert clock.hours == 72 and 61 < clock.hours_left <= 62 and not clock.late
    assert breach.discovered_at.replace(second=0, microsecond=0) == discovered.astimezone(UTC).replace(
        second=0, microsecond=0)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "72 giờ" in page and "Cục An ninh mạng" in page and "42" in page and "Lộ danh sách đơn hàng" in page
    client.post(f"/admin/compliance/breaches/{breach.id}/notified", data={"who": "authority"})
    db.session.expire_all()
    assert db.session.get(DataBreach, breach.id).authority_notified_at is not None
    assert breaches.clock(db.session.get(DataBreach, breach.id)).done


def test_a_breach_found_long_ago_is_late(db, admin):
    breach = breaches.record_breach(admin, title="x", description="y", data_kinds="tên", people_affected=None,
                                    discovered_at=utcnow() - timedelta(hours=80))
    assert breaches.clock(breach).late


def test_bad_input_is_refused_with_a_message_and_nothing_written(db, client, auth, admin):
    auth.login_as(admin)
    for bad, message in [({"discovered_at": "hôm qua"}, "dd/mm/yyyy hh:mm"),
                         ({"discovered_at": "01/01/2099 10:00"}, "tương lai"),
                         ({"discovered_at": "01/12/2026 10:00", "title": ""}, "mô tả ngắn gọn"),
                         ({"discovered_at": "01/12/2026 10:00", "people_affected": "nhiều"}, "số")]:
        response = client.post("/admin/compliance/breaches", data={**FORM, **bad})
        assert response.status_code == 422 and message in response.get_data(as_text=True), bad
    assert db.session.scalar(select(func.count(DataBreach.id))) == 0


def test_only_admins_see_the_register(db, client, auth, factory, admin):
    breach = breaches.record_breach(admin, title="x", description="y", data_kinds="tên", people_affected=None,
                                    discovered_at=datetime(2026, 12, 1, tzinfo=UTC))
    db.session.commit()
    auth.login_as(factory.user("Người Thường"))
    for path in ("/admin/compliance/breaches", f"/admin/compliance/breaches/{breach.id}"):
        assert client.get(path).status_code == 403
    assert client.post(f"/admin/compliance/breaches/{breach.id}/notified", data={"who": "authority"}).status_code == 403
