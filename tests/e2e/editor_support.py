"""Helpers for the editor's browser tests: items with marker pixels, opening the editor, reading the API."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

import numpy as np
from django.core.files.base import ContentFile
from PIL import Image
from playwright.sync_api import Page, expect

from projects.models import Item, ItemKind, VersionItem
from projects.selectors import default_dataset, working_version

# Marker pixels on a white image: the tests find them on screen to learn where image pixels are drawn,
# independently of the editor's own idea of its zoom and offset.
MARKERS = {"red": ((20, 15), (255, 0, 0)), "blue": ((70, 45), (0, 0, 255))}


def marked_png(width: int = 100, height: int = 80) -> bytes:
    image = Image.new("RGB", (width, height), (255, 255, 255))
    for (x, y), colour in MARKERS.values():
        image.putpixel((x, y), colour)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def make_marked_item(project, *, name: str = "markers.png", width: int = 100, height: int = 80) -> Item:
    data = marked_png(width, height)
    digest = hashlib.sha256(data + name.encode()).hexdigest()
    dataset = default_dataset(project)
    item = Item(
        project=project,
        dataset=dataset,
        kind=ItemKind.IMAGE,
        original_name=name,
        sha256=digest,
        width=width,
        height=height,
    )
    item.file.save(f"{digest}.png", ContentFile(data), save=False)
    item.save()
    VersionItem.objects.create(version=working_version(dataset), item=item)
    return item


def open_editor(page: Page, path: str) -> None:
    page.goto(path)
    expect(page.locator("#editor")).to_have_attribute("data-ready", "true")


def save_now(page: Page) -> None:
    page.keyboard.press("Control+s")
    expect(page.locator("#save-status")).to_have_text("All changes saved")


def annotations_of(page: Page, project_id: int, item_id: int) -> list[dict]:
    response = page.request.get(f"/api/v1/projects/{project_id}/items/{item_id}/annotations/")
    assert response.ok, response.text()
    return response.json()["results"]


def own_annotation(page: Page, project_id: int, item_id: int) -> dict:
    (annotation,) = [a for a in annotations_of(page, project_id, item_id) if not a["is_prediction"]]
    return annotation


@dataclass(frozen=True)
class ScreenMapping:
    """Where image pixels are on the page: page = offset + image * scale (CSS pixels)."""

    scale: float
    x: float
    y: float

    def to_page(self, image_x: float, image_y: float) -> tuple[float, float]:
        return self.x + image_x * self.scale, self.y + image_y * self.scale


def find_markers(page: Page) -> ScreenMapping:
    """Locate the marker pixels in a screenshot of the page and derive the image-to-page mapping."""
    page.mouse.move(1, 1)  # no crosshair over the image
    page.wait_for_timeout(100)
    shot = np.asarray(Image.open(io.BytesIO(page.screenshot())).convert("RGB")).astype(int)
    # Only the stage: class swatches elsewhere on the page may have the markers' colours.
    stage = page.locator(".stage").bounding_box()
    outside = np.ones(shot.shape[:2], dtype=bool)
    top, left = int(stage["y"]) + 1, int(stage["x"]) + 1
    outside[top : int(stage["y"] + stage["height"]) - 1, left : int(stage["x"] + stage["width"]) - 1] = False
    shot[outside] = -1
    found = {}
    for name, ((_, _), colour) in MARKERS.items():
        ys, xs = np.nonzero((shot == np.array(colour)).all(axis=2))
        assert xs.size, f"The {name} marker pixel is not on screen."
        found[name] = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
    (red_x, red_y), _ = MARKERS["red"]
    (blue_x, _), _ = MARKERS["blue"]
    left, top, right, _ = found["red"]
    blue_left = found["blue"][0]
    scale = (blue_left - left) / (blue_x - red_x)
    assert abs((right - left) - scale) <= 1, "a marker pixel should be about one zoomed pixel wide"
    return ScreenMapping(scale=scale, x=left - red_x * scale, y=top - red_y * scale)
