"""Thumbnails: a small WebP per image item, made after the upload has committed."""

from __future__ import annotations

import io

import numpy as np
from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image

from projects.models import Item, ItemKind

WEBP_QUALITY = 80
# 16-bit and 32-bit greyscale (scans, depth maps): Pillow cannot resize some of them, and converting them
# to RGB clips everything above 255 to white, so they are scaled to 8 bits first.
WIDE_MODES = frozenset({"I;16", "I;16L", "I;16B", "I;16N", "I", "F"})


def make_thumbnail(item: Item) -> bool:
    """Give the item a WebP thumbnail whose longest side is THUMBNAIL_SIZE; False when there was nothing to do.

    Safe to run twice and concurrently: an item that has a thumbnail in storage is left alone, and of two
    runs racing, the one that loses deletes its own file.
    """
    if item.kind != ItemKind.IMAGE or not item.file:
        return False
    storage = item.file.storage
    previous = item.thumbnail.name or ""
    if previous and storage.exists(previous):
        return False
    size = settings.THUMBNAIL_SIZE
    with item.file.open("rb") as source, Image.open(source) as opened:
        opened.draft("RGB", (size, size))  # JPEG decodes at a reduced scale; other formats ignore it
        image = _eight_bit(opened) if opened.mode in WIDE_MODES else opened
        image.thumbnail((size, size))
        has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
        converted = image.convert("RGBA" if has_alpha else "RGB")
        buffer = io.BytesIO()
        converted.save(buffer, format="WEBP", quality=WEBP_QUALITY)
    name = Item._meta.get_field("thumbnail").generate_filename(item, "thumbnail.webp")
    stored = storage.save(name, ContentFile(buffer.getvalue()))
    updated = Item.objects.filter(pk=item.pk, thumbnail=previous).update(thumbnail=stored)
    if not updated:
        storage.delete(stored)
        return False
    item.thumbnail.name = stored
    return True


def _eight_bit(image: Image.Image) -> Image.Image:
    pixels = np.asarray(image, dtype=np.float64)
    if image.mode.startswith("I;16"):
        scaled = pixels / 257.0
    else:  # 32-bit: no fixed range, stretch what is there
        low, high = float(pixels.min()), float(pixels.max())
        scaled = (pixels - low) * (255.0 / (high - low)) if high > low else np.zeros_like(pixels)
    return Image.fromarray(np.clip(np.rint(scaled), 0, 255).astype(np.uint8), mode="L")
