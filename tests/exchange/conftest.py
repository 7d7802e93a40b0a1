"""Fixtures for export/import tests: projects labelled through the labeling services."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest

from labeling.models import Annotation
from labeling.services import queue, timing
from labeling.services.annotations import create_annotation
from labeling.services.review import review_annotation
from labeling.validation import Schema, TimeReport, validate_regions
from projects.models import Item, Membership, Project, Role
from tests.factories import add_member


def annotate(
    project: Project, item: Item, user, regions: list[dict[str, Any]], *, accept_by=None, timed: bool = False
) -> Annotation:
    """The user's submitted annotation of the item (accepted by `accept_by` when given), made by the services;
    `timed` opens a work session first, which the submit closes."""
    membership = Membership.objects.get(project=project, user=user)
    if membership.role == Role.ANNOTATOR:
        manager = project.memberships.filter(role=Role.MANAGER).first().user
        queue.assign_items(project=project, assignee=user, item_ids=[item.pk], by=manager)
    report = None
    if timed:
        session = timing.open_session(project=project, item=item, user=user)
        report = TimeReport(session_id=session.pk, active_ms=1200, events=[])
    fields = validate_regions(regions, item=item, schema=Schema.of(project))
    annotation, _ = create_annotation(
        project=project, item=item, membership=membership, regions=fields, submit=True, report=report
    )
    if accept_by is not None:
        reviewer = Membership.objects.get(project=project, user=accept_by)
        annotation = review_annotation(
            annotation, membership=reviewer, expected_versions={annotation.version}, decision="accept"
        )
    return annotation


def class_id(project: Project, name: str) -> int:
    return project.classes.get(name=name).pk


def export(client, project: Project, **options: Any):
    """POST an export and return the response (streamed content joined)."""
    response = client.post(f"/api/v1/projects/{project.pk}/exports/", options, format="json")
    return response


def body_of(response) -> bytes:
    return b"".join(response.streaming_content)


def zip_files(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def make_zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def import_file(client, project: Project, data: bytes, name: str, **options: Any):
    upload = io.BytesIO(data)
    upload.name = name
    form: dict[str, Any] = {"file": upload}
    for key, value in options.items():
        form[key] = json.dumps(value) if isinstance(value, dict) else value
    return client.post(f"/api/v1/projects/{project.pk}/imports/", form, format="multipart")


@pytest.fixture
def reviewer(project):
    return add_member(project, Role.REVIEWER)


@pytest.fixture
def annotator(project):
    return add_member(project, Role.ANNOTATOR)
