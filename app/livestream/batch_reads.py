"""What a run of the batch's fast lane reads (batch_fast.py): a few statements for all its comments, then the checks
that leave a comment to the per-comment path (a stored client_id, a ban, a mute, the rate gate)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, tuple_

from ..accounts.models import User
from ..errors import RateLimited
from ..extensions import db
from ..shop.models import Variant
from .models import ChatMessage, LiveBan, LiveCommentGate, LiveMute, LiveProduct, LiveReservation, LiveSession
from .parser import ParsedComment
from .services.comments import _interval, rate_refusal

HELD = ("held", "checked_out")


@dataclass
class Candidate:
    """One comment that passed the checks needing no database: what it is, for the run's reads and decision."""

    index: int
    item: Any
    user: User
    live: LiveSession
    text: str
    client_id: str
    now: datetime
    parsed: ParsedComment
    kind: str
    by_code: dict[str, LiveProduct]
    lines: list[tuple[LiveProduct, Variant, int]] = field(default_factory=list)


def _aware(value: datetime | None, now: datetime) -> datetime | None:
    return value.replace(tzinfo=now.tzinfo) if value is not None and value.tzinfo is None else value


class RunState:
    """What the run read: per buyer and live, and the counters, changed in memory as comments are decided."""

    def __init__(self, cands: list[Candidate]) -> None:
        session = db.session
        lives = {c.live.id for c in cands}
        users = {c.user.id for c in cands}
        orgs = {c.live.organisation_id for c in cands}
        keys = [(c.live.id, c.user.id, c.client_id) for c in cands]
        self.stored = {tuple(row) for row in session.execute(
            select(ChatMessage.session_id, ChatMessage.user_id, ChatMessage.client_id)
            .where(tuple_(ChatMessage.session_id, ChatMessage.user_id, ChatMessage.client_id).in_(keys)))}
        self.last = {(s, u): t for s, u, t in session.execute(
            select(ChatMessage.session_id, ChatMessage.user_id, func.max(ChatMessage.created_at))
            .where(ChatMessage.session_id.in_(lives), ChatMessage.user_id.in_(users))
            .group_by(ChatMessage.session_id, ChatMessage.user_id))}
        self.gates = {(s, u): t for s, u, t in session.execute(
            select(LiveCommentGate.session_id, LiveCommentGate.user_id, LiveCommentGate.last_comment_at)
            .where(LiveCommentGate.session_id.in_(lives), LiveCommentGate.user_id.in_(users)))}
        self.banned = {tuple(row) for row in session.execute(
            select(LiveBan.organisation_id, LiveBan.user_id)
            .where(LiveBan.organisation_id.in_(orgs), LiveBan.user_id.in_(users)))}
        self.muted = {(s, u): t for s, u, t in session.execute(
            select(LiveMute.session_id, LiveMute.user_id, LiveMute.until)
            .where(LiveMute.session_id.in_(lives), LiveMute.user_id.in_(users)))}
        self.lp_of_live: dict[int, list[tuple[int, str, int]]] = {}
        self.lps_of_product: dict[int, list[tuple[int, int, str]]] = {}  # product → (live, live product, code)
        self._stock: dict[int, dict[str, int]] = {}  # live → code → units left, kept current as lines are taken
        self.granted: dict[int, int] = {}
        self.used: dict[int, int] = {}
        self.on_shelf: dict[int, int] = {}
        self.shelf_of: dict[int, list[int]] = {}  # product id → its active variants' ids
        self.held: dict[tuple[int, int], int] = {}
        if any(c.lines for c in cands):
            for lp_id, live_id, code, product_id, allotment, used in session.execute(
                    select(LiveProduct.id, LiveProduct.session_id, LiveProduct.live_code, LiveProduct.product_id,
                           LiveProduct.allotment, LiveProduct.allotment_used)
                    .where(LiveProduct.session_id.in_(lives)).order_by(LiveProduct.id)):
                self.lp_of_live.setdefault(live_id, []).append((lp_id, code, product_id))
                self.lps_of_product.setdefault(product_id, []).append((live_id, lp_id, code))
                self.granted[lp_id], self.used[lp_id] = int(allotment), int(used)
            products = {p for rows in self.lp_of_live.values() for _, _, p in rows}
            for vid, product_id, available, active in session.execute(
                    select(Variant.id, Variant.product_id, Variant.available, Variant.is_active)
                    .where(Variant.product_id.in_(products))):
                self.on_shelf[vid] = int(available)
                if active:
                    self.shelf_of.setdefault(product_id, []).append(vid)
            capped = {lp.id for c in cands for lp, _, _ in c.lines if lp.per_buyer_limit is not None}
            if capped:
                self.held = {(lp_id, u): int(q) for lp_id, u, q in session.execute(
                    select(LiveReservation.live_product_id, LiveReservation.user_id,
                           func.sum(LiveReservation.quantity))
                    .where(LiveReservation.live_product_id.in_(capped), LiveReservation.user_id.in_(users),
                           LiveReservation.status.in_(HELD))
                    .group_by(LiveReservation.live_product_id, LiveReservation.user_id))}

    def left(self, lp_id: int, product_id: int, variant_id: int | None = None, taking: int = 0) -> int:
        """allotment.remaining / queries.remaining_by_code, from the counters in memory (`taking`: units of the
        allotment held by the line being refused)."""
        shelf = self.shelf_of.get(product_id, [])
        on_shelf = sum(self.on_shelf[v] for v in shelf if variant_id is None or v == variant_id)
        return max(0, min(self.granted[lp_id] - self.used[lp_id] - taking, on_shelf))

    def stock(self, live_id: int) -> dict[str, int]:
        """queries.remaining_by_code from memory: computed once per live and run, then kept by `taken` (a copy)."""
        found = self._stock.get(live_id)
        if found is None:
            found = self._stock[live_id] = {code: self.left(lp_id, product_id)
                                            for lp_id, code, product_id in self.lp_of_live.get(live_id, [])}
        return dict(found)

    def taken(self, product_ids: set[int]) -> None:
        """Lines of these products were just taken: what is left of their codes, in every live of the run."""
        for product_id in product_ids:
            for live_id, lp_id, code in self.lps_of_product.get(product_id, ()):
                known = self._stock.get(live_id)
                if known is not None:
                    known[code] = self.left(lp_id, product_id)


def _held_back(cand: Candidate, state: RunState) -> bool:
    """Its client_id already stored, or its buyer banned or muted: the per-comment path answers it."""
    live, user, now = cand.live, cand.user, cand.now
    if (live.id, user.id, cand.client_id) in state.stored or (live.organisation_id, user.id) in state.banned:
        return True
    until = _aware(state.muted.get((live.id, user.id)), now)
    return until is not None and until > now


def _rate_refusal(cand: Candidate, state: RunState, min_interval: float) -> RateLimited | None:
    """Too soon after the buyer's last comment (_check_rate), or the gate row still fresh (_pass_gate, which answers
    with the gate's time); None when the rate gate lets it through."""
    live, user, now = cand.live, cand.user, cand.now
    refusal = rate_refusal(live, _aware(state.last.get((live.id, user.id)), now), now, min_interval)
    if refusal is None:
        gate = _aware(state.gates.get((live.id, user.id)), now)
        if gate is not None and gate > now - timedelta(seconds=_interval(live, min_interval)):
            refusal = rate_refusal(live, gate, now, min_interval)
    return refusal


def too_soon(cand: Candidate, state: RunState, min_interval: float) -> RateLimited | None:
    """The refusal take_comment gives a comment whose only fault is the rate gate (its buyer neither banned nor muted,
    its client_id new); None for any other comment. Nothing is written for a refusal."""
    return None if _held_back(cand, state) else _rate_refusal(cand, state, min_interval)


def passes(cand: Candidate, state: RunState, min_interval: float) -> bool:
    """Stored, banned, muted or too fast: left to the per-comment path, which answers it as always."""
    if _held_back(cand, state) or _rate_refusal(cand, state, min_interval) is not None:
        return False
    live, user, now = cand.live, cand.user, cand.now
    interval = _interval(live, min_interval)
    # Taken: what the comments after it in the run must see of it (a re-sent client_id, a second comment too soon).
    state.stored.add((live.id, user.id, cand.client_id))
    state.last[(live.id, user.id)] = now
    if interval > 0:
        state.gates[(live.id, user.id)] = now
    return True
