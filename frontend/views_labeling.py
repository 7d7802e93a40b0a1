"""The labelling editor and review pages.

Both render one template shell; the editor (frontend/static/frontend/editor/) loads the item, the
annotations and the schema from the API and talks to it for every save, so these views only check
the role and hand the page its starting point.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from frontend.views import project_context
from labeling.selectors import annotations_for
from projects.access import ABILITY_MESSAGES, Ability, get_membership, role_can
from projects.models import Item, Membership


def _membership_with(request: HttpRequest, project_id: int, ability: Ability) -> Membership:
    membership = get_membership(project_id, request.user)  # 404 for non-members, like the API
    if not role_can(membership.role, ability):
        raise PermissionDenied(ABILITY_MESSAGES[ability])
    return membership


def editor_context(membership: Membership, *, mode: str, active: str, **start: Any) -> dict[str, Any]:
    """What the editor shell needs: where the API and the other editor pages are, and where to start."""
    project_id = membership.project_id
    user = membership.user
    return {
        **project_context(membership, active),
        "editor": {
            "mode": mode,
            "project-id": project_id,
            "user-id": user.pk,
            "username": user.get_username(),
            "role": membership.role,
            "item-id": start.get("item_id") or "",
            "annotation-id": start.get("annotation_id") or "",
            # Page URLs with a 0 placeholder the script replaces: the address bar follows the item shown.
            "label-item-url": reverse("frontend:label-item", kwargs={"project_id": project_id, "item_id": 0}),
            "review-url": reverse("frontend:review-annotation", kwargs={"project_id": project_id, "annotation_id": 0}),
            "queue-url": reverse("frontend:label", kwargs={"project_id": project_id}),
        },
    }


@login_required
def label(request: HttpRequest, project_id: int) -> HttpResponse:
    """The work queue: the editor opens the next item handed to the user."""
    membership = _membership_with(request, project_id, Ability.ANNOTATE)
    return render(request, "frontend/label.html", editor_context(membership, mode="queue", active="label"))


@login_required
def label_item(request: HttpRequest, project_id: int, item_id: int) -> HttpResponse:
    """One item in the editor (the user's own annotation of it), e.g. to go back to earlier work."""
    membership = _membership_with(request, project_id, Ability.ANNOTATE)
    item = get_object_or_404(Item.objects.only("id"), project_id=project_id, pk=item_id)
    context = editor_context(membership, mode="item", active="label", item_id=item.pk)
    return render(request, "frontend/label.html", context)


@login_required
def review(request: HttpRequest, project_id: int) -> HttpResponse:
    """Review queue: submitted annotations one after another, to accept, reject or correct."""
    membership = _membership_with(request, project_id, Ability.REVIEW)
    return render(request, "frontend/review.html", editor_context(membership, mode="review", active="review"))


@login_required
def review_annotation(request: HttpRequest, project_id: int, annotation_id: int) -> HttpResponse:
    membership = _membership_with(request, project_id, Ability.REVIEW)
    annotation = get_object_or_404(annotations_for(membership).only("id"), pk=annotation_id)
    context = editor_context(membership, mode="review", active="review", annotation_id=annotation.pk)
    return render(request, "frontend/review.html", context)
