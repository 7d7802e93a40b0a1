"""projects.rows.insert_rows writes what bulk_create would, on PostgreSQL (COPY) and elsewhere (INSERT)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from django.db import connection, transaction
from django.utils import timezone

from labeling.models import Annotation, AnnotationStatus, Region
from projects.models import Item, ItemKind, VersionItem
from projects.rows import insert_rows
from projects.selectors import default_dataset, working_version
from tests.factories import UserFactory, label_class, make_image_item, make_project

pytestmark = pytest.mark.django_db

# Values COPY's text format must escape, and some it need not.
AWKWARD = ["tab\there", "line\nbreak", "cr\rlf\r\n", "back\\slash \\N \\t", "", "é 😀 \u0301", "quote ' \" ,;"]
REGION_COLUMNS = ("annotation_id", "label_class_id", "kind", "key", "x", "y", "width", "height", "points", "comment")


def _annotation(project, item) -> Annotation:
    return Annotation.objects.create(project=project, item=item, annotator=UserFactory())


def _region_values(annotation_id: int, class_id: int) -> list[tuple]:
    rows = []
    for index, text in enumerate(AWKWARD):
        points = [[1.5, 2.25], [text, None, {"k\t": "v\\"}]] if index % 2 else None
        rows.append(
            (annotation_id, class_id, "polygon", f"k{index}-{text}", 0.1 * index, np.float32(0.1), 3, 4.0, points, text)
        )
    return rows


def _regions_of(annotation: Annotation) -> list[dict]:
    fields = [f.attname for f in Region._meta.concrete_fields if f.attname not in ("id", "annotation_id")]
    return list(annotation.regions.order_by("key").values(*fields))


def _check_regions_match_bulk_create() -> None:
    project = make_project()
    item = make_image_item(project)
    cat = label_class(project, "cat")
    ours, theirs = _annotation(project, item), _annotation(project, item)
    insert_rows(Region, REGION_COLUMNS, _region_values(ours.pk, cat.pk))
    Region.objects.bulk_create(
        [Region(**dict(zip(REGION_COLUMNS, row, strict=True))) for row in _region_values(theirs.pk, cat.pk)]
    )
    written = _regions_of(ours)
    assert written == _regions_of(theirs)
    assert len(written) == len(AWKWARD)
    assert {row["comment"] for row in written} == set(AWKWARD)
    # Fields not named took their defaults; a numpy float32 was prepared as float() prepares it.
    assert all(row["rle"] == "" and row["holes"] is None and row["confidence"] is None for row in written)
    assert written[0]["y"] == float(np.float32(0.1))


def test_regions_read_back_as_bulk_create_writes_them():
    _check_regions_match_bulk_create()


@pytest.mark.postgres
def test_copy_on_postgresql_reads_back_as_bulk_create_writes():
    if connection.vendor != "postgresql":
        pytest.skip("Needs PostgreSQL (DATABASE_URL=postgres://...): the COPY path is PostgreSQL's.")
    _check_regions_match_bulk_create()


def test_ids_come_back_in_row_order_and_defaults_are_filled():
    project = make_project()
    dataset = default_dataset(project)
    before = timezone.now()
    rows = [
        (project.pk, dataset.pk, ItemKind.TEXT, f"{index:064x}", f"text {index}", AWKWARD[index % len(AWKWARD)])
        for index in range(25)
    ]
    ids = insert_rows(
        Item, ("project_id", "dataset_id", "kind", "sha256", "original_name", "text"), rows, return_ids=True
    )
    assert len(set(ids)) == 25
    items = Item.objects.in_bulk(ids)
    for pk, row in zip(ids, rows, strict=True):
        item = items[pk]
        assert (item.sha256, item.original_name, item.text) == row[3:]
        # auto_now_add took the time of the call; JSON and text defaults as a new Item would have them.
        assert before <= item.created_at <= timezone.now()
        assert item.meta == {} and item.provenance == {} and item.thumbnail.name == "" and item.status == "new"
    # The ids are real: rows that point at them can be written, and a new item takes a fresh one.
    version = working_version(dataset)
    insert_rows(VersionItem, ("version_id", "item_id", "split"), [(version.pk, pk, "train") for pk in ids])
    assert VersionItem.objects.filter(version=version, item_id__in=ids, split="train").count() == 25
    later = Item.objects.create(project=project, dataset=dataset, kind=ItemKind.TEXT, sha256="f" * 64)
    assert later.pk not in ids


def test_booleans_datetimes_and_nulls():
    project = make_project()
    item = make_image_item(project)
    at = timezone.now()
    columns = ("project_id", "item_id", "annotator_id", "is_prediction", "status", "submitted_at", "reviewed_at")
    ids = insert_rows(
        Annotation,
        columns,
        [(project.pk, item.pk, project.created_by_id, True, AnnotationStatus.ACCEPTED, at, None)],
        return_ids=True,
    )
    annotation = Annotation.objects.get(pk=ids[0])
    assert annotation.is_prediction is True and annotation.status == AnnotationStatus.ACCEPTED
    assert annotation.submitted_at == at and annotation.reviewed_at is None
    assert annotation.version == 1 and annotation.created_at == annotation.updated_at


def test_rows_written_in_a_rolled_back_transaction_are_gone():
    project = make_project()
    dataset = default_dataset(project)
    with pytest.raises(RuntimeError), transaction.atomic():
        insert_rows(Item, ("project_id", "dataset_id", "kind", "sha256"), [(project.pk, dataset.pk, "text", "a" * 64)])
        raise RuntimeError("abandon")
    assert not Item.objects.filter(sha256="a" * 64).exists()


def test_bad_calls_are_refused_before_anything_is_written():
    project = make_project()
    dataset = default_dataset(project)
    with pytest.raises(TypeError, match="not Item fields: colour"):
        insert_rows(Item, ("project_id", "colour"), [(project.pk, "red")])
    with pytest.raises(TypeError, match="named twice"):
        insert_rows(Item, ("project_id", "project_id"), [(project.pk, project.pk)])
    with pytest.raises(ValueError, match="has 1 values for 2 columns"):
        insert_rows(Item, ("project_id", "dataset_id"), [(project.pk, dataset.pk), (project.pk,)])
    assert insert_rows(Item, ("project_id",), []) == []
    assert not Item.objects.filter(project=project).exists()


def test_infinities_survive():
    project = make_project()
    item = make_image_item(project)
    annotation = _annotation(project, item)
    cat = label_class(project, "cat")
    insert_rows(
        Region,
        ("annotation_id", "label_class_id", "kind", "key", "x", "y"),
        [(annotation.pk, cat.pk, "bbox", "a", math.inf, -math.inf)],
    )
    region = annotation.regions.get()
    assert (region.x, region.y) == (math.inf, -math.inf)


def test_a_key_the_rows_give_is_written():
    # AnnotationTimeFact's key is its annotation: not generated, so the rows give it.
    from labeling.analytics.models import AnnotationTimeFact

    project = make_project()
    item = make_image_item(project)
    annotation = _annotation(project, item)
    columns = ("annotation_id", "project_id", "item_id", "annotator_id", "status", "submitted_at")
    row = (annotation.pk, project.pk, item.pk, annotation.annotator_id, "submitted", timezone.now())
    with pytest.raises(TypeError, match="rows give theirs"):
        insert_rows(AnnotationTimeFact, columns, [row], return_ids=True)
    insert_rows(AnnotationTimeFact, (*columns, "active_ms", "wall_ms", "regions", "nth_item"), [(*row, 5, 7, 0, 1)])
    fact = AnnotationTimeFact.objects.get(pk=annotation.pk)
    assert (fact.item_id, fact.active_ms, fact.wall_ms, fact.split) == (item.pk, 5, 7, "")
