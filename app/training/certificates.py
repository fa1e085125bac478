"""Certificate codes: made unguessable, read back from paper, verified publicly, revoked by an admin."""
from __future__ import annotations

import io
import secrets

import segno
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..accounts.models import User
from ..core.dbtypes import utcnow
from ..errors import Forbidden, InvalidInput, NotFound, NotSignedIn
from ..extensions import db
from .models import Certificate

# Crockford-like alphabet without 0/O, 1/I/L: read aloud or typed from paper without mistakes.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_GROUPS = 3
CODE_GROUP_LEN = 5


def new_code() -> str:
    """'CL-7K3QF-M2XWP-9RTHD': 75 random bits, grouped for reading aloud."""
    groups = ["".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUP_LEN)) for _ in range(CODE_GROUPS)]
    return "CL-" + "-".join(groups)


def normalise_code(raw: str | None) -> str | None:
    """Upper-case, dashes where they belong; None when it cannot be a certificate code."""
    compact = "".join(ch for ch in (raw or "").upper() if ch.isalnum())
    if compact.startswith("CL"):
        compact = compact[2:]
    if len(compact) != CODE_GROUPS * CODE_GROUP_LEN or any(ch not in CODE_ALPHABET for ch in compact):
        return None
    groups = [compact[i:i + CODE_GROUP_LEN] for i in range(0, len(compact), CODE_GROUP_LEN)]
    return "CL-" + "-".join(groups)


def qr_svg(verify_url: str) -> bytes:
    """The QR printed on the certificate: scanning it opens the public verification page."""
    out = io.BytesIO()
    segno.make(verify_url, error="m").save(out, kind="svg", scale=4, border=2, xmldecl=False)
    return out.getvalue()


def find_certificate(raw_code: str | None) -> Certificate:
    """The certificate with this code (revoked ones too, so the page can say so); forged codes are not found."""
    code = normalise_code(raw_code)
    certificate = db.session.scalar(select(Certificate).where(Certificate.code == code)) if code else None
    if certificate is None:
        raise NotFound(_l("No certificate has this code. Check the code on the paper."), code="certificate_not_found")
    return certificate


def revoke_certificate(actor: User | None, certificate: Certificate, reason: str | None) -> Certificate:
    """Admins only, with a reason; the public page then says the certificate was revoked and when."""
    if actor is None:
        raise NotSignedIn()
    if not actor.is_admin:
        raise Forbidden(_l("Only admins can do that."))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_l("Please give the reason for revoking."), code="reason_required")
    if certificate.revoked_at is None:
        certificate.revoked_at = utcnow()
        certificate.revoked_by_id = actor.id
        certificate.revoke_reason = reason[:300]
    db.session.flush()
    return certificate
