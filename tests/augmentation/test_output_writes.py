"""How a job's outputs reach the database: annotations with their regions and first revision written in bulk
(labeling.services.bulk, shared with uploads and imports), and sources read back with their regions."""

from __future__ import annotations

import gc

import pytest

from augmentation import celery_tasks
from augmentation.services import samples
from labeling.models import Annotation, AnnotationRevision, AnnotationStatus, Region
from labeling.services.bulk import create_annotations
from tests.augmentation.conftest import add_image, add_text, annotate, box

pytestmark = pytest.mark.django_db


def every_kind(classes: dict[str, int]) -> list[dict]:
    cat, dog = classes["cat"], classes["dog"]
    return [
        {**box(cat, 1.5, 2.25, 10.0, 4.0), "key": "b", "comment": "occluded", "confidence": 0.75},
        {
            "kind": "polygon",
            "label_class_id": dog,
            "key": "p",
            "points": [[1.0, 1.0], [6.0, 1.0], [6.0, 4.0]],
            "holes": [[[2.0, 2.0], [3.0, 2.0], [3.0, 3.0]]],
            "area": 7.5,
            "x": 1.0,
            "y": 1.0,
            "width": 5.0,
            "height": 3.0,
        },
        {
            "kind": "mask",
            "label_class_id": cat,
            "key": "m",
            "rle": "0;4;16",
            "mask_height": 4,
            "mask_width": 5,
            "area": 4.0,
            "x": 0.0,
            "y": 0.0,
            "width": 1.0,
            "height": 4.0,
        },
        {"kind": "image_class", "label_class_id": dog, "key": "c", "confidence": None},
        {"kind": "text_span", "label_class_id": cat, "key": "s", "start": 0, "end": 5},
    ]


def test_bulk_annotations_store_each_region_and_revision_as_the_model_would(project, classes, manager):
    item = add_image(project)
    fields = every_kind(classes)

    (annotation,) = create_annotations(
        [(Annotation(project=project, item=item, annotator=manager, status=AnnotationStatus.SUBMITTED), fields)],
        author_id=manager.pk,
    )

    stored = list(Region.objects.filter(annotation=annotation).order_by("id"))
    expected = [Region(annotation=annotation, **values).as_dict() for values in fields]
    assert [region.as_dict() for region in stored] == expected
    assert stored[1].holes == [[[2.0, 2.0], [3.0, 2.0], [3.0, 3.0]]] and stored[2].rle == "0;4;16"
    revision = AnnotationRevision.objects.get(annotation=annotation)
    assert (revision.version, revision.author_id, revision.regions) == (1, manager.pk, expected)


def test_bulk_annotations_write_many_annotations_in_batches_larger_than_one_statement(project, classes, manager):
    items = [add_image(project, seed=seed) for seed in range(3)]
    many = [{**box(classes["cat"], index, 0, 1, 1), "key": f"b{index}"} for index in range(700)]

    made = create_annotations(
        [(Annotation(project=project, item=item, annotator=manager), many) for item in items], author_id=manager.pk
    )

    for annotation in made:
        xs = list(Region.objects.filter(annotation=annotation).order_by("id").values_list("x", flat=True))
        assert xs == [float(index) for index in range(700)]


def test_bulk_annotations_refuse_a_region_field_that_does_not_exist(project, classes, manager):
    item = add_image(project)
    with pytest.raises(TypeError, match="colour"):
        create_annotations(
            [
                (
                    Annotation(project=project, item=item, annotator=manager),
                    [{**box(classes["cat"], 0, 0, 1, 1), "colour": 1}],
                )
            ],
            author_id=manager.pk,
        )


def test_sources_are_read_with_their_regions_in_id_order_and_none_for_unlabelled(project, classes):
    first, second = add_image(project, seed=1), add_text(project, "unlabelled text")
    labelled = annotate(first, [box(classes["dog"], 5, 5, 2, 2), box(classes["cat"], 1, 1, 2, 2)])
    empty = annotate(second, [])

    loaded = samples.annotations_with_regions([labelled.pk, empty.pk, 10**9])

    assert set(loaded) == {labelled.pk, empty.pk}
    expected = list(Region.objects.filter(annotation=labelled).order_by("id"))
    assert samples.annotation_regions(loaded[labelled.pk]) == expected
    assert [region.label_class_id for region in expected] == [classes["dog"], classes["cat"]]
    assert samples.annotation_regions(loaded[empty.pk]) == []


def test_a_worker_process_freezes_what_it_imported_out_of_the_collector():
    try:
        celery_tasks._freeze_startup_objects()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
