"""The live page and the console as a phone gets them: states, Chốt buttons, quick replies, the end of a live."""
from __future__ import annotations

import html
import json
import re

from sqlalchemy import select

from app.livestream import quick_replies, services
from app.livestream.models import QuickReply


def page_of(client, live):
    return client.get(f"/live/{live.id}").get_data(as_text=True)


def test_live_on_air_without_video_says_so_not_that_it_starts_later(client, auth, make_live, buyer):
    live = make_live([("A12", "Bưởi Diễn", 10, None), ("A13", "Hộp quà", 5, ["Hộp 4 quả", "Hộp 6 quả"])])
    auth.login_as(buyer)
    page = page_of(client, live)
    assert 'data-testid="no-video-note"' in page and "live starts" not in page
    assert 'data-testid="live-state" data-state="live"' in page
    assert 'data-testid="chot-A12"' in page and 'data-testid="chot-A13"' in page and 'id="chot-dialog"' in page
    assert 'data-options="[]"' in page and 'data-options="[&#34;H' in page  # A13's two options, as JSON
    assert 'data-tz="Asia/Ho_Chi_Minh"' in page


def test_watcher_gets_sign_in_instead_of_chot(client, make_live):
    live = make_live()
    page = page_of(client, live)
    assert 'data-testid="chot-A12"' not in page and 'id="chot-dialog"' not in page
    assert f'/login?next=/live/{live.id}' in page


def test_scheduled_live_counts_down_and_takes_no_orders(client, auth, make_live, buyer):
    live = make_live(state="scheduled")
    auth.login_as(buyer)
    page = page_of(client, live)
    assert 'data-testid="countdown"' in page and "chot-A12" not in page and 'data-state="scheduled"' in page


def test_ended_live_links_the_replay(client, auth, make_live, buyer):
    live = make_live(state="ended")
    auth.login_as(buyer)
    page = page_of(client, live)
    assert 'data-testid="live-ended-note"' in page and f'href="/live/{live.id}/replay" data-testid="replay-link"' in page
    assert 'id="live-comment"' not in page and "chot-A12" not in page


def test_end_button_only_on_air_and_asks_first(client, auth, make_live, seller):
    auth.login_as(seller[0])
    scheduled = make_live([("S1", "Bưởi", 5, None)], state="scheduled")
    page = client.get(f"/live/{scheduled.id}/console").get_data(as_text=True)
    assert 'id="console-end"' not in page and 'id="console-start"' in page
    on_air = make_live([("L1", "Cam", 5, None)])
    page = client.get(f"/live/{on_air.id}/console").get_data(as_text=True)
    assert 'id="console-end" class="secondary console-action" data-event="end_live" data-confirm="end"' in page
    assert "data-msg-end-confirm=" in page
    ended = make_live([("E1", "Quýt", 5, None)], state="ended")
    assert 'id="console-end"' not in client.get(f"/live/{ended.id}/console").get_data(as_text=True)


def test_quick_replies_default_edit_and_reset(client, auth, make_live, seller, db):
    owner, org = seller
    live = make_live()
    auth.login_as(owner)
    page = client.get(f"/live/{live.id}/console").get_data(as_text=True)
    defaults = quick_replies.replies_for(org)
    assert len(defaults) >= 4 and "Còn hàng ạ" in defaults[0]
    shown = re.search(r'data-replies="([^"]*)"', page).group(1)
    assert json.loads(html.unescape(shown)) == defaults
    response = client.post(f"/live/{live.id}/quick-replies",
                           data={"replies": "Dạ còn ạ\n\n  Giá …  ạ \nDạ còn ạ\nShip COD toàn quốc"})
    assert response.status_code == 302 and response.location.endswith(f"/live/{live.id}/console#console-chat")
    assert quick_replies.replies_for(org) == ["Dạ còn ạ", "Giá … ạ", "Ship COD toàn quốc"]
    client.post(f"/live/{live.id}/quick-replies", data={"replies": ""})
    assert quick_replies.replies_for(org) == defaults


def test_quick_replies_refuse_bad_input_and_strangers(client, auth, make_live, seller, buyer, db):
    owner, org = seller
    live = make_live()
    auth.login_as(buyer)
    assert client.post(f"/live/{live.id}/quick-replies", data={"replies": "x"}).status_code == 403
    auth.logout()
    auth.login_as(owner)
    client.post(f"/live/{live.id}/quick-replies", data={"replies": "\n".join(f"câu {n}" for n in range(13))})
    client.post(f"/live/{live.id}/quick-replies", data={"replies": "a" * 201})
    assert db.session.scalar(select(QuickReply.id)) is None
    assert client.post("/live/999999/quick-replies", data={"replies": "x"}).status_code == 404


def test_queue_lines_carry_the_buyer_and_confirmation(make_live, seller, buyer, db):
    from app.livestream import queries

    live = make_live()
    services.post_comment(live.id, buyer, "chốt A12", "c1", min_interval=0)
    db.session.commit()
    [line] = [queries.queue_line(r) for r in queries.held_queue(live.id)]
    assert line["user_id"] == buyer.id and line["confirmed"] is False
    services.confirm_buyer_lines(seller[0], live, buyer.id)
    db.session.commit()
    [line] = [queries.queue_line(r) for r in queries.held_queue(live.id)]
    assert line["confirmed"] is True
