"""Celery tasks of augmentation jobs. They take ids, call a service, and are safe to run twice.

acks_late + reject_on_worker_lost (also the global defaults in settings): a message is acknowledged after its
task ran, so a worker killed mid-chunk leaves it with the broker, which delivers it again; the chunk's outputs
are keyed, so the rerun replaces what the killed run wrote. Soft and hard time limits come from settings and
stay below the broker's visibility timeout (checked at start-up), so a long chunk is never handed to a second
worker while the first still runs it.
"""

from __future__ import annotations

import gc
from typing import Any

import cv2
from celery import shared_task
from celery.signals import worker_process_init

from augmentation.services import chunks, jobs

# Retries of a chunk that broke outside any single item wait 2, 4, 8 ... seconds, at most this long.
MAX_RETRY_DELAY_S = 60


@worker_process_init.connect
def _single_threaded_opencv(**_: Any) -> None:
    # A worker runs one pool process per core; OpenCV's own thread pool in each would oversubscribe the CPUs.
    cv2.setNumThreads(1)


@worker_process_init.connect
def _freeze_startup_objects(**_: Any) -> None:
    # What the process imported (Django, Celery, the engine: 100k+ objects) lives as long as the process. Left
    # to the collector, every full collection walks all of it: a chunk's ORM objects trigger one every few
    # hundred outputs, about 0.1 s each, some 5% of a job's time. Frozen, collections walk only new objects.
    gc.freeze()


@shared_task(name="augmentation.start_job", acks_late=True, reject_on_worker_lost=True)
def start_job(job_id: int) -> None:
    jobs.start_job(job_id)


@shared_task(bind=True, name="augmentation.run_chunk", acks_late=True, reject_on_worker_lost=True, max_retries=None)
def run_chunk(self: Any, chunk_id: int) -> None:
    try:
        chunks.run_chunk(chunk_id)
    except Exception as error:
        # The attempt counter in the database, not Celery's retry count, decides when to give up: it also
        # counts runs whose worker was killed.
        if chunks.record_error(chunk_id, error):
            raise self.retry(exc=error, countdown=min(MAX_RETRY_DELAY_S, 2 ** (self.request.retries + 1))) from None


@shared_task(name="augmentation.requeue_stalled_chunks")
def requeue_stalled_chunks() -> int:
    return jobs.requeue_stalled_chunks()
