"""Constructed work for the analytics tests: annotations with known times, regions and events."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from labeling.models import Annotation, AnnotationStatus, Region, Review, SessionOutcome, WorkSession
from projects.models import Item, ItemKind, Role, VersionItem
from projects.selectors import default_dataset, working_version
from tests.factories import UserFactory, add_member, make_project

START = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_pending_refresh():
    # Debounce keys live in the cache, which outlives each test's database rollback (and its ids).
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def studio(manager):
    return make_project(manager=manager, name="Studio", kinds=("bbox", "polygon", "image_class"), hourly_rate="36.00")


@pytest.fixture
def ann(studio):
    return add_member(studio, Role.ANNOTATOR, user=UserFactory(username="ann"))


@pytest.fixture
def bob(studio):
    return add_member(studio, Role.ANNOTATOR, user=UserFactory(username="bob"))


def item(project, name: str, split: str = "") -> Item:
    dataset = default_dataset(project)
    created = Item.objects.create(
        project=project,
        dataset=dataset,
        kind=ItemKind.IMAGE,
        original_name=name,
        sha256=hashlib.sha256(f"{project.pk}:{name}".encode()).hexdigest(),
        width=100,
        height=100,
    )
    VersionItem.objects.create(version=working_version(dataset), item=created, split=split)
    return created


def work(
    project,
    user,
    target: Item,
    *,
    active_ms: int,
    wall_ms: int | None = None,
    regions=(),
    at: datetime | None = None,
    decision: str | None = None,
) -> Annotation:
    """A submitted annotation whose one session lasted `wall_ms` with `active_ms` of work.

    `regions` are (kind, label_class, duration_ms, tool) or with a fifth element, the box (x, y, w, h);
    each region's duration is recorded as one "created" event (None: no event names the region).
    """
    at = at or START
    annotation = Annotation.objects.create(
        project=project, item=target, annotator=user, status=AnnotationStatus.SUBMITTED, submitted_at=at
    )
    events = []
    for index, (kind, label_class, duration, tool, *geometry) in enumerate(regions):
        x, y, w, h = geometry[0] if geometry else (index * 20.0, 0.0, 10.0, 10.0)
        key = f"r{index}"
        Region.objects.create(
            annotation=annotation,
            label_class=label_class,
            kind=kind,
            key=key,
            x=x,
            y=y,
            width=w,
            height=h,
            points=[[x, y], [x + w, y], [x + w, y + h]] if kind == "polygon" else None,
        )
        if duration is not None:
            events.append(
                {
                    "type": "created",
                    "region_key": key,
                    "tool": tool,
                    "label_class": label_class.pk,
                    "started_at_ms": 0,
                    "duration_ms": duration,
                }
            )
    wall = wall_ms if wall_ms is not None else active_ms
    WorkSession.objects.create(
        project=project,
        item=target,
        user=user,
        annotation=annotation,
        started_at=at - timedelta(milliseconds=wall),
        ended_at=at,
        outcome=SessionOutcome.SUBMITTED,
        idle_threshold_s=30,
        wall_ms=wall,
        active_ms=active_ms,
        trusted_active_ms=min(active_ms, wall),
        events=events,
        reports=1,
    )
    if decision:
        Review.objects.create(annotation=annotation, decision=decision, reviewed_version=1)
    return annotation


def analytics_url(project, figure: str) -> str:
    return f"/api/v1/projects/{project.pk}/analytics/{figure}/"
