"""Celery tasks of the exchange app: they take ids and call a service; each is safe to run twice."""

from __future__ import annotations

from celery import shared_task

from exchange.services import exports


@shared_task(name="exchange.run_export", acks_late=True, reject_on_worker_lost=True)
def run_export(job_id: int) -> None:
    exports.run_export_job(job_id)


@shared_task(name="exchange.delete_expired_exports")
def delete_expired_exports() -> int:
    return exports.delete_expired_exports()
