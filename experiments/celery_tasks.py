"""Celery tasks of experiments: they take ids, call a service, and are safe to run twice (see services/runs.py)."""

from __future__ import annotations

from celery import shared_task

from experiments.services import runs


@shared_task(name="experiments.run_experiment", acks_late=True, reject_on_worker_lost=True)
def run_experiment(experiment_id: int) -> None:
    runs.run_experiment(experiment_id)
