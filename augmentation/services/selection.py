"""Which items of a version a job augments, and with which of their annotations.

An item's labels are its latest accepted annotation, else its latest submitted one (never a prediction or a
draft); items with neither are skipped. The selection then filters by split (train only by default: augmenting
validation or test items leaks into evaluation), by annotation status, and by class (items with at least one
region of a chosen class; the item keeps all its regions, since dropping the others would teach the model
that those objects are background).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Exists, IntegerField, OuterRef, QuerySet, Subquery, Value, When

from labeling.models import Annotation, AnnotationStatus, Region
from projects.models import DatasetVersion, Split, VersionItem

DEFAULT_SPLITS = (Split.TRAIN.value,)
DEFAULT_STATUSES = (AnnotationStatus.ACCEPTED.value, AnnotationStatus.SUBMITTED.value)
USABLE_STATUSES = DEFAULT_STATUSES
# The split "" is written "unassigned" in a selection: an empty string in a list reads like a mistake.
UNASSIGNED = "unassigned"


@dataclass(frozen=True)
class Selection:
    splits: tuple[str, ...] = DEFAULT_SPLITS
    statuses: tuple[str, ...] = DEFAULT_STATUSES
    classes: tuple[int, ...] = ()

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Selection:
        data = data or {}
        return cls(
            splits=tuple(data.get("splits") or DEFAULT_SPLITS),
            statuses=tuple(data.get("statuses") or DEFAULT_STATUSES),
            classes=tuple(data.get("classes") or ()),
        )

    def as_json(self) -> dict[str, Any]:
        return {"splits": list(self.splits), "statuses": list(self.statuses), "classes": list(self.classes)}


@dataclass(frozen=True)
class Entry:
    """One selected source item: its labels (annotation), the split it has in the source version."""

    item_id: int
    annotation_id: int
    split: str


def chosen_annotation(item_ref: Any = None) -> Subquery:
    """The id of the annotation whose labels an item is augmented with (see the module docstring)."""
    return Subquery(
        Annotation.objects.filter(
            item=item_ref if item_ref is not None else OuterRef("pk"),
            is_prediction=False,
            status__in=USABLE_STATUSES,
        )
        .annotate(
            rank=Case(
                When(status=AnnotationStatus.ACCEPTED, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("rank", "-updated_at", "-id")
        .values("id")[:1]
    )


def selected_rows(version: DatasetVersion, selection: Selection, *, kind: str) -> QuerySet[VersionItem]:
    """The version's entries the selection picks, each annotated with its `annotation_id`."""
    splits = ["" if split == UNASSIGNED else split for split in selection.splits]
    rows: QuerySet[VersionItem] = (
        VersionItem.objects.filter(version=version, split__in=splits, item__kind=kind)
        .annotate(annotation_id=chosen_annotation(OuterRef("item_id")))
        .filter(annotation_id__isnull=False)
    )
    chosen = Annotation.objects.filter(pk=OuterRef("annotation_id"))
    rows = rows.annotate(annotation_status=Subquery(chosen.values("status")[:1])).filter(
        annotation_status__in=selection.statuses
    )
    if selection.classes:
        with_class = Region.objects.filter(
            annotation_id=OuterRef("annotation_id"), label_class_id__in=selection.classes
        )
        rows = rows.filter(Exists(with_class))
    return rows


def selected_entries(version: DatasetVersion, selection: Selection, *, kind: str) -> list[Entry]:
    """The selected items of the version with the chosen annotation, in item id order."""
    rows = selected_rows(version, selection, kind=kind).order_by("item_id")
    return [
        Entry(item_id=item_id, annotation_id=annotation_id, split=split)
        for item_id, annotation_id, split in rows.values_list("item_id", "annotation_id", "split")  # type: ignore[misc]
    ]
