"""Product photos: checked and re-encoded by app/core/uploads.py (with srcset copies and a small thumbnail), ordered,
deleted, and the copies made for photos stored before them; kept through the Storage interface."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..accounts.models import User
from ..accounts.services import require_org_role
from ..core.images import RESPONSIVE_WIDTHS, THUMB_BUDGET, resize_stored, thumbnail_of
from ..core.storage import Storage
from ..core.uploads import save_image
from ..errors import InvalidInput, NotFound
from ..extensions import db
from .models import Photo, Product

MAX_PHOTOS = 10


def add_photo(actor: User | None, product: Product, data: bytes, storage: Storage) -> Photo:
    """Verify and re-encode an upload, store the photo and its thumbnail under generated names."""
    require_org_role(actor, product.organisation, "staff")
    if len(product.photos) >= MAX_PHOTOS:
        raise InvalidInput(_l("Up to %(n)s photos per product.", n=MAX_PHOTOS), code="too_many_photos")
    image = save_image(storage, data, prefix="products", thumb_prefix="products/thumbs", widths=RESPONSIVE_WIDTHS,
                       sizes_prefix="products/sizes")
    position = max((p.position for p in product.photos), default=-1) + 1
    photo = Photo(product=product, key=image.key, thumb_key=image.thumb_key, position=position, width=image.width,
                  height=image.height, sizes=image.sizes)
    db.session.add(photo)
    db.session.flush()
    return photo


def _store_sizes(storage: Storage, variants, content_type: str) -> dict[str, str]:
    return {str(width): storage.save(data, prefix="products/sizes", extension="webp", content_type=content_type)
            for width, data in variants}


def backfill_photo(photo: Photo, storage: Storage) -> list[str] | None:
    """For a photo stored before srcset copies and the thumbnail budget: make the copies, and a new thumbnail
    (under a new key: the old one is cached for a year) if the old one is over THUMB_BUDGET. Returns the keys
    the caller deletes after the commit, or None when the photo needed nothing."""
    changed, old_keys = False, []
    if photo.sizes is None:
        photo.sizes = _store_sizes(storage, resize_stored(storage.read(photo.key)), "image/webp")
        changed = True
    if len(storage.read(photo.thumb_key)) > THUMB_BUDGET:
        old_keys.append(photo.thumb_key)
        photo.thumb_key = storage.save(thumbnail_of(storage.read(photo.key)), prefix="products/thumbs",
                                       extension="webp", content_type="image/webp")
        changed = True
    db.session.flush()
    return old_keys if changed else None


def reorder_photos(actor: User | None, product: Product, photo_ids: list[int]) -> None:
    """Put the photos in the given order; the first is the cover. The list must be exactly this product's."""
    require_org_role(actor, product.organisation, "staff")
    mine = {p.id: p for p in product.photos}
    if sorted(photo_ids) != sorted(mine):
        raise InvalidInput(_l("The photo list does not match this product."), code="invalid_photo_order")
    for position, photo_id in enumerate(photo_ids):
        mine[photo_id].position = position
    db.session.flush()
    db.session.expire(product, ["photos"])


def move_photo(actor: User | None, product: Product, photo_id: int, offset: int) -> None:
    """Move one photo up (-1) or down (+1) in the order."""
    ids = [p.id for p in product.photos]
    if photo_id not in ids:
        raise NotFound(_l("We could not find that photo."))
    i = ids.index(photo_id)
    j = max(0, min(len(ids) - 1, i + offset))
    ids[i], ids[j] = ids[j], ids[i]
    reorder_photos(actor, product, ids)


def delete_photo(actor: User | None, product: Product, photo_id: int) -> list[str]:
    """Remove a photo row; returns the storage keys for the caller to delete after the commit."""
    require_org_role(actor, product.organisation, "staff")
    photo = db.session.get(Photo, photo_id)
    if photo is None or photo.product_id != product.id:
        raise NotFound(_l("We could not find that photo."))
    keys = [photo.key, photo.thumb_key, *(photo.sizes or {}).values()]
    product.photos.remove(photo)
    for position, other in enumerate(product.photos):
        other.position = position
    db.session.flush()
    return keys
