"""Page views: each renders a template with the project and the user's role; data comes from the API in JS."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.contrib.auth.views import LoginView
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from rest_framework.authtoken.models import Token

from augmentation.models import AugmentationJob
from frontend import services
from frontend.navigation import optional_url, project_nav
from projects import selectors
from projects.access import Ability, get_membership, role_can
from projects.models import IMAGE_KINDS, TEXT_KINDS, AnnotationKind, Item, Membership, Project, Role, VersionItem

LOGIN_ATTEMPTS_PER_MINUTE = 10


class ThrottledLoginView(LoginView):
    """Session login, throttled per client address like the token endpoint."""

    template_name = "frontend/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        key = f"login-attempts:{request.META.get('REMOTE_ADDR', '')}"
        attempts = cache.get_or_set(key, 0, timeout=60) or 0
        if attempts >= LOGIN_ATTEMPTS_PER_MINUTE:
            return HttpResponse("Too many login attempts; wait a minute and try again.", status=429)
        cache.incr(key)
        return super().post(request, *args, **kwargs)


def kind_choices() -> dict[str, list[tuple[str, str]]]:
    """Annotation kinds grouped the way the project form shows them."""
    return {
        "image": [(value, label) for value, label in AnnotationKind.choices if value in IMAGE_KINDS],
        "text": [(value, label) for value, label in AnnotationKind.choices if value in TEXT_KINDS],
    }


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    projects = selectors.projects_for_user(request.user)  # type: ignore[arg-type]
    return render(request, "frontend/project_list.html", {"projects": projects, "kinds": kind_choices()})


def project_context(membership: Membership, active: str) -> dict[str, Any]:
    """What every page of a project needs: the project, the user's role, the navigation and API roots."""
    project_id = membership.project_id
    return {
        "project": membership.project,
        "role": membership.role,
        "can_manage": role_can(membership.role, Ability.MANAGE),
        "project_nav": project_nav(membership, active),
        "project_api": reverse("project-detail", kwargs={"pk": project_id}),
        "project_page": reverse("frontend:project-detail", kwargs={"project_id": project_id}),
    }


@dataclass(frozen=True)
class VersionChoice:
    """A usable (ready) dataset version as the version pickers show it."""

    id: int
    number: int
    name: str
    # "v2 “v1 + flip”", "v1 (working)"; `label` adds the item count.
    title: str
    label: str
    is_working: bool
    is_default: bool
    item_count: int
    # The augmentation job that made it, for a link to the job's page (None for working versions).
    job_id: int | None
    job_url: str | None


def version_choices(project: Project) -> list[VersionChoice]:
    """The project's usable versions (what `GET .../versions/` lists), the default one first marked."""
    versions = list(selectors.usable_versions(project))
    default_dataset_id = min((v.dataset_id for v in versions), default=None)
    several_datasets = len({v.dataset_id for v in versions}) > 1
    choices = []
    for version in versions:
        job_id = (version.provenance or {}).get("job")
        job_id = job_id if isinstance(job_id, int) and not isinstance(job_id, bool) else None
        prefix = f"{version.dataset.name} " if several_datasets else ""
        name = version.name if version.name != "working" or not version.is_working else ""
        working = " (working)" if version.is_working else ""
        count = getattr(version, "item_count", 0)
        named = f" \u201c{name}\u201d" if name else ""
        title = f"{prefix}v{version.number}{named}{working}"
        label = f"{title} \u00b7 {count} item{'s' if count != 1 else ''}"
        choices.append(
            VersionChoice(
                id=version.pk,
                number=version.number,
                name=version.name,
                title=title,
                label=label,
                is_working=version.is_working,
                is_default=version.is_working and version.dataset_id == default_dataset_id,
                item_count=count,
                job_id=job_id,
                job_url=optional_url("frontend:job-detail", project_id=project.pk, job_id=job_id) if job_id else None,
            )
        )
    return choices


def chosen_version(choices: list[VersionChoice], wanted: str | None) -> VersionChoice | None:
    """The version `?version=` names when it is one of the choices, else the default one."""
    for choice in choices:
        if wanted and str(choice.id) == wanted.strip():
            return choice
    return next((choice for choice in choices if choice.is_default), choices[0] if choices else None)


def may_export(membership: Membership) -> bool:
    return role_can(membership.role, Ability.EXPORT)


@login_required
def project_detail(request: HttpRequest, project_id: int) -> HttpResponse:
    membership = get_membership(project_id, request.user)  # 404 for non-members, like the API
    choices = version_choices(membership.project)
    selected = chosen_version(choices, request.GET.get("version"))
    context = {
        **project_context(membership, "items"),
        "versions": choices,
        "selected_version": selected,
        "default_version": next((choice for choice in choices if choice.is_default), None),
        "exports_url": optional_url("frontend:exports", project_id=project_id) if may_export(membership) else None,
    }
    return render(request, "frontend/project_detail.html", context)


@login_required
def project_upload(request: HttpRequest, project_id: int) -> HttpResponse:
    membership = get_membership(project_id, request.user)
    uses_classes = bool({"image_class", "text_class"} & set(membership.project.kinds))
    context = {**project_context(membership, "upload"), "uses_classes": uses_classes}
    return render(request, "frontend/project_upload.html", context)


@login_required
def project_settings(request: HttpRequest, project_id: int) -> HttpResponse:
    membership = get_membership(project_id, request.user)
    context = {**project_context(membership, "settings"), "kinds": kind_choices(), "roles": Role.choices}
    return render(request, "frontend/project_settings.html", context)


def item_version(choices: list[VersionChoice], item: Item, wanted: str | None) -> VersionChoice | None:
    """The version the item page shows the item in: `?version=` when it holds the item, else the default
    version when it does, else the first usable version that does (augmented items live only in theirs)."""
    holding = set(VersionItem.objects.filter(item=item).values_list("version_id", flat=True))
    usable = [choice for choice in choices if choice.id in holding]
    for choice in usable:
        if wanted and str(choice.id) == wanted.strip():
            return choice
    return next((choice for choice in usable if choice.is_default), usable[0] if usable else None)


@dataclass(frozen=True)
class Provenance:
    """Where an augmented item came from, with links only to what exists in this project."""

    source_id: int | None
    source_name: str
    source_url: str | None
    job_id: int | None
    job_url: str | None
    pipeline_name: str
    steps: str
    seed: Any
    copy_index: Any


def item_provenance(item: Item) -> Provenance | None:
    data = item.provenance if isinstance(item.provenance, dict) else {}
    if item.source_item_id is None and "job" not in data:
        return None
    project_id = item.project_id
    source_id = item.source_item_id or data.get("source_item")
    source = None
    if isinstance(source_id, int):
        # Provenance can come from an import of another project's export: look ids up in this project only.
        source = Item.objects.filter(project_id=project_id, pk=source_id).only("id", "original_name", "kind").first()
    job_id = data.get("job")
    job = None
    if isinstance(job_id, int) and not isinstance(job_id, bool):
        job = AugmentationJob.objects.filter(project_id=project_id, pk=job_id).only("id", "pipeline_name").first()
    pipeline = data.get("pipeline")
    steps = pipeline.get("steps") if isinstance(pipeline, dict) else None
    steps = steps if isinstance(steps, list) else []
    step_names = [str(step.get("type")) for step in steps if isinstance(step, dict) and step.get("type")]
    return Provenance(
        source_id=source_id if isinstance(source_id, int) else None,
        source_name=str(source) if source is not None else "",
        source_url=(
            reverse("frontend:item-detail", kwargs={"project_id": project_id, "item_id": source.pk}) if source else None
        ),
        job_id=job_id if isinstance(job_id, int) else None,
        job_url=optional_url("frontend:job-detail", project_id=project_id, job_id=job.pk) if job else None,
        pipeline_name=job.pipeline_name if job is not None else "",
        steps=", ".join(step_names),
        seed=data.get("seed"),
        copy_index=data.get("copy_index"),
    )


@login_required
def item_detail(request: HttpRequest, project_id: int, item_id: int) -> HttpResponse:
    membership = get_membership(project_id, request.user)
    item = get_object_or_404(
        Item.objects.only("id", "project_id", "kind", "original_name", "source_item_id", "provenance"),
        project_id=project_id,
        pk=item_id,
    )
    choices = version_choices(membership.project)
    version = item_version(choices, item, request.GET.get("version"))
    item_api = reverse("item-detail", kwargs={"project_pk": project_id, "pk": item_id})
    items_page = reverse("frontend:project-detail", kwargs={"project_id": project_id})
    if version is not None and not version.is_default:
        item_api = f"{item_api}?version={version.id}"
        items_page = f"{items_page}?version={version.id}"
    context = {
        **project_context(membership, "items"),
        "item": item,
        "item_api": item_api,
        "items_page": items_page,
        "version": version,
        "provenance": item_provenance(item),
        "label_url": optional_url("frontend:label-item", project_id=project_id, item_id=item_id),
    }
    return render(request, "frontend/item_detail.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def api_token(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)  # login_required: never anonymous here
    if request.method == "POST":
        services.regenerate_token(user)
        return redirect("frontend:api-token")
    token = Token.objects.filter(user=user).first()
    projects_url = request.build_absolute_uri(reverse("project-list"))
    return render(request, "frontend/api_token.html", {"token": token, "projects_url": projects_url})
