from __future__ import annotations

import pytest
from django.db import connection

from labeling.models import Assignment, AssignmentStatus
from projects.models import Role
from tests.factories import UserFactory, add_member, make_image_item, make_project, make_text_item

ALL_IMAGE_KINDS = ("bbox", "polygon", "mask", "image_class")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Factories set passwords; the default hasher is deliberately slow, which tests do not need.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def requires_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("Needs PostgreSQL (DATABASE_URL=postgres://...): real row locks and SKIP LOCKED are the point.")


@pytest.fixture
def image_project(manager):
    return make_project(manager=manager, name="Pets", kinds=ALL_IMAGE_KINDS)


@pytest.fixture
def image_item(image_project):
    return make_image_item(image_project, width=32, height=24)


@pytest.fixture
def text_project(manager):
    return make_project(
        manager=manager,
        name="Reviews",
        kinds=("text_class", "text_span"),
        classes=(("positive", "#00ff00", "p"), ("negative", "#ff0000", "n"), ("person", "#0000ff", "e")),
    )


@pytest.fixture
def text_item(text_project):
    return make_text_item(text_project, "Ada Lovelace wrote the first program. 🙂 Émile liked it.")


@pytest.fixture
def annotator(image_project):
    return add_member(image_project, Role.ANNOTATOR, user=UserFactory(username="ann"))


@pytest.fixture
def annotator_api(client_for, annotator):
    return client_for(annotator)


@pytest.fixture
def cat(image_project):
    return image_project.classes.get(name="cat")


@pytest.fixture
def dog(image_project):
    return image_project.classes.get(name="dog")


def hand(item, user, status=AssignmentStatus.LOCKED):
    """Give the item to the user as the queue would (a live lock)."""
    from datetime import timedelta

    from django.utils import timezone

    return Assignment.objects.update_or_create(
        item=item,
        user=user,
        defaults={
            "project": item.project,
            "status": status,
            "locked_until": timezone.now() + timedelta(minutes=10) if status == AssignmentStatus.LOCKED else None,
        },
    )[0]


def box(label_class, x=1.0, y=2.0, width=10.0, height=8.0, **extra):
    return {"kind": "bbox", "label_class": label_class.pk, "x": x, "y": y, "width": width, "height": height, **extra}


def annotations_url(item):
    return f"/api/v1/projects/{item.project_id}/items/{item.pk}/annotations/"


def annotation_url(annotation_id, project_id, suffix=""):
    return f"/api/v1/projects/{project_id}/annotations/{annotation_id}/{suffix}"


def create(api, item, regions, **body):
    return api.post(annotations_url(item), {"regions": regions, **body}, format="json")


class Clock:
    """The server's clock, moved by hand."""

    def __init__(self) -> None:
        from datetime import UTC, datetime

        self.now = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)

    def advance(self, **delta) -> None:
        from datetime import timedelta

        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    from django.utils import timezone

    fixed = Clock()
    monkeypatch.setattr(timezone, "now", lambda: fixed.now)
    return fixed


def next_item(api, project):
    return api.post(f"/api/v1/projects/{project.pk}/queue/next/", format="json")
