"""Seller verification on a marketplace: what an organisation sends, its private papers, the admin's decision,
the check that keeps unverified sellers from publishing or going live, and the host recorded for each live."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..accounts.models import Organisation, User
from ..accounts.services import membership, require_org_role
from ..core.dbtypes import utcnow
from ..core.storage import Storage
from ..core.uploads import DOCUMENTS, IMAGE, PRIVATE_PREFIX, save_upload
from ..errors import Forbidden, InvalidInput, NotFound, SellerNotVerified
from ..extensions import db
from . import settings
from .models import DOCUMENT_KINDS, LiveHost, SellerVerification, VerificationDecision, VerificationDocument

TAX_CODE = re.compile(r"^\d{10}(-\d{3})?$")  # 10 digits, or 13 for a branch / dependent unit (0101234567-001)
ID_NUMBER = re.compile(r"^\d{12}$")  # the 12-digit personal identification number of the citizen ID card
MAX_DOCUMENTS = 10
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_REASON = 500
REVIEW_DECISIONS = ("approved", "more_info", "rejected")


def verification_of(org: Organisation) -> SellerVerification | None:
    return db.session.scalar(select(SellerVerification).where(SellerVerification.organisation_id == org.id))


def is_verified(org: Organisation) -> bool:
    """Approved, for the kind the organisation still is (a household that turns cooperative is verified anew)."""
    found = verification_of(org)
    return found is not None and found.is_approved and found.kind == org.kind


def check_may_sell(org: Organisation, action: str, actor: User | None = None) -> None:
    """The selling check compliance registers with accounts.selling: on a marketplace, verified sellers only.

    A practice stall (training's sandbox) is never a real seller, so it is not asked; in own-shop mode the
    cooperative answers for itself and nothing is enforced."""
    if org.is_sandbox or not settings.is_marketplace():
        return
    if is_verified(org):
        return
    if action == "go_live":
        raise SellerNotVerified(_l("The platform must verify your organisation before you can go live. Send your "
                                   "papers on the Verification page."))
    raise SellerNotVerified(_l("The platform must verify your organisation before you can put products on sale. "
                               "Send your papers on the Verification page."))


def identity_visible_to(actor: User | None, org: Organisation) -> bool:
    """Tax codes and identification numbers: the organisation's owner and the platform's admins, nobody else."""
    if actor is None or not getattr(actor, "id", None):
        return False
    if actor.is_admin:
        return True
    member = membership(actor, org)
    return member is not None and member.role == "owner"


def masked(number: str | None) -> str:
    """'001085012345' → '•••••••••345': enough for a member to recognise it, nothing to copy."""
    if not number:
        return ""
    return "•" * max(len(number) - 3, 0) + number[-3:]


def _digits(raw: Any, *, dash: bool = False) -> str | None:
    text = "".join(str(raw or "").split()).replace(".", "")
    if not dash:
        text = text.replace("-", "")
    return text or None


def submit(actor: User | None, org: Organisation, *, tax_code: Any, id_number: Any, representative_name: Any,
           sells_food: bool = False, now: datetime | None = None) -> SellerVerification:
    """The owner sends (or sends again) who the organisation is; it waits for the admin's review."""
    require_org_role(actor, org, "owner")
    if org.is_sandbox:
        raise InvalidInput(_l("A practice stall is not verified."), code="practice_stall")
    tax = _digits(tax_code, dash=True)
    ident = _digits(id_number)
    name = " ".join(str(representative_name or "").split())
    if tax is not None and not TAX_CODE.match(tax):
        raise InvalidInput(_l("The tax code has 10 digits (or 13 for a branch, written 0101234567-001)."),
                           code="invalid_tax_code", field="tax_code")
    if ident is not None and not ID_NUMBER.match(ident):
        raise InvalidInput(_l("The personal identification number has 12 digits, as on the citizen ID card."),
                           code="invalid_id_number", field="id_number")
    if org.kind == "cooperative" and tax is None:
        raise InvalidInput(_l("A cooperative gives its tax code."), code="tax_code_required", field="tax_code")
    if tax is None and ident is None:
        raise InvalidInput(_l("A household business gives its tax code or the personal identification number of "
                              "its representative."), code="tax_code_or_id_required", field="tax_code")
    if not name or len(name) > 120:
        raise InvalidInput(_l("Please enter the full name of the legal representative (up to 120 characters)."),
                           code="invalid_representative", field="representative_name")
    now = now or utcnow()
    found = verification_of(org)
    if found is None:
        found = SellerVerification(organisation_id=org.id, organisation=org)
        db.session.add(found)
    found.kind, found.tax_code, found.id_number, found.representative_name = org.kind, tax, ident, name
    found.sells_food = bool(sells_food)
    found.status, found.reason, found.submitted_at = "pending", None, now
    found.decided_at = found.decided_by_id = None
    found.decisions.append(VerificationDecision(decision="submitted", actor_id=actor.id, created_at=now))
    db.session.flush()
    return found


def add_document(actor: User | None, org: Organisation, kind: Any, data: bytes, storage: Storage) -> VerificationDocument:
    """The owner uploads a paper (PDF, a photo or an office document); stored under the private prefix."""
    require_org_role(actor, org, "owner")
    found = verification_of(org)
    if found is None:
        raise InvalidInput(_l("Please fill in and send the form first, then add the papers."), code="no_verification")
    if kind not in DOCUMENT_KINDS:
        raise InvalidInput(_l("Please choose what the paper is."), code="invalid_document_kind", field="kind")
    if len(found.documents) >= MAX_DOCUMENTS:
        raise InvalidInput(_l("Up to %(n)s papers.", n=MAX_DOCUMENTS), code="too_many_documents")
    stored = save_upload(storage, data, prefix=f"{PRIVATE_PREFIX}verifications", accept=DOCUMENTS | {IMAGE},
                         max_bytes=MAX_DOCUMENT_BYTES,
                         refused_message=_l("Please send a PDF, a photo (JPEG, PNG, WebP) or a .docx/.odt file."))
    document = VerificationDocument(kind=kind, key=stored.key, size=stored.size, uploaded_by_id=actor.id)
    found.documents.append(document)
    db.session.flush()
    return document


def document_for(actor: User | None, org: Organisation, document_id: int) -> VerificationDocument:
    """A paper only its organisation's owner or an admin may download; anyone else gets 403, strays 404."""
    if not identity_visible_to(actor, org):
        raise Forbidden(_l("You do not have permission for this organisation."), code="not_a_member")
    document = db.session.get(VerificationDocument, document_id)
    if document is None or document.verification.organisation_id != org.id:
        raise NotFound(_l("We could not find that paper."))
    return document


def review(actor: User | None, org: Organisation, decision: Any, reason: Any = None,
           now: datetime | None = None) -> SellerVerification:
    """An admin approves, asks for more (with what is missing) or rejects (with why)."""
    if actor is None or not actor.is_admin:
        raise Forbidden()
    found = verification_of(org)
    if found is None:
        raise NotFound(_l("This organisation has not asked to be verified."))
    if decision not in REVIEW_DECISIONS:
        raise InvalidInput(_l("Choose approve, ask for more or reject."), code="invalid_decision")
    text = " ".join(str(reason or "").split())
    if len(text) > MAX_REASON:
        raise InvalidInput(_l("The reason is too long (500 characters at most)."), code="invalid_reason")
    if decision != "approved" and not text:
        raise InvalidInput(_l("Please write the reason, so the seller knows what to do."), code="reason_required",
                           field="reason")
    if decision == "approved":
        kinds = {d.kind for d in found.documents}
        if "business_registration" not in kinds:
            raise InvalidInput(_l("The business registration paper is missing: ask for more instead."),
                               code="missing_document")
        if found.sells_food and "food_safety" not in kinds:
            raise InvalidInput(_l("The food safety certificate is missing: ask for more instead."),
                               code="missing_document")
        if found.kind != org.kind:
            raise InvalidInput(_l("The organisation's kind changed since it asked: ask for more instead."),
                               code="kind_changed")
    now = now or utcnow()
    found.status, found.reason = decision, text or None
    found.decided_at, found.decided_by_id = now, actor.id
    found.decisions.append(VerificationDecision(decision=decision, reason=text or None, actor_id=actor.id,
                                                created_at=now))
    db.session.flush()
    return found


def record_host(app, *, live_id: int, organisation_id: int, actor_id: int | None = None, at: datetime | None = None,
                is_practice: bool = False, **_: Any) -> None:
    """live_started, inside its transaction: who put the live on air, and the verification in force then."""
    if is_practice:
        return
    org = db.session.get(Organisation, organisation_id)
    if org is None or org.is_sandbox:
        return
    host = db.session.get(User, actor_id) if actor_id is not None else None
    found = verification_of(org)
    db.session.add(LiveHost(live_id=live_id, organisation_id=organisation_id, host_user_id=actor_id,
                            host_name=host.name if host is not None else None,
                            verification_id=found.id if found is not None else None,
                            verified=is_verified(org), started_at=at or utcnow()))
    db.session.flush()
