"""Which items a job augments (split, status, class, which annotation) and how many copies balancing gives."""

from __future__ import annotations

import pytest

from augmentation.models import JobChunk
from augmentation.services import jobs
from augmentation.services.balancing import plan_copies
from augmentation.services.selection import Selection, selected_entries
from labeling.models import AnnotationStatus
from projects.selectors import default_dataset, working_version
from tests.augmentation.conftest import add_image, annotate, box, image_class
from tests.factories import add_member

pytestmark = pytest.mark.django_db


def entries(project, **selection):
    version = working_version(default_dataset(project))
    return selected_entries(version, Selection.from_json(selection), kind="image")


def annotated(project, classes, *, split="train", status=AnnotationStatus.ACCEPTED, seed=0, user=None):
    item = add_image(project, split=split, seed=seed)
    annotation = annotate(item, [box(classes["cat"], 1, 1, 5, 5)], status=status, user=user)
    return item, annotation


# --- selection -------------------------------------------------------------------------------------------


def test_only_train_items_are_selected_by_default(project, classes):
    train, _ = annotated(project, classes, split="train", seed=1)
    annotated(project, classes, split="val", seed=2)
    annotated(project, classes, split="test", seed=3)
    annotated(project, classes, split="", seed=4)
    assert [entry.item_id for entry in entries(project)] == [train.pk]


def test_unassigned_items_are_selected_by_the_name_unassigned(project, classes):
    unassigned, _ = annotated(project, classes, split="", seed=4)
    assert [entry.item_id for entry in entries(project, splits=["unassigned"])] == [unassigned.pk]


def test_an_accepted_annotation_is_used_over_a_newer_submitted_one(project, classes):
    item, accepted = annotated(project, classes, status=AnnotationStatus.ACCEPTED)
    annotate(item, [box(classes["dog"], 1, 1, 5, 5)], status=AnnotationStatus.SUBMITTED, user=add_member(project))
    (entry,) = entries(project)
    assert entry.annotation_id == accepted.pk


def test_the_latest_submitted_annotation_is_used_when_none_is_accepted(project, classes):
    item, _ = annotated(project, classes, status=AnnotationStatus.SUBMITTED)
    later = annotate(
        item, [box(classes["dog"], 1, 1, 5, 5)], status=AnnotationStatus.SUBMITTED, user=add_member(project)
    )
    (entry,) = entries(project)
    assert entry.annotation_id == later.pk


def test_items_with_only_drafts_rejections_or_predictions_are_skipped(project, classes):
    annotated(project, classes, status=AnnotationStatus.DRAFT, seed=1)
    annotated(project, classes, status=AnnotationStatus.REJECTED, seed=2)
    predicted = add_image(project, seed=3)
    annotate(
        predicted,
        [box(classes["cat"], 1, 1, 5, 5)],
        status=AnnotationStatus.SUBMITTED,
        is_prediction=True,
        model_name="yolo",
    )
    add_image(project, seed=4)  # no annotation at all
    assert entries(project) == []


def test_accepted_only_leaves_out_submitted_items(project, classes):
    accepted, _ = annotated(project, classes, status=AnnotationStatus.ACCEPTED, seed=1)
    annotated(project, classes, status=AnnotationStatus.SUBMITTED, seed=2)
    assert [e.item_id for e in entries(project, statuses=["accepted"])] == [accepted.pk]


def test_class_filter_keeps_items_with_that_class_and_all_their_regions(launch, project, classes):
    both = add_image(project, seed=1)
    annotate(both, [box(classes["cat"], 1, 1, 5, 5), box(classes["dog"], 10, 10, 5, 5)])
    only_cat, _ = annotated(project, classes, seed=2)
    assert [e.item_id for e in entries(project, classes=[classes["dog"]])] == [both.pk]

    job = launch(selection={"classes": [classes["dog"]]})
    jobs.start_job(job.pk)
    assert JobChunk.objects.get(job=job).item_ids == [both.pk]
    assert only_cat.pk not in JobChunk.objects.get(job=job).item_ids


# --- balancing: the documented rule with exact numbers -----------------------------------------------


def test_without_balance_every_item_gets_the_same_copies():
    plan = plan_copies([{1: 1}, {2: 3}], copies_per_item=2, include_originals=True, balance=None, max_copies=50)
    assert plan.copies == [2, 2]
    assert plan.after == {1: 3, 2: 9}


def test_max_balance_brings_a_rare_image_class_up_to_the_largest():
    # Four cat images and one dog image, one copy each plus originals: cat 8, dog 2 -> the dog image needs
    # six more copies to reach 8.
    counts = [{1: 1}, {1: 1}, {1: 1}, {1: 1}, {2: 1}]
    plan = plan_copies(counts, copies_per_item=1, include_originals=True, balance={"mode": "max"}, max_copies=50)
    assert plan.copies == [1, 1, 1, 1, 7]
    assert (plan.target, plan.before, plan.after) == (8, {1: 8, 2: 2}, {1: 8, 2: 8})


def test_count_balance_spreads_extra_copies_round_robin_and_counts_cooccurring_regions():
    # Item 0: three cats and a dog; item 1: one dog; item 2: one bird. No originals, no base copies.
    counts = [{1: 3, 2: 1}, {2: 1}, {3: 1}]
    plan = plan_copies(
        counts, copies_per_item=0, include_originals=False, balance={"mode": "count", "target": 4}, max_copies=50
    )
    # Rarest first (all start at 0; then class id): cats come from item 0 alone -> 2 copies (6 cats, 2 dogs);
    # dogs: item 0 again (3 dogs), then item 1 (4 dogs); birds: item 2 four times.
    assert plan.copies == [3, 1, 4]
    assert plan.after == {1: 9, 2: 4, 3: 4}
    assert plan.unreached == []


def test_a_class_that_cannot_reach_the_target_within_the_copy_limit_is_reported():
    plan = plan_copies(
        [{1: 1}, {2: 5}],
        copies_per_item=1,
        include_originals=False,
        balance={"mode": "count", "target": 10},
        max_copies=3,
    )
    assert plan.copies == [3, 2]
    assert plan.unreached == [1]
    assert plan.after == {1: 3, 2: 10}


def test_a_balanced_job_plans_the_copies_and_records_the_plan(launch, project, classes):
    cats = [add_image(project, seed=seed) for seed in range(3)]
    for item in cats:
        annotate(item, [image_class(classes["cat"])])
    dog = add_image(project, seed=10)
    annotate(dog, [image_class(classes["dog"])])

    job = launch(copies_per_item=1, balance={"mode": "max"})
    jobs.start_job(job.pk)

    job.refresh_from_db()
    copies = {
        i: c for chunk in JobChunk.objects.filter(job=job) for i, c in zip(chunk.item_ids, chunk.copies, strict=True)
    }
    assert copies == {cats[0].pk: 1, cats[1].pk: 1, cats[2].pk: 1, dog.pk: 5}
    assert job.total == 8
    assert job.plan["expected_after"] == {str(classes["cat"]): 6, str(classes["dog"]): 6}


def test_items_balancing_gives_no_copies_are_not_planned(launch, project, classes):
    cat = add_image(project, seed=1)
    annotate(cat, [image_class(classes["cat"])])
    dog = add_image(project, seed=2)
    annotate(dog, [image_class(classes["dog"])])
    other_cat = add_image(project, seed=3)
    annotate(other_cat, [image_class(classes["cat"])])

    job = launch(copies_per_item=0, balance={"mode": "max"})
    jobs.start_job(job.pk)

    assert [chunk.item_ids for chunk in JobChunk.objects.filter(job=job)] == [[dog.pk]]
