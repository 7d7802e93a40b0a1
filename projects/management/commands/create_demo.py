"""`manage.py create_demo`: a demo manager account and a small project to try Tandem with, made locally.

Idempotent: a second run creates nothing and says what exists. The account's password is random and printed
only when the account is created; `manage.py changepassword demo` sets a new one.
"""

from __future__ import annotations

import io
import secrets
from typing import Any

import numpy as np
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction
from PIL import Image, ImageDraw

from projects import services
from projects.models import AnnotationKind, Project, Upload
from projects.uploads.service import UploadOptions, upload_files

DEMO_USERNAME = "demo"
DEMO_PROJECT_NAME = "Demo: shapes and sentences"
IMAGE_COUNT = 12
IMAGE_SIZE = (320, 240)
# Fixed, so every checkout draws the same pictures (and a rerun would find them to be duplicates).
SEED = 20240601

SHAPES = ("circle", "square", "triangle")
# Saturated colours on pale backgrounds: shapes stand out for box and polygon tools alike.
COLOURS = {"red": (220, 50, 47), "green": (40, 160, 70), "blue": (38, 110, 210), "orange": (240, 140, 20)}
IMAGE_ANNOTATION_KINDS = [
    kind.value
    for kind in (AnnotationKind.BBOX, AnnotationKind.POLYGON, AnnotationKind.MASK, AnnotationKind.IMAGE_CLASS)
]

CLASSES: list[dict[str, Any]] = [
    {"name": "circle", "color": "#e6194b", "hotkey": "1", "kinds": IMAGE_ANNOTATION_KINDS},
    {"name": "square", "color": "#3cb44b", "hotkey": "2", "kinds": IMAGE_ANNOTATION_KINDS},
    {"name": "triangle", "color": "#4363d8", "hotkey": "3", "kinds": IMAGE_ANNOTATION_KINDS},
    {"name": "positive", "color": "#f58231", "hotkey": "4", "kinds": [AnnotationKind.TEXT_CLASS.value]},
    {"name": "negative", "color": "#911eb4", "hotkey": "5", "kinds": [AnnotationKind.TEXT_CLASS.value]},
    {"name": "colour", "color": "#42d4f4", "hotkey": "6", "kinds": [AnnotationKind.TEXT_SPAN.value]},
    {"name": "shape", "color": "#f032e6", "hotkey": "7", "kinds": [AnnotationKind.TEXT_SPAN.value]},
]

SENTENCES = (
    "I love how the bright red circle sits right in the middle.",
    "The green square looks smudged and the edges are a mess.",
    "Two blue triangles point at each other, which is oddly satisfying.",
    "That orange circle is far too small to see on a phone.",
    "A neat row of squares in red, green and blue makes a lovely pattern.",
    "The triangle in the corner is cut off and spoils the picture.",
    "Nothing beats a clean blue circle on a pale background.",
    "Why is the orange square overlapping the red one again?",
)


def draw_shapes_image(rng: np.random.Generator) -> bytes:
    """A PNG with one to three filled shapes of random colour, size and place on a pale background."""
    width, height = IMAGE_SIZE
    background = tuple(int(v) for v in rng.integers(225, 256, size=3))
    image = Image.new("RGB", IMAGE_SIZE, background)
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(1, 4))):
        shape = SHAPES[int(rng.integers(len(SHAPES)))]
        colour = list(COLOURS.values())[int(rng.integers(len(COLOURS)))]
        size = int(rng.integers(40, 110))
        left = int(rng.integers(0, width - size))
        top = int(rng.integers(0, height - size))
        box = (left, top, left + size, top + size)
        if shape == "circle":
            draw.ellipse(box, fill=colour)
        elif shape == "square":
            draw.rectangle(box, fill=colour)
        else:
            draw.polygon([(left + size // 2, top), (left + size, top + size), (left, top + size)], fill=colour)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def demo_files() -> list[SimpleUploadedFile]:
    rng = np.random.default_rng(SEED)
    files = [
        SimpleUploadedFile(f"shapes-{number:02d}.png", draw_shapes_image(rng), content_type="image/png")
        for number in range(1, IMAGE_COUNT + 1)
    ]
    # One text item per line.
    files.append(SimpleUploadedFile("sentences.txt", "\n".join(SENTENCES).encode(), content_type="text/plain"))
    return files


class Command(BaseCommand):
    help = "Create the demo account and a demo project with generated images and sentences (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        user = self._demo_user()
        project = self._demo_project(user)
        if project.items.exists():
            self.stdout.write(f"Demo project {project.name!r} (id {project.pk}) already has its items.")
            return
        # The same service the upload API uses: same checks, storage paths, deduplication and thumbnails.
        upload = upload_files(project=project, user=user, files=demo_files(), options=UploadOptions())
        self._report(project, upload)

    def _demo_user(self) -> User:
        user = User.objects.filter(username=DEMO_USERNAME).first()
        if user is not None:
            self.stdout.write(
                f"Demo account {DEMO_USERNAME!r} already exists; its password was printed when it was created. "
                f"Set a new one with: python manage.py changepassword {DEMO_USERNAME}"
            )
            return user
        password = secrets.token_urlsafe(12)
        user = User.objects.create_user(username=DEMO_USERNAME, password=password)
        self.stdout.write(
            self.style.SUCCESS(f"Created the demo account. Log in as {DEMO_USERNAME!r} with password: {password}")
        )
        self.stdout.write("This password is shown only once.")
        return user

    @transaction.atomic
    def _demo_project(self, user: User) -> Project:
        project = Project.objects.filter(name=DEMO_PROJECT_NAME, created_by_id=user.pk).first()
        if project is not None:
            return project
        return services.create_project(
            user=user,
            name=DEMO_PROJECT_NAME,
            description="Generated shapes to draw boxes, polygons and masks on, and sentences to classify and tag.",
            kinds=[kind.value for kind in AnnotationKind],
            classes=CLASSES,
        )

    def _report(self, project: Project, upload: Upload) -> None:
        self.stdout.write(
            self.style.SUCCESS(
                f"Created demo project {project.name!r} (id {project.pk}) with {upload.accepted} items "
                f"({IMAGE_COUNT} images, {len(SENTENCES)} sentences)."
            )
        )
        if upload.rejected:
            rejected = [line for line in upload.report if line["status"] == "rejected"]
            self.stderr.write(f"{upload.rejected} demo files were rejected: {rejected}")
