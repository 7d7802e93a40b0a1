"""factory-boy factories shared by every test module."""

from __future__ import annotations

import hashlib
import io

import factory
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from PIL import Image

from projects import services
from projects.models import Item, ItemKind, LabelClass, Membership, Project, Role, VersionItem
from projects.selectors import default_dataset, working_version

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def make_project(
    *,
    manager=None,
    kinds=("bbox", "polygon", "mask", "image_class"),
    classes=(("cat", "#ff0000", "c"), ("dog", "#00ff00", "d")),
    **fields,
) -> Project:
    """A project through the real service, so it has its dataset and working version."""
    manager = manager or UserFactory()
    return services.create_project(
        user=manager,
        name=fields.pop("name", "Project"),
        kinds=list(kinds),
        classes=[{"name": n, "color": c, "hotkey": h} for n, c, h in classes],
        **fields,
    )


def add_member(project: Project, role: str = Role.ANNOTATOR, user=None):
    user = user or UserFactory()
    Membership.objects.create(project=project, user=user, role=role)
    return user


def manager_of(project: Project):
    return project.memberships.filter(role=Role.MANAGER).first().user


def png_bytes(width: int = 32, height: int = 24, color=(200, 30, 30), fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format=fmt)
    return buffer.getvalue()


def make_image_item(project: Project, *, width=32, height=24, color=(200, 30, 30), split="", name=None) -> Item:
    data = png_bytes(width, height, color)
    return store_image_item(project, data, width=width, height=height, split=split, name=name)


def store_image_item(
    project: Project, data: bytes, *, width: int, height: int, suffix=".png", split="", name=None
) -> Item:
    """An image item of `data` in the project's working version (stored as an upload would store it)."""
    digest = hashlib.sha256(data).hexdigest()
    dataset = default_dataset(project)
    item = Item(
        project=project,
        dataset=dataset,
        kind=ItemKind.IMAGE,
        original_name=name or f"{digest[:8]}{suffix}",
        sha256=digest,
        width=width,
        height=height,
    )
    item.file.save(f"{digest}{suffix}", ContentFile(data), save=False)
    item.save()
    VersionItem.objects.create(version=working_version(dataset), item=item, split=split)
    return item


def make_text_item(project: Project, text: str, *, split="", name="") -> Item:
    digest = hashlib.sha256(text.encode()).hexdigest()
    dataset = default_dataset(project)
    item = Item.objects.create(
        project=project, dataset=dataset, kind=ItemKind.TEXT, text=text, sha256=digest, original_name=name
    )
    VersionItem.objects.create(version=working_version(dataset), item=item, split=split)
    return item


def label_class(project: Project, name: str) -> LabelClass:
    return project.classes.get(name=name)
