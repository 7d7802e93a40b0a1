"""Experiment pages: the list, the form that starts one, and the result page. Each renders a template with the
project and the user's role; the data comes from the API in the page's ES modules."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from experiments.baselines.models import FAMILIES
from experiments.models import Experiment, ExperimentKind, ModelFamily
from experiments.services.experiments import DEFAULT_DOSE_COPIES, DEFAULT_MODEL, applicable_kinds
from frontend.views import project_context
from projects.access import get_membership
from projects.models import Membership

# The copies a dose curve can be drawn at from the form (the API takes any list up to the limit).
DOSE_CHOICES = (0, 1, 2, 4, 8, 16)


def _context(membership: Membership, **extra: Any) -> dict[str, Any]:
    project_id = membership.project_id
    return {
        **project_context(membership, "experiments"),
        "experiments_api": reverse("experiment-list", kwargs={"project_pk": project_id}),
        "experiments_page": reverse("frontend:experiments", kwargs={"project_id": project_id}),
        **extra,
    }


@login_required
def experiment_list(request: HttpRequest, project_id: int) -> HttpResponse:
    membership = get_membership(project_id, request.user)  # 404 for non-members, like the API
    return render(request, "experiments/list.html", _context(membership))


@login_required
def experiment_new(request: HttpRequest, project_id: int) -> HttpResponse:
    membership = get_membership(project_id, request.user)
    labels = dict(ExperimentKind.choices)
    kinds = [(kind, labels[kind]) for kind in applicable_kinds(membership.project)]
    models = [
        (value, label, " ".join(kind for kind, offered in FAMILIES.items() if value in offered))
        for value, label in ModelFamily.choices
    ]
    context = _context(
        membership,
        kinds=kinds,
        models=models,
        default_model=DEFAULT_MODEL,
        dose_choices=[(copies, copies in DEFAULT_DOSE_COPIES) for copies in DOSE_CHOICES],
        jobs_api=reverse("augmentation-job-list", kwargs={"project_pk": project_id}),
        pipelines_api=reverse("pipeline-list", kwargs={"project_pk": project_id}),
    )
    return render(request, "experiments/new.html", context)


@login_required
def experiment_detail(request: HttpRequest, project_id: int, experiment_id: int) -> HttpResponse:
    membership = get_membership(project_id, request.user)
    experiment = Experiment.objects.filter(project_id=project_id, pk=experiment_id).only("id", "name").first()
    if experiment is None:
        raise Http404
    context = _context(
        membership,
        experiment=experiment,
        experiment_api=reverse("experiment-detail", kwargs={"project_pk": project_id, "pk": experiment_id}),
    )
    return render(request, "experiments/detail.html", context)
