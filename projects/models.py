"""Projects, their label schema and members; datasets, versions and items."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class AnnotationKind(models.TextChoices):
    BBOX = "bbox", "Bounding box"
    POLYGON = "polygon", "Polygon"
    MASK = "mask", "Segmentation mask"
    IMAGE_CLASS = "image_class", "Image class"
    TEXT_CLASS = "text_class", "Text class"
    TEXT_SPAN = "text_span", "Text span"


IMAGE_KINDS = frozenset({AnnotationKind.BBOX, AnnotationKind.POLYGON, AnnotationKind.MASK, AnnotationKind.IMAGE_CLASS})
TEXT_KINDS = frozenset({AnnotationKind.TEXT_CLASS, AnnotationKind.TEXT_SPAN})


class Role(models.TextChoices):
    MANAGER = "manager", "Manager"
    ANNOTATOR = "annotator", "Annotator"
    REVIEWER = "reviewer", "Reviewer"
    VIEWER = "viewer", "Viewer"


class Project(models.Model):
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    # The annotation kinds this project uses, a subset of AnnotationKind values.
    kinds = models.JSONField(default=list)
    image_class_multi = models.BooleanField(default=False, help_text="Several image classes per item.")
    text_class_multi = models.BooleanField(default=False, help_text="Several text classes per item.")
    allow_overlapping_spans = models.BooleanField(default=False)
    annotators_per_item = models.PositiveSmallIntegerField(default=1)
    lock_minutes = models.PositiveIntegerField(default=10, help_text="How long a work-queue lock lasts.")
    idle_threshold_s = models.PositiveIntegerField(default=30, help_text="Input gaps longer than this are idle.")
    hourly_rate = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class LabelClass(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="classes")
    name = models.CharField(max_length=100)
    color = models.CharField(max_length=7, help_text="#rrggbb")
    hotkey = models.CharField(max_length=1, blank=True, default="")
    # Kinds this class may be used with; empty means every kind of the project.
    kinds = models.JSONField(default=list, blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="unique_class_name_per_project"),
            models.UniqueConstraint(
                fields=["project", "hotkey"], condition=~Q(hotkey=""), name="unique_class_hotkey_per_project"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def allows(self, kind: str) -> bool:
        return not self.kinds or kind in self.kinds


class Membership(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["project", "user"], name="one_membership_per_user")]

    def __str__(self) -> str:
        return f"{self.user_id} as {self.role} in {self.project_id}"


class Dataset(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="datasets")
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="unique_dataset_name")]

    def __str__(self) -> str:
        return self.name


class VersionStatus(models.TextChoices):
    BUILDING = "building", "Building"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class DatasetVersion(models.Model):
    """A set of items with their splits.

    Each dataset has one working version (number 1, `is_working`), which uploads add to and whose splits
    can change. Augmentation jobs create further versions that stay `building` until the job completes,
    then switch to `ready` in one step; only ready versions are listed as usable.
    """

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    is_working = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=VersionStatus.choices, default=VersionStatus.READY)
    parent = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="children")
    # Where this version came from (e.g. {"job": 12, "pipeline": {...}}), for provenance.
    provenance = models.JSONField(default=dict, blank=True)
    items: models.ManyToManyField[Item, VersionItem] = models.ManyToManyField(
        "Item", through="VersionItem", related_name="versions"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["dataset_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["dataset", "number"], name="unique_version_number"),
            models.UniqueConstraint(fields=["dataset"], condition=Q(is_working=True), name="one_working_version"),
        ]

    def __str__(self) -> str:
        return f"{self.dataset.name} v{self.number}"


class Split(models.TextChoices):
    UNASSIGNED = "", "Unassigned"
    TRAIN = "train", "Train"
    VAL = "val", "Validation"
    TEST = "test", "Test"


class ItemKind(models.TextChoices):
    IMAGE = "image", "Image"
    TEXT = "text", "Text"


class ItemStatus(models.TextChoices):
    NEW = "new", "New"
    IN_PROGRESS = "in_progress", "In progress"
    SUBMITTED = "submitted", "Submitted"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


def item_upload_path(item: Item, filename: str) -> str:
    # Content-addressed: the name never comes from the user, so it cannot collide or traverse.
    return f"projects/{item.project_id}/items/{item.sha256[:2]}/{item.sha256}{_suffix(filename)}"


def thumbnail_upload_path(item: Item, filename: str) -> str:
    return f"projects/{item.project_id}/thumbnails/{item.sha256[:2]}/{item.sha256}.webp"


def _suffix(filename: str) -> str:
    dot = filename.rfind(".")
    return filename[dot:].lower() if dot != -1 and len(filename) - dot <= 6 else ""


class Item(models.Model):
    # No index of its own: the composite indexes below start with it (one fewer index to write per row).
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="items", db_index=False)
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=8, choices=ItemKind.choices)
    # The name the user gave the file: stored as data, always rendered escaped, never used as a path.
    original_name = models.CharField(max_length=500, blank=True, default="")
    sha256 = models.CharField(max_length=64)
    file = models.FileField(upload_to=item_upload_path, max_length=300, blank=True)
    thumbnail = models.FileField(upload_to=thumbnail_upload_path, max_length=300, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    text = models.TextField(blank=True, default="")
    # Queried within a project only: the (project, status) index serves it.
    status = models.CharField(max_length=16, choices=ItemStatus.choices, default=ItemStatus.NEW)
    # Augmented outputs point at the item they were made from; uploads have none.
    source_item = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="derived")
    provenance = models.JSONField(default=dict, blank=True)
    meta = models.JSONField(default=dict, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            # Deduplication applies to what users upload; augmented outputs may coincide by chance.
            models.UniqueConstraint(
                fields=["project", "sha256"], condition=Q(source_item__isnull=True), name="unique_upload_per_project"
            ),
        ]
        indexes = [models.Index(fields=["project", "status"]), models.Index(fields=["project", "kind"])]

    def __str__(self) -> str:
        return self.original_name or f"item {self.pk}"


class VersionItem(models.Model):
    # No index of its own: the composite indexes below start with it (one fewer index to write per row).
    version = models.ForeignKey(DatasetVersion, on_delete=models.CASCADE, related_name="entries", db_index=False)
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="version_entries")
    split = models.CharField(max_length=8, choices=Split.choices, default=Split.UNASSIGNED, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "item"], name="unique_item_per_version")]
        indexes = [models.Index(fields=["version", "split"])]

    def __str__(self) -> str:
        return f"item {self.item_id} in version {self.version_id} ({self.split or 'unassigned'})"


class Upload(models.Model):
    """One upload request and its per-file report."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="uploads")
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="uploads")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    options = models.JSONField(default=dict, blank=True)
    accepted = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    # [{"name": ..., "status": "accepted"|"duplicate"|"rejected", "reason": ..., "item": id}]
    report = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"upload {self.pk} to project {self.project_id}"
