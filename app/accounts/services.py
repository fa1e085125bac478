"""Write-side account operations: registration, sign-in sessions, tokens, organisations, members."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from ..core import addresses
from ..core.banks import BANKS_BY_BIN
from ..core.dbtypes import utcnow
from ..core.phone import normalize_vn_phone
from ..core.storage import Storage
from ..core.text import slugify
from ..core.uploads import save_image
from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from ..extensions import db
from . import privacy
from .models import ORG_KINDS, ApiToken, LoginSession, Membership, Organisation, User

MIN_PASSWORD = 8


def _hash_password(password: str) -> str:
    """Werkzeug scrypt; the cost comes from config so the test suite can use a cheaper one."""
    return generate_password_hash(password, method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def parse_login(raw: str | None) -> tuple[str, str]:
    """Classify what a person typed to sign in: ('phone', '+84…') or ('email', 'a@b.vn')."""
    text = (raw or "").strip()
    if not text:
        raise InvalidInput(_l("Enter your phone number or email."), code="login_required")
    if "@" in text:
        try:
            return "email", validate_email(text, check_deliverability=False).normalized.lower()
        except EmailNotValidError as exc:
            raise InvalidInput(_l("That email address is not valid."), code="invalid_email") from exc
    phone = normalize_vn_phone(text)
    if not phone:
        raise InvalidInput(
            _l("That is not a valid Vietnamese mobile number. Example: 0912 345 678."), code="invalid_phone"
        )
    return "phone", phone


def find_user_by_login(raw: str) -> User | None:
    kind, value = parse_login(raw)
    column = User.phone if kind == "phone" else User.email
    return db.session.scalar(select(User).where(column == value))


def _check_password_strength(password: str | None) -> str:
    if not password or len(password) < MIN_PASSWORD:
        raise InvalidInput(_l("The password must have at least %(n)s characters.", n=MIN_PASSWORD), code="weak_password")
    if len(password) > 200:
        raise InvalidInput(_l("The password is too long."), code="weak_password")
    return password


def register_user(name: str | None, login: str | None, password: str | None, locale: str | None = None) -> User:
    """Create an account from a phone number or an email; refuse duplicates and weak passwords."""
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise InvalidInput(_l("Please enter your name (up to 120 characters)."), code="invalid_name")
    kind, value = parse_login(login)
    password = _check_password_strength(password)
    if find_user_by_login(value) is not None:
        if kind == "phone":
            raise Conflict(_l("An account with this phone number already exists."), code="phone_taken")
        raise Conflict(_l("An account with this email already exists."), code="email_taken")
    user = User(name=name, locale=locale if locale in ("vi", "en") else None,
                password_hash=_hash_password(password))
    setattr(user, kind, value)
    db.session.add(user)
    db.session.flush()
    return user


def register_with_consent(name: str | None, login: str | None, password: str | None, *, consent: bool,
                          marketing: bool = False, locale: str | None = None, source: str = "register") -> User:
    """Registration with the express consent the privacy notice asks for (never pre-ticked): refused, with nothing
    written, when it is not given; the optional marketing consent is recorded only when ticked."""
    user = register_user(name, login, password, locale=locale)  # the form's own mistakes first
    privacy.require_consent(consent)  # raised after the flush: the caller rolls the new row back
    privacy.record_consent(user, "account", True, source)
    if marketing:
        privacy.record_consent(user, "marketing", True, source)
    return user


_dummy_hashes: dict[str, str] = {}


def _dummy_hash() -> str:
    """A hash of a random password made with the configured method, so checking it costs what a real check costs."""
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    if method not in _dummy_hashes:
        _dummy_hashes[method] = generate_password_hash(secrets.token_urlsafe(16), method=method)
    return _dummy_hashes[method]


def authenticate(login: str | None, password: str | None) -> User:
    """Return the user for a correct login and password; one vague message for every failure.

    Exactly one password hash is checked whatever fails (no such account, a malformed login, no password), so the
    time an answer takes does not tell whether an account exists.
    """
    wrong = InvalidInput(_l("Wrong phone number, email or password."), code="wrong_credentials")
    try:
        user = find_user_by_login(login or "")
    except InvalidInput:
        user = None
    stored = user.password_hash if user is not None else _dummy_hash()
    matches = check_password_hash(stored, password or "")
    if user is None or not password or not matches:
        raise wrong
    return user


def start_login_session(user: User, user_agent: str | None = None) -> str:
    """Record a signed-in browser and return the secret token its cookie carries."""
    raw = secrets.token_urlsafe(32)
    db.session.add(LoginSession(user_id=user.id, token_hash=_hash_token(raw), user_agent=(user_agent or "")[:200]))
    user.login_token = raw
    return raw


def user_for_login_session(raw: str | None) -> User | None:
    """The user behind a browser's login token, or None when it was revoked or never existed."""
    if not raw:
        return None
    row = db.session.scalar(
        select(LoginSession).where(LoginSession.token_hash == _hash_token(raw), LoginSession.revoked_at.is_(None))
    )
    if row is None:
        return None
    user = row.user
    user.login_token = raw
    return user


def end_login_session(raw: str | None) -> None:
    if raw:
        db.session.execute(
            update(LoginSession)
            .where(LoginSession.token_hash == _hash_token(raw), LoginSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )


def change_password(user: User, current: str | None, new: str | None, keep_token: str | None = None) -> None:
    """Change the password and sign out every other browser and API client of this user."""
    if not current or not check_password_hash(user.password_hash, current):
        raise InvalidInput(_l("The current password is wrong."), code="wrong_password")
    user.password_hash = _hash_password(_check_password_strength(new))
    now = utcnow()
    keep = _hash_token(keep_token) if keep_token else ""
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None), LoginSession.token_hash != keep)
        .values(revoked_at=now)
    )
    db.session.execute(
        update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)).values(revoked_at=now)
    )


def issue_api_token(user: User, days: int, name: str | None = None) -> tuple[str, ApiToken]:
    """Create a bearer token; the raw value is returned once and only its hash is kept."""
    raw = "cl_" + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, token_hash=_hash_token(raw), name=(name or "api")[:80],
                     expires_at=utcnow() + timedelta(days=days))
    db.session.add(token)
    db.session.flush()
    return raw, token


def user_for_api_token(raw: str | None, now: datetime | None = None) -> User | None:
    if not raw:
        return None
    # The token and its user in one statement (every socket connection of a mobile client or a bench asks).
    found = db.session.execute(select(ApiToken, User).join(User, User.id == ApiToken.user_id)
                               .where(ApiToken.token_hash == _hash_token(raw))).first()
    if found is None:
        return None
    token: ApiToken = found[0]
    user: User = found[1]
    if token.revoked_at is not None or token.expires_at <= (now or utcnow()):
        return None
    return user


def revoke_api_token(raw: str) -> None:
    db.session.execute(
        update(ApiToken).where(ApiToken.token_hash == _hash_token(raw), ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def _check_commune(province_code: Any, commune_code: Any) -> tuple[int | None, int | None]:
    if commune_code in (None, ""):
        return (int(province_code) if province_code else None), None
    try:
        commune_code = int(commune_code)
    except (TypeError, ValueError):
        raise InvalidInput(_l("Please choose a commune from the list."), code="invalid_commune") from None
    province = addresses.commune_province(commune_code)
    if province is None or (province_code and int(province_code) != province):
        raise InvalidInput(_l("Please choose a commune from the list."), code="invalid_commune")
    return province, commune_code


def update_profile(user: User, *, name: str | None, province_code: int | None, commune_code: int | None,
                   street: str | None) -> None:
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise InvalidInput(_l("Please enter your name (up to 120 characters)."), code="invalid_name")
    user.name = name
    user.province_code, user.commune_code = _check_commune(province_code, commune_code)
    user.street = (street or "").strip()[:200] or None


def set_locale(user: User | None, locale: str) -> str:
    if locale not in ("vi", "en"):
        raise InvalidInput(_l("Unknown language."), code="invalid_locale")
    if user is not None:
        user.locale = locale
    return locale


# Organisations -----------------------------------------------------------------------------------

def membership(user: User | None, org: Organisation) -> Membership | None:
    if user is None or not getattr(user, "id", None):
        return None
    return db.session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.organisation_id == org.id)
    )


def is_member(user: User | None, organisation_id: int) -> bool:
    """Whether the user belongs to the organisation (any role): one indexed look-up, the organisation not loaded."""
    if user is None or not getattr(user, "id", None):
        return False
    return db.session.scalar(select(Membership.id).where(
        Membership.user_id == user.id, Membership.organisation_id == organisation_id)) is not None


def require_org_role(user: User | None, org: Organisation, role: str = "staff") -> Membership:
    """The one check for 'may this user act for this organisation' (role staff) or manage it (owner)."""
    member = membership(user, org)
    if member is None or (role == "owner" and member.role != "owner"):
        raise Forbidden(_l("You do not have permission for this organisation."), code="not_a_member")
    return member


def get_organisation(slug_or_id: str | int) -> Organisation:
    if isinstance(slug_or_id, int) or str(slug_or_id).isdigit():
        org = db.session.get(Organisation, int(slug_or_id))
    else:
        org = db.session.scalar(select(Organisation).where(Organisation.slug == slug_or_id))
    if org is None:
        raise NotFound(_l("We could not find that organisation."))
    return org


def _unique_slug(name: str) -> str:
    base = slugify(name, 60)
    slug, n = base, 1
    while db.session.scalar(select(Organisation.id).where(Organisation.slug == slug)) is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _clean_org_fields(name: str | None, kind: str | None, description: str | None,
                      phone: str | None) -> tuple[str, str, str | None, str | None]:
    name = (name or "").strip()
    if not name or len(name) > 160:
        raise InvalidInput(_l("Please enter the organisation's name (up to 160 characters)."), code="invalid_name")
    if kind not in ORG_KINDS:
        raise InvalidInput(_l("Choose cooperative or household business."), code="invalid_kind")
    if description and len(description) > 5000:
        raise InvalidInput(_l("The description is too long (5,000 characters at most)."), code="invalid_description")
    normalised_phone = None
    if phone:
        normalised_phone = normalize_vn_phone(phone)
        if not normalised_phone:
            raise InvalidInput(
                _l("That is not a valid Vietnamese mobile number. Example: 0912 345 678."), code="invalid_phone"
            )
    return name, kind, (description or "").strip() or None, normalised_phone


def create_organisation(owner: User, *, name: str | None, kind: str | None, commune_code: int | None,
                        province_code: int | None = None, description: str | None = None,
                        phone: str | None = None) -> Organisation:
    """Create a cooperative or household business with its creator as owner."""
    name, kind, description, phone = _clean_org_fields(name, kind, description, phone)
    province, commune = _check_commune(province_code, commune_code)
    org = Organisation(name=name, kind=kind, slug=_unique_slug(name), description=description, phone=phone,
                       province_code=province, commune_code=commune)
    db.session.add(org)
    db.session.flush()
    db.session.add(Membership(user_id=owner.id, organisation_id=org.id, role="owner"))
    db.session.flush()
    return org


def update_organisation(actor: User, org: Organisation, *, name: str | None, kind: str | None,
                        commune_code: int | None, province_code: int | None = None,
                        description: str | None = None, phone: str | None = None) -> None:
    require_org_role(actor, org, "owner")
    org.name, org.kind, org.description, org.phone = _clean_org_fields(name, kind, description, phone)
    org.province_code, org.commune_code = _check_commune(province_code, commune_code)


def set_bank_account(actor: User, org: Organisation, *, bank_bin: str | None, account_number: str | None,
                     account_name: str | None) -> None:
    """Record where VietQR transfers go; the BIN must be a known bank and the number digits only."""
    require_org_role(actor, org, "owner")
    if not bank_bin and not account_number and not account_name:
        org.bank_bin = org.bank_account_number = org.bank_account_name = None
        return
    if bank_bin not in BANKS_BY_BIN:
        raise InvalidInput(_l("Please choose a bank from the list."), code="invalid_bank")
    number = "".join((account_number or "").split())
    if not number.isdigit() or not 4 <= len(number) <= 19:
        raise InvalidInput(_l("The account number must be 4 to 19 digits."), code="invalid_account_number")
    holder = " ".join((account_name or "").split())
    if not holder or len(holder) > 120:
        raise InvalidInput(_l("Please enter the account holder's name."), code="invalid_account_name")
    org.bank_bin, org.bank_account_number, org.bank_account_name = bank_bin, number, holder.upper()


def set_logo(actor: User, org: Organisation, data: bytes, storage: Storage) -> str:
    """Verify and re-encode an uploaded logo, store it, and return its storage key."""
    require_org_role(actor, org, "owner")
    org.logo_key = save_image(storage, data, prefix="logos", max_side=512, thumb_side=128).key
    return org.logo_key


def add_staff(actor: User, org: Organisation, phone: str | None) -> Membership:
    """The owner adds a registered person as staff by phone number."""
    require_org_role(actor, org, "owner")
    normalised = normalize_vn_phone(phone)
    if not normalised:
        raise InvalidInput(
            _l("That is not a valid Vietnamese mobile number. Example: 0912 345 678."), code="invalid_phone"
        )
    user = db.session.scalar(select(User).where(User.phone == normalised))
    if user is None:
        raise NotFound(_l("No account uses this phone number yet. Ask them to register first."), code="no_such_user")
    if membership(user, org) is not None:
        raise Conflict(_l("This person is already a member."), code="already_member")
    member = Membership(user_id=user.id, organisation_id=org.id, role="staff")
    db.session.add(member)
    db.session.flush()
    return member


def remove_member(actor: User, org: Organisation, user_id: int) -> None:
    """The owner removes a member; the last owner cannot remove themselves."""
    require_org_role(actor, org, "owner")
    member = db.session.scalar(
        select(Membership).where(Membership.organisation_id == org.id, Membership.user_id == user_id)
    )
    if member is None:
        raise NotFound(_l("This person is not a member."))
    if member.role == "owner":
        owners = db.session.scalars(
            select(Membership).where(Membership.organisation_id == org.id, Membership.role == "owner")
        ).all()
        if len(owners) <= 1:
            raise InvalidInput(_l("An organisation needs at least one owner."), code="last_owner")
    db.session.delete(member)
    db.session.flush()


PLATFORM_ROLES = ("admin", "trainer")


def set_platform_role(actor: User | None, target: User, role: str, granted: bool = True) -> None:
    """Grant or take away admin/trainer; only an admin may (the CLI passes actor=None for the first admin)."""
    if actor is not None and not actor.is_admin:
        raise Forbidden()
    if role not in PLATFORM_ROLES:
        raise InvalidInput(_l("Unknown role."), code="invalid_role")
    if actor is not None and actor.id == target.id and role == "admin" and not granted:
        raise InvalidInput(_l("You cannot remove your own admin role."), code="self_demote")
    setattr(target, "is_admin" if role == "admin" else "is_trainer", granted)
