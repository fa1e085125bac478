"""Every private route, HTML and API, walked as a member of organisation A against organisation B's objects and
as a buyer against another buyer's things: always 403 or 404, and nothing in the database changes.

New routes with URL parameters must be classified here (private → walked, or PUBLIC with the reason), so a route
added later cannot slip past this check unnoticed.
"""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core.addresses import commune_province, find_commune
from app.core.dbtypes import utcnow

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
}
# Routes walked by tests/training (their objects need a course, cohort or practice run of their own).
ELSEWHERE = {
    "accounts.admin_set_role", "training.attempt", "api_training.attempt", "training.author_course",
    "training.author_course_update", "training.author_lesson", "training.author_module_add", "training.author_quiz",
    "training.certificate_revoke", "training.cohort", "training.cohort_add_member", "training.cohort_add_session",
    "training.practice_run", "training.practice_finish", "training.practice_for_live", "training.attendance",
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
