"""Reads for projects, scoped to what the user may see."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import Count, OuterRef, QuerySet, Subquery

from projects.models import Dataset, DatasetVersion, Item, Membership, Project, VersionItem, VersionStatus


def projects_for_user(user: User) -> QuerySet[Project]:
    role = Membership.objects.filter(project=OuterRef("pk"), user=user).values("role")[:1]
    return (
        Project.objects.filter(memberships__user=user)
        .annotate(my_role=Subquery(role), item_count=Count("items", distinct=True))
        .prefetch_related("classes")
        .order_by("-created_at", "-id")  # aggregation drops Meta.ordering
    )


def working_version(dataset: Dataset) -> DatasetVersion:
    return DatasetVersion.objects.get(dataset=dataset, is_working=True)


def default_dataset(project: Project) -> Dataset:
    dataset = project.datasets.order_by("id").first()
    if dataset is None:  # every project is created with one; this only guards data made by hand
        raise Dataset.DoesNotExist(f"Project {project.pk} has no dataset.")
    return dataset


def usable_versions(project: Project) -> QuerySet[DatasetVersion]:
    """Versions a user can pick: ready ones only; building or failed ones are never half-visible."""
    return (
        DatasetVersion.objects.filter(dataset__project=project, status=VersionStatus.READY)
        .select_related("dataset")
        .annotate(item_count=Count("entries"))
        .order_by("dataset_id", "number")
    )


def items_in_usable_versions(project: Project) -> QuerySet[Item]:
    """Items of any ready version of the project (an augmented item is in its job's version only)."""
    ready = DatasetVersion.objects.filter(dataset__project=project, status=VersionStatus.READY)
    return Item.objects.filter(project=project, version_entries__version__in=ready).distinct()


def items_in_version(version: DatasetVersion) -> QuerySet[Item]:
    split = VersionItem.objects.filter(version=version, item=OuterRef("pk")).values("split")[:1]
    return Item.objects.filter(version_entries__version=version).annotate(split=Subquery(split))
