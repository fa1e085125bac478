"""Write-side practice live: the trainee's sandbox, starting a run, delivering simulated comments, finishing with
the score card (scorecard.py)."""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...accounts.models import Membership, User
from ...accounts.services import create_organisation
from ...core.dbtypes import utcnow
from ...errors import DomainError, Forbidden, InvalidInput, NotFound, NotSignedIn
from ...extensions import db
from ...livestream import services as live_services
from ...livestream.models import LiveReservation
from ...shop import inventory
from ...shop import services as shop_services
from ...shop.models import Product
from . import scorecard
from .generator import ProductSpec, generate_script, race_code
from .models import PACES, PracticeBuyer, PracticeComment, PracticeRun, PracticeSandbox

MAX_PRODUCTS = 6
MIN_PRODUCTS = 3
SANDBOX_STOCK = {"calm": 10, "busy": 12, "flash": 8}  # units per product on the practice live, at least
RACE_STOCK = 6  # units of the product two buyers end up racing for
PRACTICE_UNITS = 36  # ... and about this many in all when the trainee brings few products

# Simulated buyers: data, not interface text (they speak Vietnamese whatever the trainee's language).
PERSONAS = (
    ("hoa", "Nguyễn Thị Hoa"), ("nam", "Trần Văn Nam"), ("thu", "Lê Thị Thu"), ("tuan", "Phạm Minh Tuấn"),
    ("lan", "Hoàng Thị Lan"), ("hung", "Đỗ Văn Hùng"), ("mai", "Vũ Thị Mai"), ("hanh", "Bùi Thị Hạnh"),
    ("long", "Đặng Văn Long"), ("yen", "Ngô Thị Yến"), ("nga", "Dương Thị Nga"), ("phuc", "Lý Văn Phúc"),
)
# When the trainee has no product of their own: typical goods of a commune near Hanoi.
DEMO_PRODUCTS = (
    ("B1", "Bưởi Diễn", "fruit", "fruit", 60_000, ()),
    ("G2", "Gạo nếp cái hoa vàng", "rice", "kg", 35_000, (("1kg", None), ("2kg", 68_000))),
    ("C3", "Chè Thái Nguyên", "tea", "pack", 120_000, (("100g", None), ("200g", 230_000))),
    ("M4", "Mật ong rừng", "processed", "bottle", 180_000, ()),
    ("R5", "Rổ tre đan", "handicraft", "piece", 45_000, (("Nhỏ", None), ("Lớn", 65_000))),
)


class PracticeRunning(DomainError):
    status = 409
    code = "practice_running"
    default_message = _l("You already have a practice live running. Finish it first.")


# Sandbox -------------------------------------------------------------------------------------------------

def _require_user(user: User | None) -> User:
    if user is None or not getattr(user, "is_authenticated", False):
        raise NotSignedIn()
    return user


def sandbox_for(user: User) -> PracticeSandbox:
    """The trainee's hidden practice organisation, made on first use; nothing real ever points into it."""
    sandbox = db.session.scalar(select(PracticeSandbox).where(PracticeSandbox.user_id == user.id))
    if sandbox is None:
        org = create_organisation(user, name=_("Practice stall of %(name)s", name=user.name)[:160],
                                  kind="household", commune_code=None)
        org.is_sandbox = True
        sandbox = PracticeSandbox(user_id=user.id, organisation_id=org.id, organisation=org)
        db.session.add(sandbox)
        db.session.flush()
    return sandbox


def _enter_sandbox(user: User, sandbox: PracticeSandbox) -> None:
    """The trainee is a member of their sandbox only while a practice live runs (the console needs membership);
    between runs they cannot publish its copies in the shop or add anyone to it."""
    if db.session.scalar(select(Membership.id).where(Membership.user_id == user.id,
                                                     Membership.organisation_id == sandbox.organisation_id)) is None:
        db.session.add(Membership(user_id=user.id, organisation_id=sandbox.organisation_id, role="owner"))
        db.session.flush()


def _leave_sandbox(user: User, sandbox: PracticeSandbox) -> None:
    """Back to draft whatever was published meanwhile, then nobody is a member until the next practice."""
    for product in db.session.scalars(select(Product).where(Product.organisation_id == sandbox.organisation_id,
                                                           Product.status != "draft")):
        shop_services.set_status(user, product, "draft")
    for member in db.session.scalars(select(Membership).where(Membership.organisation_id == sandbox.organisation_id)):
        db.session.delete(member)
    db.session.flush()


def own_products(user: User) -> list[Product]:
    """The trainee's real products (any organisation they belong to, never a sandbox), newest first."""
    sandboxes = select(PracticeSandbox.organisation_id)
    return list(db.session.scalars(
        select(Product).join(Membership, Membership.organisation_id == Product.organisation_id)
        .where(Membership.user_id == user.id, Product.status != "archived",
               Product.organisation_id.not_in(sandboxes))
        .order_by(Product.created_at.desc(), Product.id.desc()).limit(50)))


def ensure_buyers() -> list[User]:
    """The simulated buyers, created once: e-mail under .invalid and no usable password, so nobody signs in as them."""
    have = {b.persona: b.user for b in db.session.scalars(select(PracticeBuyer))}
    users = []
    for key, name in PERSONAS:
        user = have.get(key)
        if user is None:
            user = User(name=name, email=f"khach-ao-{key}@practice.invalid", password_hash="!", locale="vi")
            db.session.add(user)
            db.session.flush()
            db.session.add(PracticeBuyer(persona=key, user_id=user.id))
        users.append(user)
    db.session.flush()
    return users


def _copy_into_sandbox(user: User, sandbox: PracticeSandbox, source: Product | tuple[Any, ...], stock: int) -> Product:
    """A draft copy (same code, name, options, prices) in the sandbox, topped up to `stock` per option.

    Draft products never show in the shop or go into a cart; stock moves only through the inventory service."""
    org = sandbox.organisation
    if isinstance(source, Product):
        code, name, category, unit, price = source.code, source.name, source.category, source.unit, source.price
        options = [(v.label, v.price) for v in source.active_variants if v.label]
    else:
        code, name, category, unit, price, options = source
    copy = db.session.scalar(select(Product).where(Product.organisation_id == org.id, Product.code == code))
    data = shop_services.ProductData(name=name, category=category, unit=unit, price=price, code=code,
                                     status="draft")
    if copy is None:
        copy = shop_services.create_product(user, org, data)
    else:
        shop_services.update_product(user, copy, data)
        if copy.status != "draft":
            shop_services.set_status(user, copy, "draft")
    if options:
        wanted = {label for label, _ in options}
        for variant in copy.active_variants:
            db.session.refresh(variant)
            if variant.label not in wanted and variant.available:
                # An option renamed or dropped since the last practice: its practice stock goes first.
                inventory.adjust_stock(variant, -variant.available, user, "practice live: option no longer sold")
        current = {v.label: v.id for v in copy.variants if v.is_active and v.label}
        shop_services.set_variants(user, copy, [shop_services.VariantRow(current.get(label), label, vprice)
                                                for label, vprice in options])
    for variant in copy.active_variants:
        db.session.refresh(variant)
        if variant.available < stock:
            inventory.receive_stock(variant, stock - variant.available, user, "practice live sandbox stock")
    db.session.flush()
    return copy


# Runs ----------------------------------------------------------------------------------------------------

def running_run(user: User) -> PracticeRun | None:
    return db.session.scalar(select(PracticeRun).where(PracticeRun.user_id == user.id,
                                                       PracticeRun.status == "running"))


def start_practice(user: User | None, *, pace: Any, product_ids: list[int] | None = None, seed: int | None = None,
                   now: datetime | None = None) -> PracticeRun:
    """Copy the chosen products (or demo goods) into the sandbox, open a private live on air and script its buyers."""
    user = _require_user(user)
    if pace not in PACES:
        raise InvalidInput(_l("Please choose a pace: calm, busy or flash sale."), code="invalid_pace", field="pace")
    running = running_run(user)
    if running is not None:
        if running.session.state != "ended":
            raise PracticeRunning()
        finish_practice(user, running, now=now)
    now = now or utcnow()
    mine = {p.id: p for p in own_products(user)}
    wanted = [int(i) for i in (product_ids or []) if isinstance(i, int) or str(i).isdigit()]
    if any(i not in mine for i in wanted):
        # Someone else's product id, or one of the sandbox's own copies: never copied, never touched.
        raise Forbidden(_l("You can only practise with your own products."), code="foreign_product")
    by_code: dict[str, Product] = {}
    for product in [mine[i] for i in wanted] or list(mine.values()):
        by_code.setdefault(product.code, product)  # two organisations may use the same code: one copy each
    sources: list[Product | tuple[Any, ...]] = [*list(by_code.values())[:MAX_PRODUCTS]]
    # With fewer than three products a live is thin: sample goods fill in (codes that do not clash).
    demo = [d for d in DEMO_PRODUCTS if d[0] not in by_code]
    sources += demo[:max(0, MIN_PRODUCTS - len(sources))] if sources else demo

    sandbox = sandbox_for(user)
    _enter_sandbox(user, sandbox)
    # Enough practice stock for a real session whatever the number of products; flash sales still sell out.
    stock = max(SANDBOX_STOCK[pace], PRACTICE_UNITS // len(sources))
    copies = [_copy_into_sandbox(user, sandbox, source, stock) for source in sources]
    live = live_services.schedule_live(user, sandbox.organisation, title=_("Practice live · %(pace)s",
                                                                           pace=pace_label(pace)),
                                       scheduled_at=now)
    live.is_practice = True
    raced = race_code([ProductSpec(c.code, c.name, tuple(v.label for v in c.active_variants if v.label))
                       for c in copies])
    for copy in copies:
        # The product of the race has little stock, so it sells out during the live and the last unit is fought over.
        live_services.add_live_product(user, live, copy, allotment=min(stock, RACE_STOCK) if copy.code == raced
                                       else stock)
    live_services.start_live(user, live, now=now)

    seed = seed if isinstance(seed, int) else random.SystemRandom().randrange(1, 2**31 - 1)
    buyers = ensure_buyers()
    specs = [ProductSpec(lp.live_code, lp.product.name, tuple(v.label for v in lp.product.active_variants if v.label),
                         lp.allotment) for lp in live.products]
    run = PracticeRun(user_id=user.id, sandbox_id=sandbox.id, session_id=live.id, pace=pace, seed=seed,
                      status="running", started_at=now)
    db.session.add(run)
    for line in generate_script(specs, pace, seed, buyers=len(buyers)):
        run.comments.append(PracticeComment(seq=line.seq, at_ms=line.at_ms, buyer_user_id=buyers[line.buyer].id,
                                            text=line.text, intent=line.intent, expected=line.expected))
    db.session.flush()
    return run


def pace_label(pace: str) -> str:
    return str({"calm": _("calm"), "busy": _("busy"), "flash": _("flash sale")}.get(pace, pace))


def get_run(viewer: User | None, run_id: Any, *, manage: bool = False) -> PracticeRun:
    """A run its trainee may open (and manage); trainers and admins may look. Others get 404, as if it did not exist."""
    viewer = _require_user(viewer)
    run = (db.session.get(PracticeRun, int(run_id))
           if (isinstance(run_id, int) or str(run_id).isdigit()) and 0 < int(run_id) < 2**31 else None)
    if run is None:
        raise NotFound(_l("We could not find that practice live."), code="unknown_practice")
    if run.user_id != viewer.id and (manage or not (viewer.is_trainer or viewer.is_admin)):
        raise NotFound(_l("We could not find that practice live."), code="unknown_practice")
    return run


def run_for_live(viewer: User | None, session_id: Any) -> PracticeRun:
    live = live_services.get_session(session_id)
    run = db.session.scalar(select(PracticeRun).where(PracticeRun.session_id == live.id))
    if run is None:
        raise NotFound(_l("We could not find that practice live."), code="unknown_practice")
    return get_run(viewer, run.id)


@dataclass
class Delivered:
    """A simulated comment that reached the chat: what to broadcast after the commit."""

    session_id: int
    payload: dict[str, Any] | None
    ack: dict[str, Any]


def _deliver(run: PracticeRun, comment: PracticeComment, now: datetime) -> Delivered:
    from ...livestream import queries as live_queries

    try:
        with db.session.begin_nested():
            ack, message = live_services.submit_comment(run.session_id, comment.buyer, comment.text,
                                                        f"practice-{run.id}-{comment.seq}", min_interval=0, now=now,
                                                        allow_practice=True)
    except DomainError as exc:
        # The trainee muted or blocked this buyer, or slow mode dropped the comment: as in a real live, it is gone.
        ack, message = {"ok": False, "error": {"code": exc.code, "message": str(exc.message)}}, None
    comment.delivered_at = now
    comment.message_id = message.id if message is not None else comment.message_id
    db.session.flush()
    return Delivered(run.session_id, live_queries.message_payload(message) if message is not None else None, ack)


def due_comments(run: PracticeRun, now: datetime) -> list[PracticeComment]:
    elapsed_ms = (now - run.started_at).total_seconds() * 1000
    return [c for c in run.comments if c.delivered_at is None and c.at_ms <= elapsed_ms]


def deliver_due(run: PracticeRun, now: datetime | None = None, limit: int = 20) -> list[Delivered]:
    """Every scripted comment whose time has come, oldest first (the background driver's tick)."""
    now = now or utcnow()
    if run.status != "running" or run.session.state != "live":
        return []
    return [_deliver(run, c, now) for c in due_comments(run, now)[:limit]]


def deliver_next(run: PracticeRun, now: datetime | None = None) -> Delivered | None:
    """The next scripted comment whatever its time (tests and the 'next comment' step drive the live this way)."""
    if run.status != "running" or run.session.state != "live":
        return None
    pending = [c for c in run.comments if c.delivered_at is None]
    return _deliver(run, pending[0], now or utcnow()) if pending else None


def is_done(run: PracticeRun) -> bool:
    return run.status != "running" or run.session.state != "live" or all(c.delivered_at for c in run.comments)


def finish_practice(user: User | None, run: PracticeRun, now: datetime | None = None) -> PracticeRun:
    """End the practice live if it is still on air and store the score card; finishing twice changes nothing."""
    user = _require_user(user)
    if run.user_id != user.id:
        raise NotFound(_l("We could not find that practice live."), code="unknown_practice")
    if run.status == "finished":
        return run
    live = run.session
    if live.state != "ended":
        live_services.end_live(user, live, now=now)
    result = scorecard.score(run)
    # The lines simulated buyers still hold go back to the sandbox shelf: nobody will ever check them out.
    for reservation in db.session.scalars(select(LiveReservation).where(LiveReservation.session_id == run.session_id,
                                                                        LiveReservation.status == "held")):
        live_services.release_reservation(reservation, "cancelled", f"practice {run.id} finished", actor=user)
    run.result = result
    run.orders_expected, run.orders_correct = result["orders_expected"], result["orders_correct"]
    run.status, run.finished_at = "finished", now or utcnow()
    _leave_sandbox(user, run.sandbox)
    db.session.flush()
    return run
