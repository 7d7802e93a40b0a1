"""The Celery application, configured from the CELERY_* names in config.settings."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.signals import task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")

app = Celery("tandem")
app.config_from_object("django.conf:settings", namespace="CELERY")
# "task" is a domain word here (a labelling task), so Celery modules are named celery_tasks.py.
app.autodiscover_tasks(related_name="celery_tasks")


@task_prerun.connect
def _drop_broken_database_connections(task: Any = None, **_: Any) -> None:
    """Workers keep their database connections between tasks (CELERY_DB_REUSE_MAX); one that a previous task
    left broken (server restarted, failed transaction, autocommit off) is closed here and reopened on use."""
    if task is None or getattr(task.request, "is_eager", False):
        return  # an eager task runs inside its caller's connection and transaction
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        if connection.connection is None:
            continue
        if connection.get_autocommit() != connection.settings_dict["AUTOCOMMIT"] or not connection.is_usable():
            connection.close()
