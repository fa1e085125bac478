"""Uploaded images: verified by Pillow, stripped of metadata, re-encoded, thumbnailed."""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import InvalidInput

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
RESPONSIVE_WIDTHS = (320, 640, 1024)  # what srcset offers a phone, a large phone or tablet, a desktop column
THUMB_BUDGET = 25 * 1024  # a catalog card's picture on a slow line: lower the quality until it fits
MAX_PIXELS = 40_000_000  # a 40-megapixel photo is the largest a phone takes; more is a bomb


@dataclass(frozen=True)
class ProcessedImage:
    data: bytes
    thumbnail: bytes
    width: int
    height: int
    content_type: str = "image/webp"
    extension: str = "webp"
    # (width, WebP bytes) for each of `widths` narrower than the picture itself: srcset candidates.
    variants: tuple[tuple[int, bytes], ...] = ()


def process_image(raw: bytes, *, max_side: int = 1600, thumb_side: int = 400,
                  widths: tuple[int, ...] = ()) -> ProcessedImage:
    """Check the bytes are a real JPEG/PNG/WebP, refuse bombs, drop EXIF/GPS, re-encode to WebP; also the
    thumbnail (under THUMB_BUDGET) and a copy at each of `widths` narrower than the picture."""
    if not raw:
        raise InvalidInput(_l("The file is empty."), code="invalid_image")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(raw)) as probe:
                if probe.format not in ALLOWED_FORMATS:
                    raise InvalidInput(_l("Please upload a JPEG, PNG or WebP photo."), code="invalid_image")
                if probe.width * probe.height > MAX_PIXELS:
                    raise InvalidInput(_l("The photo has too many pixels."), code="image_too_large")
                probe.verify()
            with Image.open(io.BytesIO(raw)) as opened:
                opened.load()
                image = ImageOps.exif_transpose(opened)
                image = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
                image.thumbnail((max_side, max_side))
                main = _encode(image)
                thumb_image = image.copy()
                thumb_image.thumbnail((thumb_side, thumb_side))
                return ProcessedImage(main, encode_within(thumb_image, THUMB_BUDGET), image.width, image.height,
                                      variants=resized(image, widths))
        except InvalidInput:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise InvalidInput(_l("The photo has too many pixels."), code="image_too_large") from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise InvalidInput(_l("Please upload a JPEG, PNG or WebP photo."), code="invalid_image") from exc


def _encode(image: Image.Image, quality: int = 80) -> bytes:
    out = io.BytesIO()
    image.save(out, format="WEBP", quality=quality, method=4)
    return out.getvalue()


def encode_within(image: Image.Image, budget: int) -> bytes:
    """WebP at quality 80, or lower (down to 40), then smaller (down to 120 px), until it fits the budget."""
    data = _encode(image)
    for quality in (70, 60, 50, 40):
        if len(data) <= budget:
            return data
        data = _encode(image, quality)
    while len(data) > budget and min(image.size) > 120:  # a picture of pure detail: fewer pixels, then
        image = image.resize((max(1, image.width * 4 // 5), max(1, image.height * 4 // 5)), Image.Resampling.LANCZOS)
        data = _encode(image, 40)
    return data


def resized(image: Image.Image, widths: tuple[int, ...]) -> tuple[tuple[int, bytes], ...]:
    """The picture at each width narrower than it (height in proportion), as WebP."""
    out = []
    for width in sorted(set(widths)):
        if width >= image.width:
            continue
        copy = image.resize((width, max(1, round(image.height * width / image.width))), Image.Resampling.LANCZOS)
        out.append((width, _encode(copy, 75)))
    return tuple(out)


def _stored(raw: bytes) -> Image.Image:
    """A picture stored by process_image before (already checked and re-encoded), opened for a backfill."""
    with Image.open(io.BytesIO(raw)) as image:
        image.load()
        return image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")


def resize_stored(raw: bytes, widths: tuple[int, ...] = RESPONSIVE_WIDTHS) -> tuple[tuple[int, bytes], ...]:
    """The srcset copies of a stored picture."""
    return resized(_stored(raw), widths)


def thumbnail_of(raw: bytes, side: int = 400) -> bytes:
    """A new thumbnail of a stored picture, within THUMB_BUDGET."""
    image = _stored(raw)
    image.thumbnail((side, side))
    return encode_within(image, THUMB_BUDGET)
