"""React to other apps' signals without them importing labeling."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from labeling.services.ingest import IngestResult, annotations_from_upload_labels
from projects.signals import items_ingested


@receiver(items_ingested, dispatch_uid="labeling.annotations_from_upload_labels")
def annotations_from_upload(sender: Any, *, project: Any, user: Any, labels: Any, **kwargs: Any) -> IngestResult:
    """Labels found in an upload become the uploader's submitted annotations, in the upload's transaction.
    The result (annotations made, classes added, labels left out and why) is the signal's response."""
    return annotations_from_upload_labels(project=project, user=user, labels=labels)
