"""Augmentation jobs run in this process the way workers run them: plan, chunks, keyed outputs, finishing."""

from __future__ import annotations

import hashlib
from unittest import mock

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.files.base import ContentFile

from augmentation.models import ChunkStatus, JobChunk, JobOutput, OutputStatus
from augmentation.services import chunks, jobs, outputs
from augmentation.services.provenance import regenerate
from labeling import rle
from labeling.models import Annotation, AnnotationStatus
from projects.models import DatasetVersion, Item, VersionItem, VersionStatus
from projects.progress import JobStatus
from projects.selectors import usable_versions
from projects.services import ConflictError, ServiceError
from tests.augmentation.conftest import FIVE_STEPS, add_image, add_text, annotate, box, run_job
from tests.factories import add_member

pytestmark = pytest.mark.django_db


def output_items(job) -> list[Item]:
    return list(Item.objects.filter(augmentation_outputs__job=job).order_by("source_item_id", "id"))


def chunk_ids(job) -> list[int]:
    return list(JobChunk.objects.filter(job=job).order_by("index").values_list("pk", flat=True))


# --- planning ------------------------------------------------------------------------------------------


def test_items_are_planned_into_chunks_of_the_chunk_size_in_item_order(launch, labelled_images, project, classes):
    fifth = add_image(project, seed=9)
    annotate(fifth, [box(classes["cat"], 1, 1, 5, 5)])
    job = launch(copies_per_item=3, chunk_size=2)

    jobs.start_job(job.pk)

    ids = [item.pk for item in [*labelled_images, fifth]]
    planned = list(JobChunk.objects.filter(job=job).order_by("index").values_list("item_ids", "copies"))
    assert planned == [(ids[0:2], [3, 3]), (ids[2:4], [3, 3]), (ids[4:5], [3])]
    job.refresh_from_db()
    assert (job.total, job.status) == (15, JobStatus.RUNNING)


def test_chunks_also_stop_at_the_output_limit_and_never_split_an_item(launch, labelled_images, settings):
    # Four items with 3 copies each: 12 outputs; at most 7 per chunk, so two items (6 outputs) per chunk.
    settings.AUGMENTATION_CHUNK_MAX_OUTPUTS = 7
    job = launch(copies_per_item=3, chunk_size=10)
    jobs.start_job(job.pk)
    ids = [item.pk for item in labelled_images]
    planned = list(JobChunk.objects.filter(job=job).order_by("index").values_list("item_ids", "copies"))
    assert planned == [(ids[0:2], [3, 3]), (ids[2:4], [3, 3])]

    # An item with more copies than the limit is a chunk of its own, whole.
    settings.AUGMENTATION_CHUNK_MAX_OUTPUTS = 2
    job = launch(copies_per_item=3, chunk_size=10)
    jobs.start_job(job.pk)
    planned = list(JobChunk.objects.filter(job=job).order_by("index").values_list("item_ids", "copies"))
    assert planned == [([pk], [3]) for pk in ids]


def test_chunks_shrink_towards_the_end_so_workers_finish_together():
    work = [(index, 1) for index in range(1000)]
    parts = jobs._parts(work, 100, 500)  # type: ignore[arg-type]
    # A quarter of what is left once that is under a full chunk, down to a quarter of the chunk size.
    assert [len(part) for part in parts] == [100] * 7 + [75, 57, 42, 32, 25, 25, 25, 19]
    assert [index for part in parts for index, _ in part] == list(range(1000))  # every item once, in order
    # The output limit still holds inside the shrinking schedule; an item is never split.
    heavy = [(index, 3 if index % 2 else 1) for index in range(60)]
    parts = jobs._parts(heavy, 20, 10)  # type: ignore[arg-type]
    assert all(sum(copies for _, copies in part) <= 10 for part in parts)
    assert [entry for part in parts for entry in part] == heavy
    # Small chunk sizes stay whole: splitting a chunk of two gains nothing.
    assert [len(part) for part in jobs._parts(work[:5], 2, 500)] == [2, 2, 1]  # type: ignore[arg-type]


def test_pipelines_calling_the_llm_get_chunks_that_fit_the_time_limit(settings):
    from augmentation.services.pipelines import engine_resources

    settings.AUGMENTATION_CHUNK_MAX_OUTPUTS = 500
    settings.CELERY_TASK_SOFT_TIME_LIMIT = 600
    settings.LLM_TIMEOUT_S = 60
    settings.LLM_BASE_URL, settings.LLM_MODEL = "http://127.0.0.1:9/v1", "test-model"
    engine_resources.cache_clear()
    try:
        # Five answers of up to 60 s each fill half the 600 s soft limit.
        assert jobs.max_outputs_per_chunk({"steps": [{"type": "LLMParaphrase"}]}) == 5
        assert jobs.max_outputs_per_chunk({"steps": [{"type": "RandomSwap"}]}) == 500
        settings.LLM_TIMEOUT_S = 900  # longer than the limit itself: still one output per chunk
        assert jobs.max_outputs_per_chunk({"steps": [{"type": "LLMParaphrase"}]}) == 1
    finally:
        engine_resources.cache_clear()


def test_planning_twice_adds_no_chunks(launch, labelled_images):
    job = launch(chunk_size=2)
    jobs.start_job(job.pk)
    jobs.start_job(job.pk)
    assert JobChunk.objects.filter(job=job).count() == 2


def test_launch_refuses_an_empty_selection(launch, project, classes):
    item = add_image(project, split="val")
    annotate(item, [box(classes["cat"], 1, 1, 5, 5)])
    with pytest.raises(ServiceError) as raised:
        launch()
    assert raised.value.field == "selection"
    assert "splits train" in raised.value.message


def test_launch_refuses_zero_copies_without_balancing(launch, labelled_images):
    with pytest.raises(ServiceError) as raised:
        launch(copies_per_item=0)
    assert raised.value.field == "copies_per_item"


def test_output_version_is_building_and_unlisted_until_the_job_completes(launch, labelled_images, project):
    job = launch()
    jobs.start_job(job.pk)

    assert job.output_version.status == VersionStatus.BUILDING
    assert job.output_version not in usable_versions(project)
    for chunk_id in chunk_ids(job):
        chunks.run_chunk(chunk_id)
    assert DatasetVersion.objects.get(pk=job.output_version_id) in usable_versions(project)


def test_output_version_is_numbered_after_the_source_and_points_at_it(launch, labelled_images):
    job = launch()
    version = job.output_version
    assert (version.number, version.parent_id, version.dataset_id) == (
        2,
        job.source_version_id,
        job.source_version.dataset_id,
    )
    assert version.provenance["job"] == job.pk


# --- running -------------------------------------------------------------------------------------------


def test_completed_job_has_one_output_per_item_and_copy_with_the_source_split(launch, project, classes):
    train = add_image(project, seed=1, split="train")
    unassigned = add_image(project, seed=2, split="")
    for item in (train, unassigned):
        annotate(item, [box(classes["cat"], 1, 1, 5, 5)])
    job = run_job(launch(copies_per_item=2, selection={"splits": ["train", "unassigned"]}))

    assert (job.status, job.done, job.failed, job.total) == (JobStatus.COMPLETED, 4, 0, 4)
    entries = VersionItem.objects.filter(version=job.output_version, item__source_item__isnull=False)
    assert sorted(entries.values_list("item__source_item_id", "split")) == [
        (train.pk, "train"),
        (train.pk, "train"),
        (unassigned.pk, ""),
        (unassigned.pk, ""),
    ]


def test_originals_are_the_same_item_rows_not_copies(launch, labelled_images):
    job = run_job(launch())
    originals = VersionItem.objects.filter(version=job.output_version, item__source_item__isnull=True)
    assert sorted(originals.values_list("item_id", flat=True)) == sorted(item.pk for item in labelled_images)
    assert VersionItem.objects.filter(version=job.output_version).count() == 8


def test_without_originals_the_version_holds_only_outputs(launch, labelled_images):
    job = run_job(launch(include_originals=False))
    items = Item.objects.filter(version_entries__version=job.output_version)
    assert items.count() == 4
    assert not items.filter(source_item__isnull=True).exists()


def test_a_horizontal_flip_moves_each_box_to_the_mirrored_place(launch, project, classes):
    item = add_image(project, width=64, height=48)
    annotate(item, [box(classes["cat"], 4, 6, 20, 10)])
    job = run_job(launch())

    (output,) = output_items(job)
    region = output.annotations.get().regions.get()
    assert (region.kind, region.label_class_id) == ("bbox", classes["cat"])
    assert (region.x, region.y, region.width, region.height) == (64 - 4 - 20, 6, 20, 10)


def test_polygon_and_mask_follow_the_flip(launch, project, classes):
    item = add_image(project, width=20, height=10)
    mask = rle.decode([0] * 0 + _column_major_counts(20, 10, x0=2, x1=5), 10, 20)
    annotate(
        item,
        [
            {"kind": "polygon", "label_class_id": classes["dog"], "points": [[1, 1], [6, 1], [6, 4]], "holes": []},
            {
                "kind": "mask",
                "label_class_id": classes["cat"],
                "rle": rle.to_string(rle.encode(mask)),
                "mask_height": 10,
                "mask_width": 20,
            },
        ],
    )
    job = run_job(launch())

    (output,) = output_items(job)
    regions = {region.kind: region for region in output.annotations.get().regions.all()}
    assert regions["polygon"].points == [[19, 1], [14, 1], [14, 4]]
    flipped = rle.decode(rle.from_string(regions["mask"].rle), 10, 20)
    assert flipped[:, 15:18].all() and flipped.sum() == 30


def _column_major_counts(width: int, height: int, *, x0: int, x1: int) -> list[int]:
    """Counts of a mask that is on in columns x0..x1-1, every row."""
    return [x0 * height, (x1 - x0) * height, (width - x1) * height]


def test_polygon_holes_follow_the_flip_and_leave_the_area_they_cut(launch, project, classes):
    item = add_image(project)  # 64 x 48
    annotate(
        item,
        [
            {
                "kind": "polygon",
                "label_class_id": classes["dog"],
                "points": [[0, 0], [30, 0], [30, 30], [0, 30]],
                "holes": [[[5, 5], [10, 5], [10, 10]], [[20, 20], [25, 20], [25, 25], [20, 25]]],
            }
        ],
    )
    job = run_job(launch())

    assert job.status == JobStatus.COMPLETED
    (output,) = output_items(job)
    region = output.annotations.get().regions.get()
    assert region.points == [[64, 0], [34, 0], [34, 30], [64, 30]]
    assert region.holes == [[[59, 5], [54, 5], [54, 10]], [[44, 20], [39, 20], [39, 25], [44, 25]]]
    assert region.area == 900 - 12.5 - 25  # the outer ring less its holes, as the labelling API stores it


def test_output_annotation_is_accepted_only_when_the_source_was(launch, project, classes, manager):
    accepted = add_image(project, seed=1)
    submitted = add_image(project, seed=2)
    annotate(accepted, [box(classes["cat"], 1, 1, 5, 5)], status=AnnotationStatus.ACCEPTED)
    annotator = add_member(project)
    annotate(submitted, [box(classes["cat"], 1, 1, 5, 5)], status=AnnotationStatus.SUBMITTED, user=annotator)
    job = run_job(launch())

    made = {
        output.source_item_id: (output.status, output.annotations.get().status, output.annotations.get().annotator)
        for output in output_items(job)
    }
    assert made == {
        accepted.pk: ("accepted", AnnotationStatus.ACCEPTED, manager),
        submitted.pk: ("submitted", AnnotationStatus.SUBMITTED, manager),
    }


def test_text_spans_follow_the_words_and_the_text_class_is_kept(launch, make_pipeline, project):
    from projects.models import LabelClass

    person = LabelClass.objects.create(project=project, name="PER", color="#123456")
    news = LabelClass.objects.create(project=project, name="news", color="#654321")
    item = add_text(project, "Alice met Bob in Paris today")
    annotate(
        item,
        [
            {"kind": "text_span", "label_class_id": person.pk, "start": 0, "end": 5},
            {"kind": "text_span", "label_class_id": person.pk, "start": 10, "end": 13},
            {"kind": "text_class", "label_class_id": news.pk},
        ],
    )
    pipeline = make_pipeline({"seed": 3, "steps": [{"type": "RandomSwap", "p": 1.0, "fraction": 0.5}]}, name="swap")
    job = run_job(launch(pipeline))

    (output,) = output_items(job)
    regions = list(output.annotations.get().regions.order_by("kind", "start"))
    spans = sorted(output.text[r.start : r.end] for r in regions if r.kind == "text_span")
    assert spans == ["Alice", "Bob"]
    assert [r.label_class_id for r in regions if r.kind == "text_class"] == [news.pk]
    assert output.text != item.text and sorted(output.text.split()) == sorted(item.text.split())


# --- keyed outputs, reruns and provenance -------------------------------------------------------------------


def test_running_a_chunk_again_replaces_its_outputs_instead_of_adding(launch, labelled_images):
    job = launch(copies_per_item=2, chunk_size=2)
    jobs.start_job(job.pk)
    first_chunk, second_chunk = chunk_ids(job)
    chunks.run_chunk(first_chunk)
    first = {(o.source_item_id, o.copy_index): o.output_item_id for o in JobOutput.objects.filter(job=job)}
    # The message is delivered again (its worker died before acknowledging): the chunk runs a second time.
    JobChunk.objects.filter(pk=first_chunk).update(status=ChunkStatus.RUNNING)

    chunks.run_chunk(first_chunk)

    again = {(o.source_item_id, o.copy_index): o.output_item_id for o in JobOutput.objects.filter(job=job)}
    assert set(again) == set(first) and len(again) == 4
    assert not Item.objects.filter(pk__in=first.values()).exists()
    assert Item.objects.filter(source_item__in=labelled_images).count() == 4
    assert Annotation.objects.filter(item__source_item__in=labelled_images).count() == 4
    job.refresh_from_db()
    assert (job.done, job.failed) == (4, 0)
    chunks.run_chunk(second_chunk)
    job.refresh_from_db()
    assert (job.status, job.done) == (JobStatus.COMPLETED, 8)
    assert VersionItem.objects.filter(version=job.output_version, item__source_item__isnull=False).count() == 8


def test_a_killed_run_half_way_is_completed_by_the_rerun_without_duplicates(launch, labelled_images):
    job = launch(copies_per_item=2)
    jobs.start_job(job.pk)
    (chunk_id,) = chunk_ids(job)
    real_augment = chunks.augment
    calls = []

    def dies_on_the_fifth_output(*args, **kwargs):
        calls.append(1)
        if len(calls) == 5:
            raise KeyboardInterrupt  # nothing in the chunk catches it, as nothing survives a SIGKILL
        return real_augment(*args, **kwargs)

    with (
        mock.patch.object(outputs, "FLUSH_INTERVAL_S", 0),
        mock.patch.object(chunks, "augment", dies_on_the_fifth_output),
        pytest.raises(KeyboardInterrupt),
    ):
        chunks.run_chunk(chunk_id)
    assert 0 < JobOutput.objects.filter(job=job).count() < 8

    chunks.run_chunk(chunk_id)

    job.refresh_from_db()
    assert (job.status, job.done) == (JobStatus.COMPLETED, 8)
    assert Item.objects.filter(source_item__in=labelled_images).count() == 8
    assert JobChunk.objects.get(pk=chunk_id).attempts == 2


def test_provenance_regenerates_the_identical_output_bytes(launch, make_pipeline, project, classes):
    item = add_image(project, width=160, height=120, seed=5)
    annotate(item, [box(classes["cat"], 10, 20, 50, 40), box(classes["dog"], 90, 30, 40, 60)])
    job = run_job(launch(make_pipeline(FIVE_STEPS, name="five"), copies_per_item=3, seed=99))

    for output in output_items(job):
        provenance = output.provenance
        assert (provenance["job"], provenance["seed"], provenance["source_item"]) == (job.pk, 99, item.pk)
        assert provenance["pipeline"] == {**FIVE_STEPS, "seed": 99} | {"steps": provenance["pipeline"]["steps"]}
        with output.file.open("rb") as stored:
            assert hashlib.sha256(regenerate(output).data).hexdigest() == hashlib.sha256(stored.read()).hexdigest()
    assert len({o.sha256 for o in output_items(job)}) == 3


def test_the_same_seed_gives_the_same_outputs_and_another_seed_does_not(launch, make_pipeline, labelled_images):
    pipeline = make_pipeline(FIVE_STEPS, name="five")
    first = run_job(launch(pipeline, seed=1))
    second = run_job(launch(pipeline, seed=1))
    third = run_job(launch(pipeline, seed=2))

    def digests(job):
        return [o.sha256 for o in output_items(job)]

    assert digests(first) == digests(second)
    assert digests(first) != digests(third)


def test_chunks_run_in_any_order_give_the_same_outputs(launch, make_pipeline, labelled_images):
    pipeline = make_pipeline(FIVE_STEPS, name="five")
    forward = run_job(launch(pipeline, chunk_size=1))
    backward = run_job(launch(pipeline, chunk_size=1), chunk_order=[3, 2, 1, 0])
    assert [o.sha256 for o in output_items(forward)] == [o.sha256 for o in output_items(backward)]


# --- failures --------------------------------------------------------------------------------------------


def test_an_unreadable_item_fails_with_its_reason_and_the_job_completes_with_errors(launch, labelled_images):
    broken = labelled_images[1]
    broken.file.save("broken.jpg", ContentFile(b"not an image"), save=True)
    job = run_job(launch(copies_per_item=2))

    assert (job.status, job.done, job.failed) == (JobStatus.COMPLETED_WITH_ERRORS, 6, 2)
    failures = JobOutput.objects.filter(job=job, status=OutputStatus.FAILED)
    assert sorted(failures.values_list("source_item_id", "copy_index")) == [(broken.pk, 0), (broken.pk, 1)]
    assert all("could not be decoded" in f.error for f in failures)
    assert job.output_version.__class__.objects.get(pk=job.output_version_id).status == VersionStatus.READY


def test_a_chunk_that_keeps_failing_is_given_up_and_its_items_fail(launch, labelled_images, settings):
    settings.AUGMENTATION_MAX_ATTEMPTS = 3
    job = launch(chunk_size=2)
    jobs.start_job(job.pk)
    doomed, healthy = chunk_ids(job)
    # Three runs of the doomed chunk die with their worker (no code runs after a SIGKILL)...
    JobChunk.objects.filter(pk=doomed).update(attempts=3, status=ChunkStatus.RUNNING)
    chunks.run_chunk(healthy)

    # ...and the fourth delivery gives up instead of trying again.
    chunks.run_chunk(doomed)

    job.refresh_from_db()
    assert (job.status, job.done, job.failed) == (JobStatus.COMPLETED_WITH_ERRORS, 2, 2)
    chunk = JobChunk.objects.get(pk=doomed)
    assert chunk.status == ChunkStatus.FAILED
    errors = set(JobOutput.objects.filter(job=job, status=OutputStatus.FAILED).values_list("error", flat=True))
    assert len(errors) == 1 and errors.pop().startswith("gave up after 3 attempts")


def test_an_error_outside_any_item_is_retried_then_given_up(launch, labelled_images, settings):
    settings.AUGMENTATION_MAX_ATTEMPTS = 2
    job = launch()
    jobs.start_job(job.pk)
    (chunk_id,) = chunk_ids(job)
    with mock.patch.object(chunks.samples.ClassIndex, "of", side_effect=RuntimeError("database went away")):
        with pytest.raises(RuntimeError):
            chunks.run_chunk(chunk_id)
        assert chunks.record_error(chunk_id, RuntimeError("database went away")) is True
        assert JobChunk.objects.get(pk=chunk_id).status == ChunkStatus.QUEUED
        with pytest.raises(RuntimeError):
            chunks.run_chunk(chunk_id)
        assert chunks.record_error(chunk_id, RuntimeError("database went away")) is False

    job.refresh_from_db()
    assert (job.status, job.failed) == (JobStatus.FAILED, 4)
    assert "database went away" in JobOutput.objects.filter(job=job).first().error
    assert DatasetVersion.objects.get(pk=job.output_version_id).status == VersionStatus.FAILED


def test_soft_time_limit_fails_the_items_not_reached_and_keeps_the_rest(launch, labelled_images):
    job = launch()
    jobs.start_job(job.pk)
    real_augment = chunks.augment
    calls = []

    def slow(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise SoftTimeLimitExceeded()
        return real_augment(*args, **kwargs)

    with mock.patch.object(chunks, "augment", slow):
        chunks.run_chunk(chunk_ids(job)[0])

    job.refresh_from_db()
    assert (job.status, job.done, job.failed) == (JobStatus.COMPLETED_WITH_ERRORS, 2, 2)
    failed = JobOutput.objects.filter(job=job, status=OutputStatus.FAILED)
    assert sorted(failed.values_list("source_item_id", flat=True)) == [labelled_images[2].pk, labelled_images[3].pk]
    assert all(error.startswith("time limit") for error in failed.values_list("error", flat=True))


def test_a_stalled_running_chunk_is_queued_again(launch, labelled_images, settings):
    from datetime import timedelta

    from django.utils import timezone

    job = launch()
    jobs.start_job(job.pk)
    (chunk_id,) = chunk_ids(job)
    long_ago = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 120)
    JobChunk.objects.filter(pk=chunk_id).update(status=ChunkStatus.RUNNING, started_at=long_ago)

    with mock.patch("augmentation.celery_tasks.run_chunk.delay") as delay:
        assert jobs.requeue_stalled_chunks() == 1
    delay.assert_called_once_with(chunk_id)


# --- cancelling ------------------------------------------------------------------------------------------


def test_cancel_stops_the_queued_chunks_and_never_makes_the_version_ready(launch, labelled_images, project):
    job = launch(chunk_size=1)
    jobs.start_job(job.pk)
    first, *rest = chunk_ids(job)
    chunks.run_chunk(first)

    job = jobs.cancel_job(job)

    assert job.status == JobStatus.CANCELLED
    assert set(JobChunk.objects.filter(pk__in=rest).values_list("status", flat=True)) == {ChunkStatus.CANCELLED}
    version = DatasetVersion.objects.get(pk=job.output_version_id)
    assert version.status == VersionStatus.CANCELLED and version not in usable_versions(project)
    assert not VersionItem.objects.filter(version=version).exists()
    assert not Item.objects.filter(source_item__in=labelled_images).exists()
    for chunk_id in rest:  # messages still in the broker find nothing to do
        chunks.run_chunk(chunk_id)
    assert not Item.objects.filter(source_item__in=labelled_images).exists()


def test_a_running_chunk_stops_after_its_current_item_when_the_job_is_cancelled(launch, labelled_images):
    job = launch()
    jobs.start_job(job.pk)
    (chunk_id,) = chunk_ids(job)
    real_augment = chunks.augment

    def cancel_during_the_first_item(*args, **kwargs):
        jobs.AugmentationJob.objects.filter(pk=job.pk).update(cancel_requested=True)
        return real_augment(*args, **kwargs)

    with (
        mock.patch.object(chunks, "CANCEL_CHECK_INTERVAL_S", 0),
        mock.patch.object(chunks, "augment", cancel_during_the_first_item),
    ):
        chunks.run_chunk(chunk_id)

    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    assert JobChunk.objects.get(pk=chunk_id).status == ChunkStatus.CANCELLED
    assert DatasetVersion.objects.get(pk=job.output_version_id).status == VersionStatus.CANCELLED


def test_cancel_before_planning_ends_the_job_and_planning_then_does_nothing(launch, labelled_images):
    job = jobs.cancel_job(launch())
    assert job.status == JobStatus.CANCELLED
    jobs.start_job(job.pk)
    assert not JobChunk.objects.filter(job=job).exists()


def test_a_finished_job_cannot_be_cancelled(launch, labelled_images):
    job = run_job(launch())
    with pytest.raises(ConflictError):
        jobs.cancel_job(job)


def test_queued_chunks_of_a_job_that_stopped_moving_are_queued_again(launch, labelled_images, settings):
    from datetime import timedelta

    from django.utils import timezone

    from augmentation.models import AugmentationJob

    job = launch(chunk_size=2)
    jobs.start_job(job.pk)
    first, second = chunk_ids(job)
    long_ago = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 120)
    AugmentationJob.objects.filter(pk=job.pk).update(started_at=long_ago)
    JobChunk.objects.filter(pk=first).update(status=ChunkStatus.DONE, started_at=long_ago, finished_at=long_ago)

    with mock.patch("augmentation.celery_tasks.run_chunk.delay") as delay:
        assert jobs.requeue_stalled_chunks() == 1
    delay.assert_called_once_with(second)


def test_queued_chunks_of_a_job_still_moving_are_left_alone(launch, labelled_images, settings):
    from datetime import timedelta

    from django.utils import timezone

    from augmentation.models import AugmentationJob

    job = launch(chunk_size=2)
    jobs.start_job(job.pk)
    first, _ = chunk_ids(job)
    long_ago = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 120)
    AugmentationJob.objects.filter(pk=job.pk).update(started_at=long_ago)
    JobChunk.objects.filter(pk=first).update(status=ChunkStatus.RUNNING, started_at=timezone.now())

    with mock.patch("augmentation.celery_tasks.run_chunk.delay") as delay:
        assert jobs.requeue_stalled_chunks() == 0
    delay.assert_not_called()
