"""Check an image by decoding it, and give the canonical bytes to store.

Order matters: the pixel count is read from the header and checked before anything is decoded, so a
decompression bomb (a small file claiming 100000x100000 pixels) is refused without allocating; only then
is the image fully decoded (`load()`), so a truncated or corrupt file is refused rather than half-stored.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from PIL import ExifTags, Image, ImageOps

from projects.uploads.report import Code, Rejected

logger = logging.getLogger(__name__)

# Pillow formats we accept, and the extension the stored file gets.
STORED_EXTENSIONS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "BMP": ".bmp", "TIFF": ".png", "GIF": ".png"}
# Formats stored as PNG whatever the orientation: browsers cannot show TIFF, and only GIF's first frame is kept.
ALWAYS_PNG = frozenset({"TIFF", "GIF"})
PNG_MODES = frozenset({"1", "L", "LA", "I", "I;16", "P", "RGB", "RGBA"})
JPEG_MODES = frozenset({"L", "RGB", "CMYK"})
JPEG_QUALITY = 95
HASH_CHUNK = 1024 * 1024


@dataclass
class PreparedImage:
    content: IO[bytes]  # the bytes to store, positioned anywhere (storage reads from the start)
    sha256: str
    width: int
    height: int
    extension: str
    meta: dict[str, Any] = field(default_factory=dict)


def prepare_image(source: IO[bytes], image_format: str) -> PreparedImage:
    """Decode the image fully and return what to store; raise Rejected with the reason otherwise.

    `image_format` is what the magic bytes said; Pillow is allowed that one plugin only, so a file cannot
    reach a decoder for a format we never meant to accept.
    """
    # Pillow's own guard, aligned with ours, covers code paths that decode without our check first.
    Image.MAX_IMAGE_PIXELS = settings.MAX_IMAGE_PIXELS
    try:
        if image_format == "PNG":
            _verify_png_checksums(source)
        source.seek(0)
        with Image.open(source, formats=[image_format]) as image:
            _check_pixels(*image.size)
            image.load()
            return _canonical(image, source, image_format)
    except Rejected:
        raise
    except Image.DecompressionBombError as error:
        raise Rejected(Code.TOO_MANY_PIXELS, f"image has too many pixels: {error}") from None
    except Exception as error:
        # Corrupt files reach every corner of the decoders (OSError, SyntaxError, struct.error, IndexError,
        # zlib errors, ...); whatever the decoder raised, this one file is unreadable and the rest go on.
        logger.debug("image rejected", exc_info=True)
        raise Rejected(Code.CORRUPT, f"corrupt or truncated {image_format} image ({_describe(error)})") from None


def _check_pixels(width: int, height: int) -> None:
    if width <= 0 or height <= 0:
        raise Rejected(Code.CORRUPT, f"image has no pixels ({width}x{height})")
    if width * height > settings.MAX_IMAGE_PIXELS:
        raise Rejected(
            Code.TOO_MANY_PIXELS,
            f"image is {width}x{height} = {width * height:,} pixels; "
            f"the limit is {settings.MAX_IMAGE_PIXELS:,} pixels (413)",
        )


def _verify_png_checksums(source: IO[bytes]) -> None:
    # load() ignores chunk checksums; verify() checks every chunk's CRC without decoding pixels.
    source.seek(0)
    with Image.open(source, formats=["PNG"]) as image:
        _check_pixels(*image.size)
        image.verify()


def _canonical(image: Image.Image, source: IO[bytes], image_format: str) -> PreparedImage:
    orientation = _orientation(image) if image_format != "BMP" else 1
    if orientation == 1 and image_format not in ALWAYS_PNG:
        return PreparedImage(
            content=source,
            sha256=_hash_stream(source),
            width=image.width,
            height=image.height,
            extension=STORED_EXTENSIONS[image_format],
            meta={"format": image_format},
        )
    meta: dict[str, Any] = {"format": image_format}
    if orientation != 1:
        image = ImageOps.exif_transpose(image)
        meta["exif_orientation_applied"] = orientation
    encoded, extension = _encode(image, as_jpeg=image_format == "JPEG")
    return PreparedImage(
        content=io.BytesIO(encoded),
        sha256=hashlib.sha256(encoded).hexdigest(),
        width=image.width,
        height=image.height,
        extension=extension,
        meta=meta,
    )


def _orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(ExifTags.Base.Orientation, 1)
    except Exception:  # a broken EXIF block should not cost the image; it is then treated as upright
        logger.debug("unreadable EXIF ignored", exc_info=True)
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _encode(image: Image.Image, *, as_jpeg: bool) -> tuple[bytes, str]:
    buffer = io.BytesIO()
    extras: dict[str, Any] = {}
    if image.info.get("icc_profile"):
        extras["icc_profile"] = image.info["icc_profile"]
    if as_jpeg and image.mode in JPEG_MODES:
        if image.info.get("exif"):
            extras["exif"] = image.info["exif"]  # exif_transpose already removed the orientation tag
        image.save(buffer, format="JPEG", quality=JPEG_QUALITY, **extras)
        return buffer.getvalue(), ".jpg"
    if image.mode not in PNG_MODES:
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    image.save(buffer, format="PNG", **extras)
    return buffer.getvalue(), ".png"


def _hash_stream(source: IO[bytes]) -> str:
    source.seek(0)
    digest = hashlib.sha256()
    while chunk := source.read(HASH_CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def _describe(error: Exception) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text}"[:200] if text else type(error).__name__
