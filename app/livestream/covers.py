"""A live's cover picture: checked and re-encoded by app/core/uploads.py, kept through the Storage interface."""
from __future__ import annotations

from ..accounts.models import User
from ..accounts.services import require_org_role
from ..core.storage import Storage
from ..core.uploads import save_image
from ..extensions import db
from .models import LiveSession


def set_cover(actor: User | None, live: LiveSession, data: bytes, storage: Storage) -> LiveSession:
    """Replace the cover; only the organisation's members may. The old files are left for a cleanup job."""
    require_org_role(actor, live.organisation, "staff")
    image = save_image(storage, data, prefix=f"lives/{live.id}", max_side=1280, thumb_side=480,
                       thumb_prefix=f"lives/{live.id}")
    live.cover_key, live.cover_thumb_key = image.key, image.thumb_key
    db.session.flush()
    return live


def cover_url(live: LiveSession, storage: Storage, thumb: bool = True) -> str | None:
    key = (live.cover_thumb_key if thumb else None) or live.cover_key
    return storage.url(key) if key else None
