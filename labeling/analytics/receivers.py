"""Refresh the time facts after annotations are submitted, corrected or reviewed (debounced).

A receiver, because every such change writes an AnnotationRevision: the labelling services need not
know the dashboard exists.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from labeling.analytics.services import schedule_refresh
from labeling.models import AnnotationRevision, AnnotationStatus


@receiver(post_save, sender=AnnotationRevision, dispatch_uid="labeling.analytics.refresh_after_revision")
def refresh_after_revision(sender: Any, *, instance: AnnotationRevision, created: bool, **kwargs: Any) -> None:
    if created and instance.status != AnnotationStatus.DRAFT:
        schedule_refresh(instance.annotation.project_id)
