"""Writes for projects: creation, label schema, members, datasets, versions and splits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from projects.models import (
    Dataset,
    DatasetVersion,
    Item,
    LabelClass,
    Membership,
    Project,
    Role,
    Split,
    VersionItem,
    VersionStatus,
)


class ServiceError(Exception):
    """A rule of the domain was broken; views turn it into a 4xx with this message."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra


class ConflictError(ServiceError):
    status_code = 409


@transaction.atomic
def create_project(*, user: User, name: str, classes: Sequence[dict[str, Any]] = (), **fields: Any) -> Project:
    project = Project.objects.create(name=name, created_by=user, **fields)
    Membership.objects.create(project=project, user=user, role=Role.MANAGER)
    dataset = Dataset.objects.create(project=project, name="default")
    DatasetVersion.objects.create(
        dataset=dataset, number=1, name="working", is_working=True, status=VersionStatus.READY, created_by=user
    )
    for order, spec in enumerate(classes):
        create_class(project=project, order=order, **spec)
    return project


@transaction.atomic
def update_project(project: Project, **fields: Any) -> Project:
    for name, value in fields.items():
        setattr(project, name, value)
    project.save()
    return project


def create_class(*, project: Project, **fields: Any) -> LabelClass:
    if "order" not in fields:
        fields["order"] = project.classes.count()
    try:
        with transaction.atomic():
            return LabelClass.objects.create(project=project, **fields)
    except IntegrityError:
        raise _class_clash(project, fields) from None


def update_class(label_class: LabelClass, **fields: Any) -> LabelClass:
    """Renaming or recolouring keeps the id, so every annotation keeps pointing at the class."""
    for name, value in fields.items():
        setattr(label_class, name, value)
    try:
        with transaction.atomic():
            label_class.save()
    except IntegrityError:
        raise _class_clash(label_class.project, fields) from None
    return label_class


def _class_clash(project: Project, fields: dict[str, Any]) -> ConflictError:
    if "name" in fields and project.classes.filter(name=fields["name"]).exists():
        return ConflictError(f"A class named {fields['name']!r} already exists in this project.", field="name")
    return ConflictError(f"Hotkey {fields.get('hotkey')!r} is already used by another class.", field="hotkey")


def delete_class(label_class: LabelClass) -> None:
    """Refuse to delete a class that annotations use: say how many, so the user can relabel first."""
    try:
        with transaction.atomic():
            label_class.delete()
    except ProtectedError as error:
        annotation_ids = {getattr(obj, "annotation_id", obj.pk) for obj in error.protected_objects}
        count = len(annotation_ids)
        raise ConflictError(
            f"Class {label_class.name!r} is used by {count} annotation{'s' if count != 1 else ''}; "
            "relabel or delete those first.",
            annotation_count=count,
        ) from None


def reorder_classes(project: Project, class_ids: Sequence[int]) -> None:
    known = set(project.classes.values_list("id", flat=True))
    if set(class_ids) != known or len(class_ids) != len(known):
        raise ServiceError("Give every class id of the project exactly once.", field="order")
    with transaction.atomic():
        for order, class_id in enumerate(class_ids):
            LabelClass.objects.filter(pk=class_id).update(order=order)


@transaction.atomic
def add_member(*, project: Project, user: User, role: str) -> Membership:
    if Membership.objects.filter(project=project, user=user).exists():
        raise ConflictError(f"{user.get_username()} is already a member of this project.", field="user")
    return Membership.objects.create(project=project, user=user, role=role)


@transaction.atomic
def change_role(membership: Membership, role: str) -> Membership:
    if membership.role == Role.MANAGER and role != Role.MANAGER:
        _ensure_another_manager(membership)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def remove_member(membership: Membership) -> None:
    if membership.role == Role.MANAGER:
        _ensure_another_manager(membership)
    membership.delete()


def _ensure_another_manager(membership: Membership) -> None:
    others = (
        Membership.objects.select_for_update()
        .filter(project_id=membership.project_id, role=Role.MANAGER)
        .exclude(pk=membership.pk)
    )
    if not others.exists():
        raise ConflictError("A project needs at least one manager; make someone else a manager first.")


@transaction.atomic
def create_dataset(*, project: Project, name: str, user: User) -> Dataset:
    if Dataset.objects.filter(project=project, name=name).exists():
        raise ConflictError(f"A dataset named {name!r} already exists.", field="name")
    dataset = Dataset.objects.create(project=project, name=name)
    DatasetVersion.objects.create(dataset=dataset, number=1, name="working", is_working=True, created_by=user)
    return dataset


def assign_split(*, version: DatasetVersion, item_ids: Iterable[int], split: str) -> int:
    _require_working(version)
    return VersionItem.objects.filter(version=version, item_id__in=list(item_ids)).update(split=split)


@dataclass(frozen=True)
class SplitResult:
    train: int
    val: int
    test: int


@transaction.atomic
def random_split(
    *, version: DatasetVersion, train: float, val: float, test: float, seed: int, only_unassigned: bool = False
) -> SplitResult:
    """Shuffle the version's items with the seed and cut by ratio: the same seed gives the same split."""
    _require_working(version)
    total = train + val + test
    if total <= 0 or min(train, val, test) < 0:
        raise ServiceError("Ratios must be non-negative and not all zero.", field="train")
    entries = VersionItem.objects.filter(version=version)
    if only_unassigned:
        entries = entries.filter(split=Split.UNASSIGNED)
    ids = np.array(sorted(entries.values_list("id", flat=True)), dtype=np.int64)
    np.random.default_rng(seed).shuffle(ids)
    n_train = round(len(ids) * train / total)
    n_val = round(len(ids) * val / total)
    parts = {
        Split.TRAIN: ids[:n_train],
        Split.VAL: ids[n_train : n_train + n_val],
        Split.TEST: ids[n_train + n_val :],
    }
    for split, part in parts.items():
        VersionItem.objects.filter(id__in=part.tolist()).update(split=split)
    return SplitResult(train=len(parts[Split.TRAIN]), val=len(parts[Split.VAL]), test=len(parts[Split.TEST]))


def _require_working(version: DatasetVersion) -> None:
    if not version.is_working:
        raise ConflictError(
            f"Version {version.number} is a frozen snapshot; change splits in the working version instead."
        )


@transaction.atomic
def delete_project(project: Project) -> None:
    """Delete a project with everything in it. Regions protect their classes (so a class in use cannot
    be deleted on its own); the project's annotations go first so its classes can go with it."""
    # The reverse relation comes from labeling, which projects must not import.
    project.annotations.all().delete()  # type: ignore[attr-defined]
    project.delete()


@transaction.atomic
def delete_item(item: Item) -> None:
    """Delete the row now and its files only once the deletion has committed."""
    names = [f.name for f in (item.file, item.thumbnail) if f and f.name]
    storage = item.file.storage
    item.delete()

    def delete_files() -> None:
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete_files)
