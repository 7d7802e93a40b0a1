"""One run of an experiment, as the Celery task does it: claim, compute, settle in one step.

Safe to run twice: a finished experiment is left alone; a run whose worker died (the broker delivers the
message again, acks_late) starts over, since nothing is written before the end; and every run counts an
attempt in the database, so an experiment that keeps killing its worker (out of memory, say) ends failed after
MAX_ATTEMPTS instead of looping. The results, the inputs as used and the final status become visible together,
in one UPDATE that only applies to a running experiment.
"""

from __future__ import annotations

import logging
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from experiments.models import Experiment
from experiments.services import classification, label_statistics
from experiments.services.experiments import library_versions
from experiments.services.plans import SHAPES, Spec, build_plan
from experiments.services.progress import Cancelled, Progress
from projects.progress import JobStatus
from projects.services import ServiceError

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
MAX_ERROR_CHARS = 1000


def spec_of(experiment: Experiment) -> Spec:
    return Spec(
        kind=experiment.kind,
        training_version=experiment.training_version_id,
        training_split=experiment.training_split,
        evaluation_version=experiment.evaluation_version_id,
        evaluation_split=experiment.evaluation_split,
        candidates=list(experiment.candidates or []),
    )


def run_experiment(experiment_id: int) -> None:
    experiment = _claim(experiment_id)
    if experiment is None:
        return
    progress = Progress(experiment.pk)
    try:
        plan = build_plan(experiment.project, spec_of(experiment))
        if SHAPES[experiment.kind].classified:  # type: ignore[index]
            results = classification.run(experiment, plan, progress)
        else:
            results = label_statistics.run(experiment, plan, progress)
    except Cancelled:
        _settle(experiment, JobStatus.CANCELLED)
    except SoftTimeLimitExceeded:
        _settle(
            experiment,
            JobStatus.FAILED,
            error=f"Time limit: the experiment ran past {settings.CELERY_TASK_SOFT_TIME_LIMIT} s. Use fewer "
            "candidates or dose levels, or a smaller training set.",
        )
    except ServiceError as error:
        _settle(experiment, JobStatus.FAILED, error=f"The data changed since the experiment was created: {error}")
    except Exception as error:
        logger.exception("experiment %s failed", experiment.pk)
        _settle(experiment, JobStatus.FAILED, error=_describe(error))
    else:
        if "runs" in results:
            sets = [run["training"] for run in results["runs"]] + [results["evaluation"]]
        else:
            sets = [_set_summary(entry) for entry in results["sets"]]
        inputs = {
            **experiment.inputs,
            "sets": sets,
            "run": {"attempt": experiment.attempts, "libraries": library_versions()},
        }
        _settle(experiment, JobStatus.COMPLETED, results=results, inputs=inputs)


def _set_summary(entry: dict[str, Any]) -> dict[str, Any]:
    keep = ("key", "label", "role", "version", "version_number", "split", "jobs", "items", "augmented_items")
    return {name: entry[name] for name in (*keep, "fingerprint") if name in entry}


def _claim(experiment_id: int) -> Experiment | None:
    with transaction.atomic():
        experiment = Experiment.objects.select_for_update().select_related("project").filter(pk=experiment_id).first()
        if experiment is None or experiment.is_finished:
            return None
        now = timezone.now()
        if experiment.cancel_requested:
            experiment.status, experiment.finished_at, experiment.stage = JobStatus.CANCELLED, now, ""
            experiment.save(update_fields=["status", "finished_at", "stage"])
            return None
        experiment.attempts += 1
        if experiment.attempts > MAX_ATTEMPTS:
            experiment.status, experiment.finished_at, experiment.stage = JobStatus.FAILED, now, ""
            experiment.error = (
                f"Gave up after {MAX_ATTEMPTS} attempts: the worker running it stopped each time (killed, out of "
                "memory or past the hard time limit)."
            )
            experiment.save(update_fields=["attempts", "status", "finished_at", "stage", "error"])
            return None
        experiment.status = JobStatus.RUNNING
        experiment.started_at = experiment.started_at or now
        experiment.done = 0  # an earlier attempt's count restarts with the work
        experiment.stage = "Starting"
        experiment.save(update_fields=["attempts", "status", "started_at", "done", "stage"])
    return experiment


def _settle(experiment: Experiment, status: str, *, error: str = "", **fields: Any) -> None:
    Experiment.objects.filter(pk=experiment.pk, status=JobStatus.RUNNING).update(
        status=status, error=error[:MAX_ERROR_CHARS], stage="", finished_at=timezone.now(), **fields
    )


def _describe(error: BaseException) -> str:
    text = str(error).strip()
    return (f"{type(error).__name__}: {text}" if text else type(error).__name__)[:MAX_ERROR_CHARS]
