"""Every private route, HTML and API, walked as a member of organisation A against organisation B's objects and
as a buyer against another buyer's things: always 403 or 404, and nothing in the database changes.

New routes with URL parameters must be classified here (private → walked, or PUBLIC with the reason), so a route
added later cannot slip past this check unnoticed. The same holds for what requests name in their bodies and
socket payloads (every /live event is listed from the namespace), and for what public live pages show: no buyer's
phone, street or full name.
"""
from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core.addresses import commune_province, find_commune
from app.core.dbtypes import utcnow
from tests.livestream.live_sockets import NS, connect  # noqa: F401  (the connect fixture: /live test clients)

# Routes anyone may open with any id, by design (public pages, or the caller's own data whatever the id says).
PUBLIC = {
    "static", "shop.static", "training.static", "media", "main.set_language",
    "shop.storefront", "shop.product", "shop.product_stock", "api_shop.product_detail",  # a draft is a 404: below
    "livestream.live_page", "livestream.claims", "livestream.replay", "livestream.replay_data",
    "livestream.replay_video", "livestream.hls_file", "livestream.join_waitlist", "livestream.follow",
    "api_live.session_detail", "api_live.cart", "api_live.join_waitlist", "api_live.follow_organisation",
    "training.course", "training.enrol", "training.course_pack", "training.verify", "training.certificate_qr",
    "training.lesson", "training.lesson_done", "training.quiz", "training.quiz_submit", "training.task_check",
    "api_training.course", "api_training.enrol", "api_training.lesson", "api_training.lesson_complete",
    "api_training.certificate",
    "livestream.report_live",  # any viewer of a live may report it (tests/livestream/test_trust.py)
    "shop_trace.lot_page", "shop_trace.digital_link",  # a lot's public page (a draft product's lot is a 404)
}
# Routes walked by tests/training (their objects need a course, cohort or practice run of their own).
ELSEWHERE = {
    "accounts.admin_set_role", "training.attempt", "api_training.attempt", "training.author_course",
    "training.author_course_update", "training.author_lesson", "training.author_module_add", "training.author_quiz",
    "training.certificate_revoke", "training.cohort", "training.cohort_add_member", "training.cohort_add_session",
    "training.practice_run", "training.practice_finish", "training.practice_for_live", "training.attendance",
    # Walked in tests/training/test_review_access.py (reviews, consent, authoring moves, the quiz API).
    "training.author_move", "training.author_remove", "training.author_restore", "training.author_export",
    "training.author_rubric", "training.author_criterion", "training.review_consent", "training.member_lives",
    "training.review_note", "api_training.quiz", "api_training.quiz_attempt", "api_training_reviews.member_reviews",
    "api_training_reviews.update_note", "api_training_reviews.delete_note",
    "compliance.document_download",  # tests/compliance/test_verification.py (owner and admins only)
    # notifications and shipping (#19): tests/shop/shipping/test_access.py walks these
    "shop.shipping_cancel", "shop.shipping_label", "shop.shipping_payout", "shipping_webhooks.carrier_webhook",
    # trust in the live (#17): tests/livestream/test_trust.py walks the report queue's actions
    "livestream.handle_report",
    # buyers' data rights (#17): tests/compliance/test_breaches.py (admins only)
    "compliance.admin_breach", "compliance.admin_breach_notified",
    # tests/shop/test_documents_lots.py (members of the product's organisation only)
    "shop.manage_document_delete", "shop.manage_document_download", "shop.manage_lot_label",
}


@pytest.fixture
def world(db, factory):
    from app.accounts.notifications import notify
    from app.livestream import services as live
    from app.livestream.models import LiveWaitlist
    from app.shop import services as shop
    from app.shop.ordering import services as ordering
    from app.shop.ordering.models import BankReview

    owner_a, owner_b = factory.user("Chủ A"), factory.user("Chủ B")
    org_a, org_b = factory.org(owner_a, name="HTX A"), factory.org(owner_b, name="HTX B")
    org_b.bank_bin, org_b.bank_account_number, org_b.bank_account_name = "970436", "0123456789", "HTX B"
    x, y = factory.user("Người X"), factory.user("Người Y")
    factory.org(x, name="HTX của X")  # X is a seller too, of another organisation

    def product(owner, org, name, code, **fields):
        return shop.create_product(owner, org, shop.ProductData(name=name, category="fruit", unit="fruit",
                                                                price=50_000, code=code, **fields), stock=5)

    prod_a = product(owner_a, org_a, "Bưởi A", "A1", status="active")
    prod_b = product(owner_b, org_b, "Cam B", "B1", status="active")
    draft_b = product(owner_b, org_b, "Nhãn B", "B2", status="draft")
    db.session.flush()
    commune = find_commune("Xã Ô Diên")
    cart = ordering.get_cart(y, None, create=True)
    ordering.add_to_cart(cart, prod_b.variants[0].id, 1)
    [order_y] = ordering.checkout(cart, y, name="Người Y", phone="0912345678", province_code=commune_province(commune),
                                  commune_code=commune, street="Thôn Đông", note=None, payment_method="vietqr",
                                  idempotency_key=uuid.uuid4().hex)
    review = BankReview(organisation_id=org_b.id, order_id=order_y.id, order_number=order_y.number, amount=1,
                        content="sai tiền", reason="amount_mismatch")
    db.session.add(review)
    live_b = live.schedule_live(owner_b, org_b, title="Live B", scheduled_at=utcnow() + timedelta(hours=1))
    lp = live.add_live_product(owner_b, live_b, prod_b)
    live.start_live(owner_b, live_b)
    db.session.flush()
    entry = LiveWaitlist(session_id=live_b.id, live_product_id=lp.id, variant_id=prod_b.variants[0].id,
                         user_id=y.id, quantity=1)
    db.session.add(entry)
    note = notify(y.id, "live_started", {"org": org_b.name, "title": live_b.title, "session_id": live_b.id},
                  f"/live/{live_b.id}")
    db.session.commit()
    return dict(owner_a=owner_a, x=x, y=y, org_a=org_a.slug, org_b=org_b.slug, prod_a=prod_a.id, prod_b=prod_b.id,
                draft_b=draft_b.id, photo_b=0, variant_b=prod_b.variants[0].id, order_y=order_y.number,
                review_b=review.id, live_b=live_b.id, entry_y=entry.id, note_y=note.id, user_b=owner_b.id)


def _values(rule, w, own_org: str) -> dict:
    """URL values pointing at organisation B's objects (or at A's organisation with B's objects inside)."""
    table = {"org_slug": own_org, "slug": own_org, "product_id": w["prod_b"], "photo_id": w["photo_b"],
             "variant_id": w["variant_b"], "number": w["order_y"], "review_id": w["review_b"],
             "session_id": w["live_b"], "entry_id": w["entry_y"], "notification_id": w["note_y"],
             "user_id": w["user_b"]}
    return {name: table[name] for name in rule.arguments}


def _snapshot(db):
    """Every row of every table except the sign-in bookkeeping a request touches (last seen, token use)."""
    db.session.expire_all()
    skip = {"login_sessions", "api_tokens"}
    return {t.name: sorted(map(tuple, db.session.execute(select(t)).all()), key=repr)
            for t in db.metadata.sorted_tables if t.name not in skip}


def _private_rules(app):
    rules = [r for r in app.url_map.iter_rules() if r.arguments - {"filename"}]
    unclassified = [r.endpoint for r in rules
                    if r.endpoint not in PUBLIC | ELSEWHERE and not set(r.arguments) <= set(_KNOWN)]
    assert unclassified == [], f"classify these routes in tests/test_authz_walk.py: {unclassified}"
    return [r for r in rules if r.endpoint not in PUBLIC | ELSEWHERE]


# API bodies that pass schema validation, so the walk reaches the permission check rather than a 422.
BODIES = {"api_shop.org_stock": {"delta": 1, "reason": "kiểm kho"}}

_KNOWN = ("org_slug", "slug", "product_id", "photo_id", "variant_id", "number", "review_id", "session_id",
          "entry_id", "notification_id", "user_id")


@pytest.mark.parametrize("caller", ["owner_a", "x"])
def test_every_private_route_refuses_other_people(app, client, auth, db, world, caller):
    auth.login_as(world[caller])
    before = _snapshot(db)
    seen = []
    for rule in _private_rules(app):
        for own_org in {world["org_b"], world["org_a"]}:
            if not ({"org_slug", "slug"} & rule.arguments) and own_org == world["org_a"]:
                continue  # no organisation in the URL: one walk is enough
            if own_org == world["org_a"] and caller == "x":
                continue  # X is not a member of A either; the B walk covers X
            if own_org == world["org_a"] and not (rule.arguments - {"org_slug", "slug"}):
                continue  # A's own pages are A's to use
            url = app.url_map.bind("localhost").build(rule.endpoint, _values(rule, world, own_org))
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                body = BODIES.get(rule.endpoint)
                response = client.open(url, method=method, json=body) if body is not None else \
                    client.open(url, method=method, data={} if method != "GET" else None)
                seen.append((method, url, response.status_code))
    wrong = [s for s in seen if s[2] not in (403, 404)]
    assert wrong == [], wrong
    assert len(seen) >= 45, len(seen)
    assert _snapshot(db) == before


def test_a_draft_product_of_another_organisation_is_not_found(client, auth, world):
    auth.login_as(world["owner_a"])
    assert client.get(f"/shop/p/{world['draft_b']}").status_code == 404
    assert client.get(f"/shop/p/{world['draft_b']}/stock").status_code == 404
    assert client.get(f"/api/v1/products/{world['draft_b']}").status_code == 404


# Objects named in request bodies and socket payloads, and what public pages show (#12 "close the class") -------------

TYPED = "chốt B1 x1 sdt 0987654321 giao số 12 ngõ 5 đường Láng"
TIMESTAMP_FRACTION = re.compile(r"(?<=\d\d:\d\d:\d\d)\.\d+")
PERSONAL = ("0987654321", "7654", "ngõ 5", "số 12", "đường Láng", "Người Y")  # Y's phone, street and full name


@pytest.fixture
def live_world(world, db, factory):
    """Organisation B's live on air with buyer Y's comment (phone and street in it) and held line, buyer X's own held
    line, a running flash sale, Y muted, a banned buyer; organisation A's own live; an ended live of B with a replay."""
    from app.accounts.models import User
    from app.livestream import flash as flash_sales
    from app.livestream import moderation, video
    from app.livestream import services as live
    from app.livestream.models import ChatMessage, LiveRecording, LiveReservation, LiveSession
    from app.shop.models import Product

    owner_b = db.session.get(User, world["user_b"])
    y, x, owner_a = (db.session.get(User, world[k].id) for k in ("y", "x", "owner_a"))
    live_b = db.session.get(LiveSession, world["live_b"])
    ack_y = live.post_comment(live_b.id, y, TYPED, "y1", min_interval=0)
    assert ack_y["ok"] and ack_y["reserved"], ack_y
    assert live.post_comment(live_b.id, x, "chốt B1", "x1", min_interval=0)["reserved"]
    moderation.mute_user(owner_b, live_b, y.id, 30)
    z = factory.user("Người Z")
    moderation.ban_user(owner_b, live_b, z.id)
    flash_sales.start_flash_sale(owner_b, live_b, "B1", price=1000, seconds=300, per_buyer_cap=1)
    live_a = _live_of(db, owner_a, world["org_a"], world["prod_a"])
    # An ended live of B with Y's comment and a replay, for the replay page.
    past = live.schedule_live(owner_b, live_b.organisation, title="Live B hôm qua",
                              scheduled_at=utcnow() - timedelta(hours=2))
    live.add_live_product(owner_b, past, db.session.get(Product, world["prod_b"]), live_code="C1", allotment=1)
    live.start_live(owner_b, past)
    assert live.post_comment(past.id, y, TYPED.replace("B1", "C1"), "y-past", min_interval=0)["ok"]
    stream, _ = video.issue_stream_key(owner_b, past)
    stream.replay_file = "replay-walk.mp4"
    db.session.add(LiveRecording(session_id=past.id, file_name="rec-walk.flv", started_at=utcnow() - timedelta(hours=1),
                                 duration_ms=3 * 3600 * 1000, state="joined"))
    live.end_live(owner_b, past)
    db.session.commit()
    message_y = db.session.scalar(select(ChatMessage.id).where(ChatMessage.session_id == live_b.id,
                                                               ChatMessage.user_id == y.id))
    line_y, line_x = (db.session.scalar(select(LiveReservation.id).where(LiveReservation.session_id == live_b.id,
                                                                         LiveReservation.user_id == u.id))
                      for u in (y, x))
    return dict(world, live_a=live_a, past_b=past.id, message_y=message_y, line_y=line_y, line_x=line_x,
                y_id=y.id, z_id=z.id)


def _live_of(db, owner, org_slug, product_id):
    from app.accounts.services import get_organisation
    from app.livestream import services as live
    from app.shop.models import Product

    own = live.schedule_live(owner, get_organisation(org_slug), title="Live A", scheduled_at=utcnow() + timedelta(hours=1))
    live.add_live_product(owner, own, db.session.get(Product, product_id))
    live.start_live(owner, own)
    db.session.flush()
    return own.id


# Every /live socket event, by who may send it. A seller event maps to (the payload sent to organisation B's live,
# naming B's objects; the payload sent to the caller's own live naming B's objects, or None when it names none).
SELLER_EVENTS = {
    "start_live": (lambda w: {}, None),
    "end_live": (lambda w: {}, None),
    "console_tick": (lambda w: {}, None),
    "set_slow_mode": (lambda w: {"seconds": 30}, None),
    "seller_reply": (lambda w: {"text": "Shop B đây", "client_id": "walk"}, None),
    "pin_product": (lambda w: {"code": "B1", "pinned": True}, lambda w: {"code": "B1", "pinned": True}),
    "hide_message": (lambda w: {"message_id": w["message_y"]}, lambda w: {"message_id": w["message_y"]}),
    "cancel_reservation": (lambda w: {"reservation_id": w["line_y"], "reason": "sold_out"},
                           lambda w: {"reservation_id": w["line_y"], "reason": "sold_out"}),
    "confirm_buyer": (lambda w: {"user_id": w["y_id"]}, lambda w: {"user_id": w["y_id"]}),
    "start_flash_sale": (lambda w: {"code": "B1", "price": 500, "seconds": 60, "per_buyer_cap": 1},
                         lambda w: {"code": "B1", "price": 500, "seconds": 60, "per_buyer_cap": 1}),
    "stop_flash_sale": (lambda w: {"code": "B1"}, lambda w: {"code": "B1"}),
    "mute_user": (lambda w: {"user_id": w["z_id"], "minutes": 10}, None),
    "unmute_user": (lambda w: {"user_id": w["y_id"]}, None),
    "ban_user": (lambda w: {"user_id": w["y_id"]}, None),
    "unban_user": (lambda w: {"user_id": w["z_id"]}, None),
    "show_warning": (lambda w: {"preset": "under_3", "code": "B1"}, lambda w: {"preset": "under_3", "code": "B1"}),
    "clear_warning": (lambda w: {}, None),
}
BUYER_EVENTS = {"comment"}  # walked in test_a_buyers_comment_reaches_only_their_own_lines


def test_every_socket_event_is_walked():
    from app.livestream.events import LiveNamespace

    handlers = {name[3:] for name in dir(LiveNamespace)
                if name.startswith("on_") and name not in ("on_connect", "on_disconnect", "on_event")}
    assert handlers == set(SELLER_EVENTS) | BUYER_EVENTS, "classify new /live events in tests/test_authz_walk.py"


@pytest.mark.parametrize("caller", ["owner_a", "x"])
def test_every_seller_event_from_another_organisation_is_refused(db, live_world, connect, caller):
    w = live_world
    into_b = connect(w["live_b"], w[caller])
    own = connect(w["live_a"], w["owner_a"]) if caller == "owner_a" else None
    listener = connect(w["live_b"])  # a watcher of B's live: nothing may be broadcast to it
    before = _snapshot(db)  # after the joins (a new viewer peak is a write of its own)
    for sock in (into_b, listener) + ((own,) if own else ()):
        sock.get_received(NS)
    refused = []
    for event, (to_b, to_own) in SELLER_EVENTS.items():
        ack = into_b.emit(event, to_b(w), namespace=NS, callback=True)
        refused.append((event, "B's live", ack.get("ok"), (ack.get("error") or {}).get("code")))
        if own is not None and to_own is not None:  # A's own console, naming B's objects
            ack = own.emit(event, to_own(w), namespace=NS, callback=True)
            refused.append((event, "own live", ack.get("ok"), (ack.get("error") or {}).get("code")))
    wrong = [r for r in refused if r[2] is not False
             or r[3] not in ("not_a_member", "unknown_code", "not_found", "unknown_reservation", "not_held")]
    assert wrong == [], wrong
    assert [r[3] for r in refused if r[1] == "B's live"] == ["not_a_member"] * len(SELLER_EVENTS)
    assert [e["name"] for e in listener.get_received(NS) if e["name"] != "stats"] == []
    assert _snapshot(db) == before


def test_a_member_of_another_organisation_gets_no_console_events(app, db, live_world, connect, monkeypatch):
    from sqlalchemy import delete

    from app.accounts.models import User
    from app.livestream.models import LiveMute

    w = live_world
    outsider = connect(w["live_b"], w["owner_a"])
    y = connect(w["live_b"], db.session.get(User, w["y_id"]))
    outsider.get_received(NS)
    db.session.execute(delete(LiveMute))  # Y may speak again
    db.session.commit()
    monkeypatch.setitem(app.config, "LIVE_COMMENT_MIN_INTERVAL", 0)
    y.emit("comment", {"text": "còn B1 không shop", "client_id": "y2"}, namespace=NS, callback=True)
    got = [e["name"] for e in outsider.get_received(NS)]
    assert "message" in got and not {"order", "stats", "user_muted"} & set(got)


def test_a_buyers_comment_reaches_only_their_own_lines(app, db, live_world, connect, monkeypatch):
    """X cancels "everything" and B1 and re-sends Y's client_id: only X's own line goes, Y's ack is not X's."""
    import json

    from app.accounts.models import User
    from app.livestream.models import ChatMessage, LiveReservation

    w = live_world
    monkeypatch.setitem(app.config, "LIVE_COMMENT_MIN_INTERVAL", 0)
    x = connect(w["live_b"], db.session.get(User, w["x"].id))
    first = x.emit("comment", {"text": "hủy hết", "client_id": "x2"}, namespace=NS, callback=True)
    assert [c["code"] for c in first.get("cancelled", [])] == ["B1"]
    again = x.emit("comment", {"text": "hủy B1", "client_id": "x3"}, namespace=NS, callback=True)
    assert again["ok"] is False and again["error"]["code"] == "nothing_to_cancel"
    stolen = x.emit("comment", {"text": "chào shop", "client_id": "y1"}, namespace=NS, callback=True)
    y_message = db.session.get(ChatMessage, w["message_y"])
    assert stolen.get("message_id") != y_message.id and stolen != json.loads(y_message.ack_json)
    db.session.expire_all()
    statuses = dict(db.session.execute(select(LiveReservation.id, LiveReservation.status)).all())
    assert statuses[w["line_y"]] == "held" and statuses[w["line_x"]] == "cancelled"


def test_a_checkout_naming_another_buyers_held_line_is_refused(app, db, live_world):
    """The live cart checkout (page and API) with Y's held line among X's: refused, nothing changes."""
    from tests.conftest import AuthActions

    w = live_world
    commune = find_commune("Xã Ô Diên")
    page = app.test_client()
    AuthActions(page, None).login_as(w["x"])
    before = _snapshot(db)
    for lines in ([w["line_y"]], [w["line_x"], w["line_y"]]):
        response = page.post("/live/cart", data={
            "line": [str(i) for i in lines], "name": "Người X", "phone": "0912345679",
            "province_code": str(commune_province(commune)), "commune_code": str(commune), "street": "Thôn Tây",
            "payment_method": "cod", "idempotency_key": uuid.uuid4().hex, "consent": "y"})
        assert response.status_code == 422, response.status_code
        response = page.post("/api/v1/live/cart/checkout", json={
            "lines": lines, "name": "Người X", "phone": "0912345679", "province_code": commune_province(commune),
            "commune_code": commune, "street": "Thôn Tây", "payment_method": "cod",
            "idempotency_key": uuid.uuid4().hex})
        assert response.status_code in (400, 403, 404, 409), response.status_code
    assert _snapshot(db) == before


def test_a_product_of_another_organisation_cannot_be_put_on_ones_own_live(app, db, live_world):
    from tests.conftest import AuthActions

    w = live_world
    page = app.test_client()
    AuthActions(page, None).login_as(w["owner_a"])
    before = _snapshot(db)
    response = page.post(f"/live/{w['live_a']}/products", data={"product_id": str(w["prod_b"]), "live_code": "Z9"})
    assert response.status_code in (403, 404, 422)
    assert _snapshot(db) == before


@pytest.mark.parametrize("caller", [None, "x", "owner_a"])
def test_public_live_pages_show_no_buyers_phone_or_street(app, db, live_world, caller):
    """What non-members see of B's lives: the live page, claims, replay, the API: Y's comment masked, Y's name too."""
    from tests.conftest import AuthActions

    w = live_world
    who = app.test_client()
    if caller:
        AuthActions(who, None).login_as(w[caller])
    paths = [f"/live/{w['live_b']}", f"/live/{w['past_b']}", f"/live/{w['past_b']}/replay",
             f"/live/{w['past_b']}/replay.json", f"/api/v1/live/sessions/{w['live_b']}", "/api/v1/live/sessions",
             "/live/", "/"]
    if caller:
        paths += [f"/live/{w['live_b']}/claims", f"/live/{w['past_b']}/claims", "/api/v1/live/cart",
                  f"/api/v1/live/sessions/{w['live_b']}/cart"]
    seen = {}
    for path in paths:
        response = who.get(path)
        assert response.status_code == 200, (path, response.status_code)
        # Times carry microseconds (".476543+00:00"), which may hold any four digits: they are not what is looked for.
        body = TIMESTAMP_FRACTION.sub("", response.get_data(as_text=True))
        seen[path] = [p for p in PERSONAL if p in body]
    assert {p: s for p, s in seen.items() if s} == {}
    shown = who.get(f"/live/{w['past_b']}/replay.json").get_json()["chat"]
    assert shown and all("0987 *** 321" in c["text"] and c["user"] == "Y ***" for c in shown)


# Personal identity numbers (#16): a verified household's ID number and tax code appear to its owner and the admins,
# never in a page or API answer anyone else can get -----------------------------------------------------------------

ID_NUMBER, TAX_CODE = "079203001234", "8765432109"


@pytest.fixture
def identity_world(world, db, factory):
    """Organisation B as a verified household business on a marketplace, with its ID number and tax code on file."""
    from datetime import date

    from app.accounts.models import User
    from app.accounts.services import get_organisation
    from app.compliance import settings, verification
    from app.core.storage import get_storage

    admin = factory.user("Quản trị", is_admin=True)
    owner_b = db.session.get(User, world["user_b"])
    org_b = get_organisation(world["org_b"])
    org_b.kind = "household"
    settings.choose_mode(None, "marketplace", date(2025, 7, 1))
    verification.submit(owner_b, org_b, tax_code=TAX_CODE, id_number=ID_NUMBER, representative_name="Chủ B")
    verification.add_document(owner_b, org_b, "business_registration", b"%PDF-1.4\n%%EOF\n", get_storage())
    verification.review(admin, org_b, "approved")
    db.session.commit()
    return dict(world, admin=admin, owner_b=owner_b)


@pytest.mark.parametrize("caller", [None, "x", "owner_a"])
def test_identity_numbers_are_in_no_page_or_api_answer_of_anyone_but_the_owner(app, db, identity_world, caller):
    from tests.conftest import AuthActions

    w = identity_world
    who = app.test_client()
    if caller:
        AuthActions(who, None).login_as(w[caller])
    adapter = app.url_map.bind("localhost")
    seen, leaks = 0, []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in ("static", "media") or rule.endpoint.endswith(".static"):
            continue
        if not set(rule.arguments) <= set(_KNOWN):
            continue  # the download of a paper: walked in tests/compliance (owner and admins only)
        for own_org in {w["org_b"], w["org_a"]}:
            path = adapter.build(rule.endpoint, _values(rule, w, own_org))
            body = who.get(path).get_data().decode("utf-8", "replace")  # the "my data" zip too
            seen += 1
            if ID_NUMBER in body or TAX_CODE in body or ID_NUMBER[-6:] in body:
                leaks.append(path)
    assert leaks == [] and seen > 60, (leaks, seen)


def test_the_owner_and_admins_do_see_the_numbers(app, db, identity_world):
    """The check above would pass vacuously if the numbers were never shown at all."""
    from tests.conftest import AuthActions

    w = identity_world
    for user, path in [(w["owner_b"], f"/compliance/{w['org_b']}/verification"),
                       (w["admin"], f"/admin/compliance/verifications/{w['org_b']}")]:
        client = app.test_client()
        AuthActions(client, None).login_as(user)
        body = client.get(path).get_data(as_text=True)
        assert ID_NUMBER in body and TAX_CODE in body, path
