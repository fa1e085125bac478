"""Carrier status webhooks: each checked the way its carrier allows (secret URL token or body TOKEN), applied once."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy.exc import IntegrityError

from ...errors import InvalidInput
from ...extensions import csrf, db
from .models import CARRIERS
from .services import apply_webhook

carrier_webhooks_bp = Blueprint("shipping_webhooks", __name__, url_prefix="/webhooks/carriers")
csrf.exempt(carrier_webhooks_bp)


@carrier_webhooks_bp.post("/<carrier>")
def carrier_webhook(carrier: str):
    if carrier not in CARRIERS:
        return jsonify(code="not_found"), 404
    try:
        # A form body (GHTK) was already read by the NUL check (core.web): taken back from request.form then.
        body = request.get_data() or urlencode(list(request.form.items(multi=True))).encode()
        outcomes = apply_webhook(carrier, request.headers, request.args, body, current_app.config)
        db.session.commit()
    except InvalidInput as exc:
        db.session.rollback()
        return jsonify(success=False, code=exc.code), 401 if exc.code == "bad_token" else 400
    except IntegrityError:
        db.session.rollback()  # the same event delivered twice at once: the other delivery did the work
        outcomes = ["duplicate"]
    # Carriers retry until they see success; an unknown parcel is a success too (it is not ours to retry).
    return jsonify(success=True, outcomes=outcomes)
