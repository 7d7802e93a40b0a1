"""Celery autodiscovery imports `<app>/celery_tasks.py`; the labelling app's tasks live in submodules."""

from labeling.analytics.celery_tasks import refresh_project_analytics  # noqa: F401
