"""Write-side live operations, one module per seam; import them from here (`from app.livestream import services`).

    sessions      schedule a live, put products on it, go on air, end it; who may watch it, who runs its console
    comments      a chat comment: stored once per client_id, rate-limited, parsed, reserved; the buyer's ack
    reservations  one line of a buyer's live cart: reserved (allotment, limits, shelf) and given back
    console       the seller's console: answer, hide, pin, slow mode, cancel or confirm a buyer's lines

Services add and flush and raise domain errors; the caller (view, socket handler, job) commits once.
"""
from __future__ import annotations

from .comments import (DEFAULT_HOLD_HOURS, MAX_CLIENT_ID, CommentOutcome, CommentRaced, clean_client_id, clean_text,
                       live_catalog, post_comment, replayed_ack, submit_comment, take_comment)
from .console import (cancel_reservation, confirm_buyer_lines, get_reservation, hide_message, pin_product,
                      post_seller_reply, set_slow_mode)
from .reservations import LimitExceeded, cancel_held_lines, release_reservation, reserve_line
from .sessions import (MAX_PER_BUYER, MAX_TITLE, MAX_URL, LiveNotOnAir, add_live_product, end_live, get_session,
                       is_seller, open_console, require_viewer, schedule_live, start_live)

__all__ = [
    "DEFAULT_HOLD_HOURS", "MAX_CLIENT_ID", "MAX_PER_BUYER", "MAX_TITLE", "MAX_URL",
    "CommentOutcome", "CommentRaced", "LimitExceeded", "LiveNotOnAir",
    "add_live_product", "cancel_held_lines", "cancel_reservation", "clean_client_id", "clean_text",
    "confirm_buyer_lines", "end_live", "get_reservation", "get_session", "hide_message", "is_seller", "live_catalog",
    "open_console", "pin_product", "post_comment", "post_seller_reply", "release_reservation", "replayed_ack",
    "require_viewer", "reserve_line", "schedule_live", "set_slow_mode", "start_live", "submit_comment",
    "take_comment",
]
