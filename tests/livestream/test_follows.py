"""Follow an organisation, the 'live now' notification in the same unit of work, the bell and the notifications page."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.accounts import notifications
from app.accounts.models import Notification
from app.errors import Conflict, NotFound, NotSignedIn
from app.livestream import follows, services
from app.livestream.models import OrganisationFollow


def test_follow_is_idempotent_and_counted(db, seller, buyer, factory):
    _, org = seller
    follows.follow(buyer, org)
    follows.follow(buyer, org)
    follows.follow(factory.user("Người thứ hai"), org)
    db.session.commit()
    assert follows.follower_count(org) == 2
    assert follows.is_following(buyer, org)
    assert follows.unfollow(buyer, org) is True
    assert follows.unfollow(buyer, org) is False
    db.session.commit()
    assert follows.follow_state(buyer, org) == {"following": False, "followers": 1}
    with pytest.raises(NotSignedIn):
        follows.follow(None, org)


def test_going_live_notifies_every_follower_in_the_same_unit_of_work(db, seller, buyer, factory, make_live):
    owner, org = seller
    other = factory.user("Không theo dõi")
    follows.follow(buyer, org)
    db.session.commit()
    live = make_live(state="scheduled")
    services.start_live(owner, live)
    db.session.commit()
    notes = db.session.scalars(select(Notification)).all()
    assert [(n.user_id, n.kind, n.link) for n in notes] == [(buyer.id, "live_started", f"/live/{live.id}")]
    assert notifications.unread_count(buyer) == 1 and notifications.unread_count(other) == 0
    from flask_babel import force_locale

    with force_locale("en"):
        assert notifications.text_of(notes[0]) == f"{org.name} is live now: {live.title}"


def test_a_rolled_back_start_notifies_nobody(db, seller, buyer, make_live):
    owner, org = seller
    follows.follow(buyer, org)
    live = make_live(state="scheduled")
    services.start_live(owner, live)
    db.session.rollback()  # the caller's unit of work failed after going live: neither happened
    assert db.session.scalar(select(func.count(Notification.id))) == 0
    assert live.state == "scheduled"
    services.start_live(owner, live)
    with pytest.raises(Conflict):
        services.start_live(owner, live)  # already on air: no second round of notifications
    db.session.commit()
    assert db.session.scalar(select(func.count(Notification.id))) == 1


def test_mark_read_only_your_own(db, buyer, factory):
    note = notifications.notify(buyer.id, "live_started", {"org": "HTX", "title": "Phiên"}, "/live/1")
    db.session.commit()
    with pytest.raises(NotFound):
        notifications.mark_read(factory.user("Người lạ"), note.id)
    with pytest.raises(NotFound):
        notifications.mark_read(buyer, "abc")
    notifications.mark_read(buyer, note.id)
    db.session.commit()
    assert notifications.unread_count(buyer) == 0


def test_links_stay_on_this_site(db, buyer):
    assert notifications.notify(buyer.id, "live_started", {}, "https://evil.example/x").link is None
    assert notifications.notify(buyer.id, "live_started", {}, "//evil.example").link is None
    with pytest.raises(ValueError):
        notifications.notify(buyer.id, "spam", {})


def test_follow_button_bell_and_notifications_page(client, auth, db, seller, buyer, make_live):
    owner, org = seller
    live = make_live(state="scheduled")
    auth.login_as(buyer)
    page = client.get(f"/live/{live.id}").get_data(as_text=True)
    assert 'data-testid="follow-button"' in page and 'data-testid="countdown"' in page
    response = client.post(f"/live/follow/{org.slug}", data={"action": "follow", "next": f"/live/{live.id}"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/live/{live.id}")
    assert db.session.scalar(select(func.count(OrganisationFollow.id))) == 1
    htmx = client.post(f"/live/follow/{org.slug}", data={"action": "follow"}, headers={"HX-Request": "true"})
    assert 'data-testid="unfollow-button"' in htmx.get_data(as_text=True)

    services.start_live(owner, db.session.merge(live))
    db.session.commit()
    home = client.get("/").get_data(as_text=True)
    assert 'data-testid="unread-count"' in home and ">1</span>" in home
    assert 'data-testid="home-lives"' in home and live.title in home
    listing = client.get("/notifications").get_data(as_text=True)
    assert live.title in listing
    note = db.session.scalars(select(Notification)).one()
    opened = client.post(f"/notifications/{note.id}/read")
    assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/live/{live.id}")
    assert 'data-testid="unread-count"' not in client.get("/").get_data(as_text=True)
    assert client.post("/notifications/999999/read").status_code == 404


def test_follow_needs_sign_in(client, seller):
    _, org = seller
    response = client.post(f"/live/follow/{org.slug}", data={"action": "follow"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/notifications").status_code == 302


def test_storefront_has_the_follow_button(client, auth, db, seller, buyer):
    _, org = seller
    page = client.get(f"/shop/o/{org.slug}").get_data(as_text=True)
    assert 'data-testid="follower-count"' in page
    auth.login_as(buyer)
    client.post(f"/live/follow/{org.slug}", data={"action": "follow", "next": f"/shop/o/{org.slug}"})
    page = client.get(f"/shop/o/{org.slug}").get_data(as_text=True)
    assert 'data-testid="unfollow-button"' in page


def test_api_follow_and_unfollow(client, db, seller, buyer):
    from app.accounts.services import issue_api_token

    _, org = seller
    raw, _ = issue_api_token(buyer, 30)
    db.session.commit()
    url = f"/api/v1/live/organisations/{org.slug}/follow"
    assert client.post(url).status_code == 401
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.post(url, headers=headers).get_json() == {"organisation": org.slug, "following": True,
                                                            "followers": 1}
    assert client.post(url, headers=headers).get_json()["followers"] == 1
    assert client.delete(url, headers=headers).get_json() == {"organisation": org.slug, "following": False,
                                                              "followers": 0}
    assert client.post("/api/v1/live/organisations/no-such-org/follow", headers=headers).status_code == 404


def test_a_practice_live_tells_no_follower(db, seller, buyer, make_live):
    owner, org = seller
    follows.follow(buyer, org)
    live = make_live(state="scheduled")
    live.is_practice = True
    services.start_live(owner, live)
    db.session.commit()
    assert db.session.scalar(select(func.count(Notification.id))) == 0


def test_notification_texts_read_in_the_readers_language(db, buyer, app):
    from flask_babel import force_locale

    served = notifications.notify(buyer.id, "waitlist_served", {"quantity": 2, "name": "Bưởi Diễn"}, "/live/cart")
    broken = notifications.notify(buyer.id, "live_started", {}, "/live/1")
    broken.data = "not json"
    with app.test_request_context("/"):
        with force_locale("en"):
            assert notifications.text_of(served).startswith("Good news: 2 × Bưởi Diễn freed up")
            assert notifications.text_of(broken) == " is live now: "
        with force_locale("vi"):
            assert notifications.text_of(served).startswith("Tin vui: đã có 2 × Bưởi Diễn")
