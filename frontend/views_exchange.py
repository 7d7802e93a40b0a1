"""The Exports page: export a dataset version in any format that fits the project, follow export jobs,
and (managers) import labels with a dry run first. The page renders the choices; its ES module talks to
the export and import API (exchange/api/views.py), whose permissions it follows."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from exchange.selectors import formats_for
from frontend.views import chosen_version, may_export, project_context, version_choices
from labeling.models import AnnotationStatus
from projects.access import Ability, get_membership, role_can

# What each format writes, in a line; the layouts are described in exchange/formats/<module>.py.
FORMAT_NOTES = {
    "coco": "annotations/instances_<split>.json per split: boxes, polygons and masks (RLE).",
    "yolo_detection": "data.yaml and a labels/<split>/<image>.txt per image; every shape as its box.",
    "yolo_segmentation": "data.yaml and a labels/<split>/<image>.txt per image with normalised polygons.",
    "voc": "Annotations/<image>.xml per image, ImageSets/Main/<split>.txt; every shape as its box.",
    "png_masks": "A class-index PNG and a colour PNG per image, with classes.csv as the legend.",
    "imagefolder": "<split>/<class>/<image> for image classification; always includes the images.",
    "csv": "One row per region or per item, a file per split (or one file with a split column).",
    "jsonl": "One JSON object per text with its label and spans.",
    "conll": "Token and BIO tag per line, a block per text.",
    "tandem": "Everything: items, annotations with their history, reviews and provenance; imports back as is.",
}
IMPORT_SUFFIXES = ".zip,.json,.jsonl,.ndjson,.csv,.txt,.xml,.yaml,.yml,.conll,.bio,.iob"


@dataclass(frozen=True)
class FormatChoice:
    name: str
    title: str
    note: str
    needs_images: bool
    single_file: bool
    all_annotations: bool
    media: str


@login_required
def exports(request: HttpRequest, project_id: int) -> HttpResponse:
    membership = get_membership(project_id, request.user)  # 404 for non-members, like the API
    project = membership.project
    versions = version_choices(project)
    formats = [
        FormatChoice(
            name=fmt.name,
            title=fmt.title,
            note=FORMAT_NOTES.get(fmt.name, ""),
            needs_images=fmt.needs_images,
            single_file=fmt.single_file,
            all_annotations=fmt.all_annotations,
            media=fmt.media,
        )
        for fmt in formats_for(project)
    ]
    context = {
        **project_context(membership, "exports"),
        "can_export": may_export(membership),
        "can_import": role_can(membership.role, Ability.MANAGE),
        "versions": versions,
        "selected_version": chosen_version(versions, request.GET.get("version")),
        "formats": formats,
        "classes": list(project.classes.order_by("order", "id")),
        "statuses": AnnotationStatus.choices,
        "default_statuses": (AnnotationStatus.ACCEPTED, AnnotationStatus.SUBMITTED),
        "exports_api": reverse("export-list", kwargs={"project_pk": project_id}),
        "imports_api": reverse("import-list", kwargs={"project_pk": project_id}),
        "retention_hours": settings.EXPORT_RETENTION_HOURS,
        "sync_max_items": settings.EXPORT_SYNC_MAX_ITEMS,
        "sync_max_items_with_images": settings.EXPORT_SYNC_MAX_ITEMS_WITH_IMAGES,
        "import_suffixes": IMPORT_SUFFIXES,
    }
    return render(request, "frontend/exports.html", context)
