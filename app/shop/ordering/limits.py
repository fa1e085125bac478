"""The checkout rate limit: one bucket per buyer shared by the shop, live-cart and API checkouts."""
from __future__ import annotations

from flask import current_app
from flask_limiter.util import get_remote_address
from flask_login import current_user

from ...extensions import limiter


def checkout_rate_key() -> str:
    """The signed-in buyer (whichever page, app or token they check out from), else the client address."""
    if current_user.is_authenticated:
        return f"checkout:user:{current_user.id}"
    return f"checkout:ip:{get_remote_address()}"


# Every checkout route wears this decorator (below its route decorator); CHECKOUT_LIMIT is read per request.
checkout_limit = limiter.shared_limit(lambda: current_app.config["CHECKOUT_LIMIT"], scope="checkout",
                                      key_func=checkout_rate_key, methods=["POST"])
