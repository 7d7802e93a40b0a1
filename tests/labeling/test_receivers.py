"""Labels found in an upload become the uploader's submitted annotations."""

from __future__ import annotations

import pytest

from labeling.models import Annotation, AnnotationStatus, Assignment
from labeling.receivers import annotations_from_upload
from projects.signals import items_ingested
from tests.factories import make_image_item, make_project, make_text_item

pytestmark = pytest.mark.django_db


def test_image_class_label_becomes_a_submitted_annotation_of_the_uploader(manager, image_project, image_item, cat):
    items_ingested.send(sender=None, project=image_project, user=manager, labels=[(image_item, {"image_class": "cat"})])
    annotation = Annotation.objects.get(item=image_item)
    assert (annotation.annotator, annotation.status, annotation.is_prediction) == (
        manager,
        AnnotationStatus.SUBMITTED,
        False,
    )
    assert list(annotation.regions.values_list("kind", "label_class")) == [("image_class", cat.pk)]
    image_item.refresh_from_db()
    assert image_item.status == "submitted"
    assert Assignment.objects.get(item=image_item).status == "submitted"


def test_unknown_class_name_is_added_to_the_schema(manager, image_project, image_item):
    responses = items_ingested.send(
        sender=None, project=image_project, user=manager, labels=[(image_item, {"image_class": "hamster"})]
    )
    result = dict(responses)[annotations_from_upload]
    assert result.classes_created == ["hamster"]
    assert image_project.classes.filter(name="hamster").exists()


def test_text_classes_and_spans_become_regions_and_bad_spans_are_reported(manager):
    project = make_project(manager=manager, kinds=("text_class", "text_span"), text_class_multi=True)
    good = make_text_item(project, "Grace Hopper found a bug.")
    bad = make_text_item(project, "short")
    labels = [
        (good, {"text_class": ["cat", "dog"], "spans": [{"start": 0, "end": 12, "label": "person"}]}),
        (bad, {"spans": [{"start": 3, "end": 40, "label": "person"}]}),
    ]
    responses = items_ingested.send(sender=None, project=project, user=manager, labels=labels)
    result = dict(responses)[annotations_from_upload]
    annotation = Annotation.objects.get(item=good)
    assert sorted(annotation.regions.values_list("kind", flat=True)) == ["text_class", "text_class", "text_span"]
    assert result.annotations == 1
    assert result.skipped[0]["item"] == bad.pk
    assert "Past the end" in result.skipped[0]["reason"]


def test_labels_of_a_kind_the_project_does_not_use_are_left_out(manager):
    project = make_project(manager=manager, kinds=("bbox",))
    item = make_image_item(project)
    responses = items_ingested.send(sender=None, project=project, user=manager, labels=[(item, {"image_class": "cat"})])
    result = dict(responses)[annotations_from_upload]
    assert result.annotations == 0
    assert "does not use image_class" in result.skipped[0]["reason"]
