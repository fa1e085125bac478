"""One English word, two meanings, two Vietnamese words (issue 21): pgettext contexts keep them apart, and the seller's
buttons use the action context while badges use the status context."""
import pytest
from flask_babel import force_locale, pgettext

CASES = [
    ("live action", "Schedule", "Lên lịch"), ("class timetable", "Schedule", "Lịch học"),
    ("lesson navigation", "Next", "Bài tiếp theo"), ("page navigation", "Next", "Trang sau"),
    ("lesson navigation", "Previous", "Bài trước"), ("page navigation", "Previous", "Trang trước"),
    ("seller of a product", "Sold by", "Gian hàng:"),
    ("order action", "Mark as delivered", "Báo đã giao"), ("order status", "Delivered", "Đã giao"),
    ("order action", "Payment received", "Xác nhận đã nhận tiền"),
]


@pytest.mark.parametrize(("context", "msgid", "vietnamese"), CASES)
def test_each_context_has_its_own_vietnamese(app, context, msgid, vietnamese):
    with app.test_request_context("/"), force_locale("vi"):
        assert pgettext(context, msgid) == vietnamese
    with app.test_request_context("/"), force_locale("en"):
        assert pgettext(context, msgid)  # English shows a text too (the msgid when not translated)


def test_the_schedule_button_is_not_the_class_timetable(db, client, auth, factory):
    owner = factory.user("Chủ gian hàng")
    org = factory.org(owner)
    auth.login_as(owner)
    page = client.get(f"/live/manage/{org.slug}/new").get_data(as_text=True)
    assert '<button type="submit">Lên lịch</button>' in page and "Lịch học" not in page
