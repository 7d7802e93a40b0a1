"""The analytics dashboard page: a template shell; its ES modules read the figures from the API."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from frontend.views import project_context
from labeling.analytics.selectors import sees_everyone
from projects.access import get_membership
from projects.models import AnnotationKind, Split


@login_required
def dashboard(request: HttpRequest, project_id: int) -> HttpResponse:
    membership = get_membership(project_id, request.user)  # 404 for non-members, like the API
    project = membership.project
    context = {
        **project_context(membership, "analytics"),
        "sees_everyone": sees_everyone(membership),
        "kinds": [(value, label) for value, label in AnnotationKind.choices if value in project.kinds],
        "splits": Split.choices,
        "classes": project.classes.order_by("order", "pk").values_list("pk", "name"),
        "analytics_api": reverse("analytics-summary", kwargs={"project_pk": project_id}).rsplit("summary/", 1)[0],
        "item_page": reverse("frontend:item-detail", kwargs={"project_id": project_id, "item_id": 0}),
    }
    return render(request, "frontend/analytics.html", context)
