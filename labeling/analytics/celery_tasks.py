"""Background refresh of a project's time facts (see labeling.analytics.services).

Registered with Celery through labeling/celery_tasks.py, the module Celery's autodiscovery imports.
A rerun rebuilds the same rows, so acks_late redelivery after a lost worker is harmless. `rescore`
(a manager's refresh) scores every item's agreement again instead of keeping unchanged items' scores.
"""

from __future__ import annotations

from celery import shared_task

from labeling.analytics import services


@shared_task(name="labeling.analytics.refresh_project", acks_late=True, reject_on_worker_lost=True)
def refresh_project_analytics(project_id: int, rescore: bool = False) -> int:
    return services.refresh_project(project_id, rescore=rescore)
