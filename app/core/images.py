"""Uploaded images: verified by Pillow, stripped of metadata, re-encoded, thumbnailed."""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import InvalidInput

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_PIXELS = 40_000_000  # a 40-megapixel photo is the largest a phone takes; more is a bomb


@dataclass(frozen=True)
class ProcessedImage:
    data: bytes
    thumbnail: bytes
    width: int
    height: int
    content_type: str = "image/webp"
    extension: str = "webp"


def process_image(raw: bytes, *, max_side: int = 1600, thumb_side: int = 400) -> ProcessedImage:
    """Check the bytes are a real JPEG/PNG/WebP, refuse bombs, drop EXIF/GPS, re-encode to WebP."""
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
            with Image.open(io.BytesIO(raw)) as image:
                image.load()
                image = ImageOps.exif_transpose(image)
                image = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
                image.thumbnail((max_side, max_side))
                main = _encode(image)
                thumb_image = image.copy()
                thumb_image.thumbnail((thumb_side, thumb_side))
                return ProcessedImage(main, _encode(thumb_image), image.width, image.height)
        except InvalidInput:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise InvalidInput(_l("The photo has too many pixels."), code="image_too_large") from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise InvalidInput(_l("Please upload a JPEG, PNG or WebP photo."), code="invalid_image") from exc


def _encode(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="WEBP", quality=80, method=4)
    return out.getvalue()
