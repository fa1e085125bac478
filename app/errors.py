"""Domain exceptions and their one mapping to HTML pages, JSON errors and socket acks."""
from __future__ import annotations

import contextlib
from typing import Any

from flask import Flask, current_app, has_request_context, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """Base of every error a service raises on purpose; carries a stable code and a message."""

    status = 400
    code = "invalid"
    default_message = _l("The request could not be completed.")

    def __init__(self, message: Any = None, *, code: str | None = None, **details: Any):
        self.message = message if message is not None else self.default_message
        if code:
            self.code = code
        self.details = details
        super().__init__(str(self.message))

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": str(self.message)}
        if self.details:
            body["details"] = self.details
        return body


class InvalidInput(DomainError):
    status = 400
    code = "invalid_input"
    default_message = _l("Some of the information is not valid.")


class NotSignedIn(DomainError):
    status = 401
    code = "not_signed_in"
    default_message = _l("Please sign in first.")


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    default_message = _l("You are not allowed to do that.")


class SellerNotVerified(DomainError):
    """On a marketplace, an organisation the platform has not verified may not publish products or go live.

    A 403, but not a Forbidden: the seller is told what to do (a form shows the message) instead of an error page."""

    status = 403
    code = "seller_not_verified"
    default_message = _l("The platform must verify your organisation before you can sell. Send your papers on the "
                         "Verification page.")


class NotFound(DomainError):
    status = 404
    code = "not_found"
    default_message = _l("We could not find that.")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    default_message = _l("That conflicts with something that already exists.")


class OutOfStock(DomainError):
    status = 409
    code = "out_of_stock"
    default_message = _l("Sorry, that item is out of stock.")

    @classmethod
    def left(cls, name: str, available: int, **details: Any) -> OutOfStock:
        """"Sorry, <name> is sold out." or "Sorry, only N of <name> are left.", with details.available."""
        if available <= 0:
            return cls(_l("Sorry, %(name)s is sold out.", name=name), available=0, **details)
        return cls(_l("Sorry, only %(n)s of %(name)s are left.", n=available, name=name), available=available,
                   **details)


class PaymentError(DomainError):
    status = 402
    code = "payment_error"
    default_message = _l("The payment could not be processed.")


class CarrierError(DomainError):
    """A carrier (GHN, GHTK, Viettel Post) refused a request or could not be reached."""

    status = 502
    code = "carrier_error"
    default_message = _l("The delivery company could not be reached. Please try again in a moment.")


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"
    default_message = _l("Too many attempts. Please wait a moment and try again.")


HTTP_CODES = {
    400: ("bad_request", _l("The request could not be understood.")),
    401: ("not_signed_in", _l("Please sign in first.")),
    403: ("forbidden", _l("You are not allowed to do that.")),
    404: ("not_found", _l("We could not find that page.")),
    405: ("method_not_allowed", _l("That action is not allowed here.")),
    413: ("too_large", _l("The file is too large.")),
    422: ("invalid_input", _l("Some of the information is not valid.")),
    429: ("rate_limited", _l("Too many attempts. Please wait a moment and try again.")),
    500: ("server_error", _l("Something went wrong on our side. Please try again.")),
    503: ("unavailable", _l("The service is busy. Please try again in a moment.")),
}


def socket_error(exc: DomainError) -> dict[str, Any]:
    """The ack body a socket handler returns for a domain error."""
    return {"ok": False, "error": exc.to_dict()}


def wants_json() -> bool:
    """JSON for the API, webhooks and clients that prefer it; HTML pages for browsers."""
    if request.path.startswith(("/api/", "/webhooks/")):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and not request.accept_mimetypes.accept_html


def _render(status: int, code: str, message: str, extra: dict[str, Any] | None = None):
    if wants_json():
        body = {"code": code, "message": message}
        if extra:
            body.update(extra)
        return jsonify(body), status
    return render_template("errors/page.html", status=status, message=message), status


def register_error_handlers(app: Flask) -> None:
    """Map domain errors and HTTP errors once, for pages and for JSON clients."""

    @app.errorhandler(DomainError)
    def handle_domain_error(exc: DomainError):
        from .extensions import db

        db.session.rollback()
        return _render(exc.status, exc.code, str(exc.message), {"details": exc.details} if exc.details else None)

    @app.errorhandler(HTTPException)
    def handle_http_error(exc: HTTPException):
        status = exc.code or 500
        code, message = HTTP_CODES.get(status, ("error", exc.description or ""))
        extra: dict[str, Any] = {}
        data = getattr(exc, "data", None)
        if isinstance(data, dict):
            if "message" in data:
                message = data["message"]
            errors = data.get("errors") or data.get("messages")
            if errors:
                extra["errors"] = errors
        if status == 413:
            limit = request.max_content_length if has_request_context() else None
            limit_mb = max(1, (limit or current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024))
            if limit and limit > (current_app.config.get("MAX_CONTENT_LENGTH") or 0):  # a form that takes videos
                message = _l("The file is too large. The limit is %(mb)s MB.", mb=limit_mb)
            else:
                message = _l("The file is too large. The limit is %(mb)s MB; please choose a smaller photo.",
                             mb=limit_mb)
        if status == 400 and getattr(exc, "description", "") and "CSRF" in str(exc.description):
            code, message = "csrf", str(_l("The form expired. Please reload the page and try again."))
        return _render(status, code, str(message), extra)

    @app.errorhandler(OperationalError)
    def handle_database_unavailable(exc: OperationalError):
        """The database is unreachable (a restart, a failover): nothing was committed, so the client may retry."""
        from .extensions import db

        with contextlib.suppress(Exception):  # the connection is already gone; the pool replaces it (core/dbping.py)
            db.session.rollback()
        current_app.logger.warning("database unavailable on %s %s: %s", request.method, request.path,
                                   type(getattr(exc, "orig", exc)).__name__)
        code, message = HTTP_CODES[503]
        try:
            response = make_response(_render(503, code, str(message)))
        except Exception:  # the page itself needs the database (the signed-in user): plain text
            response = make_response(str(message), 503, {"Content-Type": "text/plain; charset=utf-8"})
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(500)
    def handle_server_error(exc):
        from .extensions import db

        db.session.rollback()
        code, message = HTTP_CODES[500]
        return _render(500, code, str(message))
