"""Reads for uploads."""

from __future__ import annotations

from django.db.models import QuerySet

from projects.models import Project, Upload


def uploads_of(project: Project) -> QuerySet[Upload]:
    """The project's uploads, newest first."""
    return Upload.objects.filter(project=project).order_by("-created_at", "-id")
