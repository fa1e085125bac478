"""Chat safety for lives: mutes, organisation bans, hidden abusive words and refusing junk text."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from ..accounts.models import User
from ..accounts.services import membership, require_org_role
from ..core.dbtypes import rows_changed, utcnow
from ..core.text import fold
from ..errors import DomainError, Forbidden, InvalidInput, NotFound
from ..extensions import db
from .models import ChatMessage, LiveBan, LiveMute, LiveSession

MAX_MUTE_MINUTES = 24 * 60
MAX_SYMBOLS = 30
MAX_REPEAT = 20

# Folded (no diacritics, lower case) and matched as whole words or phrases; LIVE_HIDDEN_WORDS replaces it.
# Folding merges words, so nothing here may fold onto everyday words or the goods on sale: no "lon" (lon bia),
# "cac" (các), "buoi" (bưởi), "oc cho" (quả óc chó), "do cho" (đo cho), "du ma" (dù mà).
DEFAULT_HIDDEN_WORDS = (
    "dm", "dmm", "dcm", "dkm", "dit me", "vcl", "vkl", "clgt", "do ngu", "thang ngu", "con ngu", "ngu nhu bo",
    "mat day", "suc vat", "khon nan", "lua dao", "fuck", "shit", "scam",
)
LINK = re.compile(r"(?i)\b(?:https?://|www\.)\S+|\b[a-z0-9-]{2,}\.(?:com|net|vn|xyz|top|info|me|ly|io|link)\b(?:/\S*)?")


class Muted(DomainError):
    status = 403
    code = "muted"
    default_message = _l("The seller has muted you in this live for a while.")


class Banned(DomainError):
    status = 403
    code = "banned"
    default_message = _l("The seller has blocked you from commenting in their lives. You can still watch.")


# Text -----------------------------------------------------------------------------------------------

def _is_binary(ch: str) -> bool:
    """Control characters (other than whitespace), lone surrogates, U+FFFD and non-characters: not chat."""
    code = ord(ch)
    if ch in "\t\n\r":
        return False
    category = unicodedata.category(ch)
    return category in ("Cc", "Cs", "Co") or code == 0xFFFD or (code & 0xFFFE) == 0xFFFE or 0xFDD0 <= code <= 0xFDEF


def reject_binary(text: Any) -> Any:
    """Refuse text with binary or control characters before it is cleaned (cleaning would hide them)."""
    if isinstance(text, str) and len(text) <= 4000 and any(_is_binary(ch) for ch in text):
        raise InvalidInput(_l("The message contains characters that cannot be shown. Please type it again."),
                           code="invalid_characters", field="text")
    return text


def _is_symbol(ch: str) -> bool:
    category = unicodedata.category(ch)
    return category.startswith("S") or 0x1F000 <= ord(ch) <= 0x1FAFF


def reject_flood(text: str) -> str:
    """Refuse emoji/symbol floods and one character repeated on and on: they drown the chat for everyone."""
    if sum(1 for ch in text if _is_symbol(ch)) > MAX_SYMBOLS:
        raise InvalidInput(_l("Too many emoji or symbols in one message (30 at most)."), code="flood", field="text")
    run, previous = 0, None
    for ch in text:
        run = run + 1 if ch == previous else 1
        previous = ch
        if run > MAX_REPEAT and not ch.isspace():
            raise InvalidInput(_l("Please do not repeat the same character more than 20 times."), code="flood",
                               field="text")
    return text


def hidden_word_list(config_value: Any) -> tuple[str, ...]:
    """The folded hidden-words list from LIVE_HIDDEN_WORDS (comma-separated text or a list); default if unset."""
    if config_value is None:
        return DEFAULT_HIDDEN_WORDS
    items: Iterable[Any] = config_value.split(",") if isinstance(config_value, str) else config_value
    words = []
    for item in items:
        word = " ".join(re.findall(r"\w+", fold(str(item))))
        if word and word not in words:
            words.append(word)
    return tuple(words)


def hidden_word(text: str, words: Iterable[str]) -> str | None:
    """The first hidden word or phrase in text (folded, whole words only), or "link" for a web link."""
    if LINK.search(text):
        return "link"
    folded = " " + " ".join(re.findall(r"\w+", fold(text))) + " "
    for word in words:
        if f" {word} " in folded:
            return word
    return None


# Mutes and bans -------------------------------------------------------------------------------------

def _target(live: LiveSession, user_id: Any) -> User:
    user = (db.session.get(User, user_id)
            if isinstance(user_id, int) and not isinstance(user_id, bool) and 0 < user_id < 2**31 else None)
    if user is None:
        raise NotFound(_l("We could not find that buyer."), code="unknown_user")
    if membership(user, live.organisation) is not None:
        raise Forbidden(_l("You cannot mute or block a member of your own organisation."), code="cannot_moderate_member")
    return user


def mute_user(actor: User | None, live: LiveSession, user_id: Any, minutes: Any,
              now: datetime | None = None) -> LiveMute:
    """Mute a buyer in this live for N minutes (1–1440); muting again replaces the end time."""
    require_org_role(actor, live.organisation, "staff")
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= MAX_MUTE_MINUTES:
        raise InvalidInput(_l("Mute for 1 to 1440 minutes."), code="invalid_minutes", field="minutes")
    user = _target(live, user_id)
    until = (now or utcnow()) + timedelta(minutes=minutes)
    mute = db.session.scalar(select(LiveMute).where(LiveMute.session_id == live.id, LiveMute.user_id == user.id))
    if mute is None:
        mute = LiveMute(session_id=live.id, user_id=user.id, created_by_id=actor.id, until=until)
        db.session.add(mute)
    else:
        mute.until, mute.created_by_id = until, actor.id
    db.session.flush()
    return mute


def unmute_user(actor: User | None, live: LiveSession, user_id: Any) -> bool:
    require_org_role(actor, live.organisation, "staff")
    user = _target(live, user_id)
    return rows_changed(db.session.execute(delete(LiveMute).where(LiveMute.session_id == live.id,
                                                                  LiveMute.user_id == user.id))) > 0


def ban_user(actor: User | None, live: LiveSession, user_id: Any) -> LiveBan:
    """Block a buyer from commenting in every live of this live's organisation."""
    require_org_role(actor, live.organisation, "staff")
    user = _target(live, user_id)
    ban = db.session.scalar(select(LiveBan).where(LiveBan.organisation_id == live.organisation_id,
                                                  LiveBan.user_id == user.id))
    if ban is None:
        ban = LiveBan(organisation_id=live.organisation_id, user_id=user.id, created_by_id=actor.id)
        db.session.add(ban)
        db.session.flush()
    return ban


def unban_user(actor: User | None, live: LiveSession, user_id: Any) -> bool:
    require_org_role(actor, live.organisation, "staff")
    user = _target(live, user_id)
    return rows_changed(db.session.execute(delete(LiveBan).where(LiveBan.organisation_id == live.organisation_id,
                                                                 LiveBan.user_id == user.id))) > 0


def check_may_comment(live: LiveSession, user: User, now: datetime) -> None:
    """Raise Banned or Muted when the seller has silenced this buyer; nothing else is looked at.

    One statement (two scalar subqueries, each on its unique index): it runs for every comment of a storm."""
    banned, until = db.session.execute(select(
        select(LiveBan.id).where(LiveBan.organisation_id == live.organisation_id,
                                 LiveBan.user_id == user.id).scalar_subquery(),
        select(LiveMute.until).where(LiveMute.session_id == live.id,
                                     LiveMute.user_id == user.id).scalar_subquery())).one()
    if banned is not None:
        raise Banned()
    if until is not None and until > now:
        raise Muted(_l("The seller has muted you in this live until %(time)s.",
                       time=format_datetime(until, "HH:mm dd/MM")), until=until.isoformat())


def silenced(live: LiveSession, now: datetime | None = None) -> dict[str, dict]:
    """For the console: {"muted": {"<user_id>": until iso}, "banned": {user_id: full name}} in this live."""
    now = now or utcnow()
    muted = {str(uid): until.isoformat() for uid, until in db.session.execute(
        select(LiveMute.user_id, LiveMute.until).where(LiveMute.session_id == live.id, LiveMute.until > now))}
    banned = dict(db.session.execute(
        select(LiveBan.user_id, User.name).join(User, User.id == LiveBan.user_id)
        .where(LiveBan.organisation_id == live.organisation_id).order_by(LiveBan.id)).tuples().all())
    return {"muted": muted, "banned": banned}


def hide_reason_label(reason: str | None):
    """What the console says next to a hidden message."""
    if reason == "words":
        return _l("hidden automatically: abusive word or link")
    if reason:
        return _l("hidden by the seller")
    return None


def mark_hidden(message: ChatMessage, reason: str) -> None:
    message.hidden, message.hidden_reason = True, reason
