"""The Celery application, configured from the CELERY_* names in config.settings."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")

app = Celery("tandem")
app.config_from_object("django.conf:settings", namespace="CELERY")
# "task" is a domain word here (a labelling task), so Celery modules are named celery_tasks.py.
app.autodiscover_tasks(related_name="celery_tasks")
