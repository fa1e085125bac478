"""A live's cover picture: verified and re-encoded by app/core/images.py, kept through the Storage interface."""
from __future__ import annotations

from ..accounts.models import User
from ..accounts.services import require_org_role
from ..core.images import process_image
from ..core.storage import Storage
from ..extensions import db
from .models import LiveSession


def set_cover(actor: User | None, live: LiveSession, data: bytes, storage: Storage) -> LiveSession:
    """Replace the cover; only the organisation's members may. The old files are left for a cleanup job."""
    require_org_role(actor, live.organisation, "staff")
    image = process_image(data, max_side=1280, thumb_side=480)
    live.cover_key = storage.save(image.data, prefix=f"lives/{live.id}", extension=image.extension,
                                  content_type=image.content_type)
    live.cover_thumb_key = storage.save(image.thumbnail, prefix=f"lives/{live.id}", extension=image.extension,
                                        content_type=image.content_type)
    db.session.flush()
    return live


def cover_url(live: LiveSession, storage: Storage, thumb: bool = True) -> str | None:
    key = (live.cover_thumb_key if thumb else None) or live.cover_key
    return storage.url(key) if key else None
