"""Product photos: verified and re-encoded, ordered, deleted, and the srcset copies of older ones (app/shop/photos.py)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.core.storage import get_storage
from app.errors import InvalidInput
from app.shop import photos
from app.shop.models import Photo


def test_photos_are_verified_stored_ordered_and_deleted(db, seller, make_product, image_bytes):
    owner, org = seller
    product = make_product(owner, org)
    storage = get_storage()
    first = photos.add_photo(owner, product, image_bytes("JPEG", (800, 600)), storage)
    second = photos.add_photo(owner, product, image_bytes("PNG"), storage)
    db.session.commit()
    assert first.key.startswith("products/") and first.key.endswith(".webp") and first.thumb_key != first.key
    assert storage.read(first.thumb_key)[:4] == b"RIFF"
    assert (first.width, first.height) == (800, 600)
    photos.reorder_photos(owner, product, [second.id, first.id])
    db.session.commit()
    assert product.cover.id == second.id
    with pytest.raises(InvalidInput):
        photos.reorder_photos(owner, product, [second.id])
    keys = photos.delete_photo(owner, product, second.id)
    db.session.commit()
    assert keys == [second.key, second.thumb_key]
    assert [p.position for p in product.photos] == [0]
    # The 800 px photo has its srcset copies at 320 and 640 px; deleting it names them too.
    assert sorted(first.sizes) == ["320", "640"] and [w for w, _ in first.srcset_keys] == [320, 640, 800]
    assert storage.read(first.sizes["640"])[:4] == b"RIFF"
    assert photos.delete_photo(owner, product, first.id)[2:] == [first.sizes["320"], first.sizes["640"]]


def test_resize_photos_backfills_the_srcset_copies_of_older_photos(db, app, seller, make_product, image_bytes):
    owner, org = seller
    product = make_product(owner, org)
    photo = photos.add_photo(owner, product, image_bytes("JPEG", (1200, 900)), get_storage())
    photo.sizes = None  # as stored before the copies were made at upload
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["shop", "resize-photos"])
    assert result.exit_code == 0 and "1 photos resized" in result.output
    db.session.expire_all()
    assert sorted(db.session.get(Photo, photo.id).sizes, key=int) == ["320", "640", "1024"]
    again = app.test_cli_runner().invoke(args=["shop", "resize-photos"])
    assert "0 photos resized" in again.output


def test_resize_photos_replaces_a_thumbnail_over_25_kb_under_a_new_key(db, app, seller, make_product):
    import io
    import os

    from PIL import Image

    from app.core.images import THUMB_BUDGET

    owner, org = seller
    product = make_product(owner, org)
    noisy = io.BytesIO()
    Image.frombytes("RGB", (1000, 1000), os.urandom(3_000_000)).save(noisy, format="JPEG", quality=95)
    storage = get_storage()
    photo = photos.add_photo(owner, product, noisy.getvalue(), storage)
    big = io.BytesIO()
    Image.frombytes("RGB", (400, 400), os.urandom(480_000)).save(big, format="WEBP", quality=100)
    photo.thumb_key = old = storage.save(big.getvalue(), prefix="products/thumbs", extension="webp",
                                         content_type="image/webp")  # as thumbnails were made before
    db.session.commit()
    assert len(storage.read(old)) > THUMB_BUDGET
    assert "1 photos resized" in app.test_cli_runner().invoke(args=["shop", "resize-photos"]).output
    db.session.expire_all()
    fresh = db.session.get(Photo, photo.id)
    assert fresh.thumb_key != old and len(storage.read(fresh.thumb_key)) <= THUMB_BUDGET
    with pytest.raises(Exception):  # noqa: B017 - the storage's own "not found", whichever backend
        storage.read(old)  # deleted once the row pointed at the new one


def test_html_named_jpg_is_refused(db, seller, make_product):
    owner, org = seller
    product = make_product(owner, org)
    with pytest.raises(InvalidInput) as exc:
        photos.add_photo(owner, product, b"<html><script>alert(1)</script></html>", get_storage())
    assert exc.value.code == "invalid_image"
    assert db.session.scalar(select(func.count()).select_from(Photo)) == 0
