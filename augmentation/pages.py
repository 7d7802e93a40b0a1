"""Augmentation pages: pipelines (list and builder) and jobs (list, launch, progress). Each renders a template
with the project and the user's role; the data comes from the API in the page's ES modules."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from augmentation.models import AugmentationJob, Pipeline
from frontend.views import project_context
from projects.access import get_membership
from projects.models import Membership


def _context(membership: Membership, active: str, **extra: Any) -> dict[str, Any]:
    project_id = membership.project_id
    return {
        **project_context(membership, active),
        "pipelines_api": reverse("pipeline-list", kwargs={"project_pk": project_id}),
        "jobs_api": reverse("augmentation-job-list", kwargs={"project_pk": project_id}),
        "pipelines_page": reverse("frontend:pipelines", kwargs={"project_id": project_id}),
        "jobs_page": reverse("frontend:jobs", kwargs={"project_id": project_id}),
        **extra,
    }


@login_required
def pipelines(request: HttpRequest, project_id: int) -> HttpResponse:
    membership = get_membership(project_id, request.user)  # 404 for non-members, like the API
    return render(request, "augmentation/pipelines.html", _context(membership, "pipelines"))


@login_required
def pipeline_builder(request: HttpRequest, project_id: int, pipeline_id: int | None = None) -> HttpResponse:
    membership = get_membership(project_id, request.user)
    pipeline = None
    if pipeline_id is not None:
        pipeline = Pipeline.objects.filter(project_id=project_id, pk=pipeline_id).only("id", "name").first()
        if pipeline is None:
            raise Http404
    context = _context(
        membership,
        "pipelines",
        pipeline=pipeline,
        catalog_api=reverse("augmentation-catalog"),
        presets_api=reverse("augmentation-presets"),
        max_preview_copies=8,
    )
    return render(request, "augmentation/builder.html", context)


@login_required
def jobs(request: HttpRequest, project_id: int) -> HttpResponse:
    membership = get_membership(project_id, request.user)
    return render(request, "augmentation/jobs.html", _context(membership, "jobs"))


@login_required
def job_launch(request: HttpRequest, project_id: int) -> HttpResponse:
    membership = get_membership(project_id, request.user)
    context = _context(membership, "jobs", max_copies=settings.AUGMENTATION_MAX_COPIES_PER_ITEM)
    return render(request, "augmentation/job_launch.html", context)


@login_required
def job_detail(request: HttpRequest, project_id: int, job_id: int) -> HttpResponse:
    membership = get_membership(project_id, request.user)
    if not AugmentationJob.objects.filter(project_id=project_id, pk=job_id).exists():
        raise Http404
    context = _context(
        membership,
        "jobs",
        job_id=job_id,
        job_api=reverse("augmentation-job-detail", kwargs={"project_pk": project_id, "pk": job_id}),
    )
    return render(request, "augmentation/job_detail.html", context)
