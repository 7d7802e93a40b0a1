"""An augmentation job survives its worker being SIGKILLed mid-chunk (PostgreSQL, Redis, a real worker).

The worker runs with AUGMENTATION_TEST_DELAY_S (a test-only setting: every output sleeps that long) so a chunk
takes long enough to be caught half done, and with a short broker visibility timeout so Redis hands the killed
worker's unacknowledged message to the restarted worker within seconds instead of an hour.
"""

from __future__ import annotations

import signal
import time

import pytest
from django.db.models import Count

from augmentation.models import ChunkStatus, JobChunk, JobOutput, OutputStatus
from augmentation.services import jobs
from augmentation.services.pipelines import create_pipeline
from labeling.models import Annotation
from projects.models import Item, VersionItem, VersionStatus
from projects.progress import JobStatus
from tests.augmentation.conftest import add_image, annotate, box
from tests.integration.conftest import CeleryWorkerProcess, wait_until

pytestmark = pytest.mark.integration

ITEMS = 40
COPIES = 2
CHUNK_SIZE = 2
DELAY_S = 0.3  # per output: a chunk of 2 items x 2 copies takes about 1.2 s
FINISH_TIMEOUT_S = 120.0


@pytest.fixture
def slow_worker(celery_worker_environment, tmp_path):
    environment = {
        **celery_worker_environment,
        "AUGMENTATION_TEST_DELAY_S": str(DELAY_S),
        "CELERY_VISIBILITY_TIMEOUT_S": "8",
        "CELERY_TASK_SOFT_TIME_LIMIT_S": "4",
        "CELERY_TASK_TIME_LIMIT_S": "6",
    }
    worker = CeleryWorkerProcess(environment, tmp_path)
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()


def half_done_chunk(job) -> JobChunk | None:
    """A chunk that is running and has written its first item's outputs but not its second's."""
    for chunk in JobChunk.objects.filter(job=job, status=ChunkStatus.RUNNING):
        written = JobOutput.objects.filter(job=job, source_item_id__in=chunk.item_ids).count()
        if 0 < written < CHUNK_SIZE * COPIES:
            return chunk
    return None


def test_a_job_killed_mid_chunk_finishes_with_every_output_exactly_once(slow_worker, manager, project):
    cat = project.classes.get(name="cat").pk
    for seed in range(ITEMS):
        annotate(add_image(project, seed=seed), [box(cat, 2 + seed % 10, 3, 20, 15)])
    pipeline = create_pipeline(
        project=project,
        user=manager,
        name="flip and blur",
        config={"seed": 4, "steps": [{"type": "HorizontalFlip", "p": 0.5}, {"type": "GaussianBlur", "p": 0.5}]},
    )
    job = jobs.launch_job(
        project=project, user=manager, pipeline=pipeline, copies_per_item=COPIES, chunk_size=CHUNK_SIZE
    )

    killed = wait_until(
        lambda: half_done_chunk(job),
        timeout=60,
        interval=0.05,
        message=lambda: f"a chunk half done; worker log:\n{slow_worker.log()}",
    )
    slow_worker.kill(signal.SIGKILL)
    written_before_restart = JobOutput.objects.filter(job=job).count()
    assert written_before_restart < ITEMS * COPIES
    time.sleep(0.5)
    slow_worker.restart()

    def finished():
        job.refresh_from_db()
        return job.is_finished

    wait_until(
        finished,
        timeout=FINISH_TIMEOUT_S,
        interval=0.5,
        message=lambda: f"the job to finish ({job.status}); worker log:\n{slow_worker.log()}",
    )

    assert (job.status, job.done, job.failed, job.total) == (JobStatus.COMPLETED, ITEMS * COPIES, 0, ITEMS * COPIES)
    outputs = JobOutput.objects.filter(job=job)
    assert outputs.count() == ITEMS * COPIES
    assert set(outputs.values_list("status", flat=True)) == {OutputStatus.OK}
    assert not outputs.values("source_item", "copy_index").annotate(n=Count("id")).filter(n__gt=1).exists()
    made = Item.objects.filter(provenance__job=job.pk)
    assert made.count() == ITEMS * COPIES  # the killed run's outputs were replaced, not kept beside the new ones
    assert set(made.values_list("pk", flat=True)) == set(outputs.values_list("output_item_id", flat=True))
    assert Annotation.objects.filter(item__in=made).count() == ITEMS * COPIES
    version = job.output_version
    version.refresh_from_db()
    assert version.status == VersionStatus.READY
    assert VersionItem.objects.filter(version=version).count() == ITEMS * COPIES + ITEMS  # outputs + originals
    killed.refresh_from_db()
    assert (killed.status, killed.attempts) == (ChunkStatus.DONE, 2)  # the broker delivered it again
