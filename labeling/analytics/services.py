"""Rebuilding a project's time facts from its annotations, work sessions and reviews; scheduling that.

What one fact holds:
- time: the annotator's work sessions on the item, summed (sessions never reported are left out):
  `trusted_active_ms` (the client's active time clipped to the server's wall time) and `wall_ms`;
  sessions by reviewers count for nobody's annotation;
- regions: the annotation's current regions (after a reviewer's correction, the corrected ones); a
  region's time is the sum of the durations of the annotator's events that name its key;
- agreement: for each other annotator of the item, `labeling.agreement.item_agreement` on the pair,
  scored as the mean over (kind, class) of F1 at IoU 0.5 (boxes, polygons, masks), exact-span F1
  (text spans) or agreement (classes); the fact keeps the mean over the other annotators;
- fast_reason: figures.fast_submission_reasons against the annotator's median over the whole project.

Every refresh recomputes all of the project's facts, in one transaction under the row lock of its
AnalyticsState. On PostgreSQL the database computes them (labeling.analytics.postgres: session sums,
the events' JSON, n-th item, the annotator's median, the fast-submission rule) and only the rows that
differ from the current facts are written, so a refresh after a few submissions writes a few rows. On
SQLite build_rows computes the same rows in Python, and the project's rows are deleted and inserted.
The agreement geometry (items with two or more annotators only) is scored in Python, where an item
whose annotations (ids and versions) are those its facts were scored on keeps its scores
(agreement_scores); the refresh a manager asks for scores every item again. The new `refreshed_at`
is the facts' version, which retires every cached figure (selectors.cached_figure).
"""

from __future__ import annotations

import hashlib
import itertools
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import numpy as np
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, F, QuerySet, Sum, Window
from django.utils import timezone

from labeling import agreement
from labeling.analytics import figures, postgres
from labeling.analytics.models import AnalyticsState, AnnotationTimeFact, RegionTimeFact
from labeling.models import Annotation, Region, Review, WorkSession
from projects.models import Item, VersionItem
from projects.rows import insert_rows

# Submissions within this many seconds share one refresh: the first schedules it this far ahead.
REFRESH_DEBOUNCE_S = 30
_PRIMARY_SCORES = ("f1", "exact_f1", "agreement")
# An annotation's agreement score (None when none of its pairs scored) and the basis it was scored on.
Agreement = tuple[float | None, str]


def debounce_key(project_id: int) -> str:
    return f"analytics-refresh:{project_id}"


def schedule_refresh(project_id: int, *, debounce: bool = True) -> bool:
    """Refresh the project's facts after the current transaction commits. With `debounce`, only the
    first call in REFRESH_DEBOUNCE_S schedules a run, that far ahead, and the run (which clears the
    key before it reads) covers every submission made before it starts. Without it (a manager's
    request), the run starts at once and scores agreement afresh. Returns whether it scheduled."""
    from labeling.analytics.celery_tasks import refresh_project_analytics

    if debounce and not cache.add(debounce_key(project_id), 1, timeout=REFRESH_DEBOUNCE_S):
        return False
    countdown = REFRESH_DEBOUNCE_S if debounce else 0
    arguments = (project_id,) if debounce else (project_id, True)
    transaction.on_commit(lambda: refresh_project_analytics.apply_async(arguments, countdown=countdown))
    return True


def refresh_project(project_id: int, *, rescore: bool = False) -> int:
    """Rebuild the project's facts; returns how many annotations they cover. Safe to run twice.
    With `rescore`, agreement is scored for every item, none kept from the current facts."""
    cache.delete(debounce_key(project_id))
    started = time.monotonic()
    AnalyticsState.objects.get_or_create(project_id=project_id)
    with transaction.atomic():
        state = AnalyticsState.objects.select_for_update().get(project_id=project_id)
        scores = agreement_scores(project_id, reuse=not rescore)
        if connection.vendor == "postgresql":
            covered = postgres.write_facts(project_id, scores)
        else:
            fact_rows, region_rows = build_rows(project_id, scores)
            _replace_rows(project_id, fact_rows, region_rows)
            covered = len(fact_rows)
        state.refreshed_at = timezone.now()
        state.refresh_ms = int((time.monotonic() - started) * 1000)
        state.annotations = covered
        state.save(update_fields=["refreshed_at", "refresh_ms", "annotations"])
    return covered


FACT_COLUMNS = (
    "annotation_id",
    "project_id",
    "item_id",
    "annotator_id",
    "split",
    "status",
    "submitted_at",
    "active_ms",
    "wall_ms",
    "regions",
    "nth_item",
    "review_decision",
    "agreement",
    "fast_reason",
    "agreement_basis",
)
REGION_COLUMNS = ("fact_id", "project_id", "annotator_id", "kind", "label_class_id", "tool", "duration_ms")


def submitted_annotations(project_id: int) -> QuerySet[Annotation]:
    """The annotations the facts cover: the project's submitted human annotations."""
    return Annotation.objects.filter(project_id=project_id, is_prediction=False, submitted_at__isnull=False)


# --- the Python path (SQLite) ------------------------------------------------------------------------


def build_rows(
    project_id: int, scores: Mapping[int, Agreement] | None = None
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The fact and region-fact rows of the project, in FACT_COLUMNS and REGION_COLUMNS order, computed
    in Python (the SQLite path; labeling.analytics.postgres computes the same rows in SQL). `scores`
    are agreement_scores(project_id), computed when not given."""
    annotations = list(
        submitted_annotations(project_id)
        .order_by("annotator_id", "submitted_at", "id")
        .values_list("id", "item_id", "annotator_id", "status", "submitted_at")
    )
    if not annotations:
        return [], []
    times = {
        (row["item_id"], row["user_id"]): (row["active"] or 0, row["wall"] or 0)
        for row in WorkSession.objects.filter(project_id=project_id, wall_ms__isnull=False)
        .order_by()
        .values("item_id", "user_id")
        .annotate(active=Sum("trusted_active_ms"), wall=Sum("wall_ms"))
    }
    region_times = _region_times(project_id)
    regions_by_annotation: dict[int, list[tuple[str, int, str]]] = defaultdict(list)
    for annotation_id, kind, class_id, key in (
        Region.objects.filter(
            annotation__project_id=project_id,
            annotation__is_prediction=False,
            annotation__submitted_at__isnull=False,
        )
        .order_by("id")
        .values_list("annotation_id", "kind", "label_class_id", "key")
    ):
        regions_by_annotation[annotation_id].append((kind, class_id, key))
    decisions = dict(
        Review.objects.filter(annotation__project_id=project_id).order_by("id").values_list("annotation_id", "decision")
    )
    splits = dict(
        VersionItem.objects.filter(version__is_working=True, version__dataset__project_id=project_id).values_list(
            "item_id", "split"
        )
    )
    if scores is None:
        scores = agreement_scores(project_id)

    active = np.array([times.get((a[1], a[2]), (0, 0))[0] for a in annotations], dtype=np.float64)
    annotators = np.array([a[2] for a in annotations], dtype=np.int64)
    region_counts = np.array([len(regions_by_annotation.get(a[0], ())) for a in annotations], dtype=np.int64)
    medians = figures.group_medians(annotators, active)
    own_median = np.array([medians[int(user)][0] for user in annotators])
    own_count = np.array([medians[int(user)][1] for user in annotators])
    reasons = figures.fast_submission_reasons(active, region_counts, own_median, own_count)

    fact_rows: list[tuple[Any, ...]] = []
    region_rows: list[tuple[Any, ...]] = []
    nth = 0
    previous_user = None
    for index, (annotation_id, item_id, user_id, status, submitted_at) in enumerate(annotations):
        nth = nth + 1 if user_id == previous_user else 1
        previous_user = user_id
        active_ms, wall_ms = times.get((item_id, user_id), (0, 0))
        score, basis = scores.get(annotation_id, (None, ""))
        fact_rows.append(
            (
                annotation_id,
                project_id,
                item_id,
                user_id,
                splits.get(item_id, ""),
                status,
                submitted_at,
                active_ms,
                wall_ms,
                int(region_counts[index]),
                nth,
                decisions.get(annotation_id, ""),
                score,
                reasons[index],
                basis,
            )
        )
        spent = region_times.get((item_id, user_id), {})
        for kind, class_id, key in regions_by_annotation.get(annotation_id, ()):
            duration, tool = spent.get(key, (None, ""))
            region_rows.append((annotation_id, project_id, user_id, kind, class_id, tool, duration))
    return fact_rows, region_rows


def _region_times(project_id: int) -> dict[tuple[int, int], dict[str, tuple[int, str]]]:
    """(item, user) → region key → (summed event duration, tool). Negative durations (flagged when
    reported) count as 0; the tool is the latest creating event's that names one, else the first
    event's that names one (events in the order of their sessions and of their reports).
    postgres.REGION_TIMES_SQL is the same in SQL."""
    result: dict[tuple[int, int], dict[str, tuple[int, str]]] = defaultdict(dict)
    sessions = (
        WorkSession.objects.filter(project_id=project_id, reports__gt=0)
        .order_by("id")
        .values_list("item_id", "user_id", "events")
    )
    for item_id, user_id, events in sessions.iterator(chunk_size=2000):
        per_key = result[(item_id, user_id)]
        for event in events:
            key = event.get("region_key")
            if key is None:
                continue
            duration, tool = per_key.get(key, (0, ""))
            event_tool = event.get("tool") or ""
            if event.get("type") == "created" or not tool:
                tool = event_tool or tool
            per_key[key] = (duration + max(0, int(event.get("duration_ms") or 0)), tool)
    return result


def _replace_rows(project_id: int, fact_rows: list[tuple[Any, ...]], region_rows: list[tuple[Any, ...]]) -> None:
    # Plain DELETEs: the ORM's delete() would first collect every row to cascade to the region facts.
    # The table names come from the models, never from input.
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {RegionTimeFact._meta.db_table} WHERE project_id = %s", [project_id])  # noqa: S608
        cursor.execute(f"DELETE FROM {AnnotationTimeFact._meta.db_table} WHERE project_id = %s", [project_id])  # noqa: S608
    insert_rows(AnnotationTimeFact, FACT_COLUMNS, fact_rows)
    insert_rows(RegionTimeFact, REGION_COLUMNS, region_rows)


# --- agreement ---------------------------------------------------------------------------------------


def pair_score(results: Sequence[agreement.ClassAgreement]) -> float | None:
    """One number for two annotators' agreement on an item: the mean over (kind, class) of the
    primary score (F1 at the IoU threshold, exact-span F1, or class agreement)."""
    values = []
    for result in results:
        for name in _PRIMARY_SCORES:
            value = result.scores.get(name)
            if value is not None:
                values.append(value)
                break
    return sum(values) / len(values) if values else None


def agreement_scores(project_id: int, *, reuse: bool = True) -> dict[int, Agreement]:
    """Annotation id → (mean pair score with the item's other annotators, basis), for the annotations
    of items with two or more submitted annotations; the score is None when none of its pairs scored.
    The basis is a digest of the item's annotations (ids and versions, in the order they are paired).

    With `reuse`, an item whose annotations' facts were all scored on the basis the item gives now
    keeps their scores: a score depends only on the regions of the item's annotations (and on the
    item's size, fixed at upload), and every change to an annotation raises its version."""
    # Items with two or more, counted by a window over one scan: no plan to go wrong on stale statistics.
    shared = Window(Count("pk"), partition_by=F("item_id"))
    # (annotation, annotator, version) per item, in the order the facts list them (pairs are scored in it).
    by_item: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for annotation_id, item_id, user_id, version in (
        submitted_annotations(project_id)
        .annotate(annotations_of_item=shared)
        .filter(annotations_of_item__gte=2)
        .order_by("annotator_id", "submitted_at", "id")
        .values_list("id", "item_id", "annotator_id", "version")
    ):
        by_item[item_id].append((annotation_id, user_id, version))
    bases = {item_id: _basis(members) for item_id, members in by_item.items()}
    scores: dict[int, Agreement] = {}
    if reuse:
        built = {
            annotation_id: (score, basis)
            for annotation_id, score, basis in AnnotationTimeFact.objects.filter(project_id=project_id)
            .exclude(agreement_basis="")
            .values_list("annotation_id", "agreement", "agreement_basis")
        }
        for item_id in list(by_item):
            members, basis = by_item[item_id], bases[item_id]
            if all(built.get(a, (None, ""))[1] == basis for a, _, _ in members):
                scores.update((a, built[a]) for a, _, _ in members)
                del by_item[item_id]
    for annotation_id, (item_id, score) in _score_items(project_id, by_item).items():
        scores[annotation_id] = (score, bases[item_id])
    return scores


def _basis(members: Sequence[tuple[int, int, int]]) -> str:
    text = ",".join(f"{annotation_id}:{version}" for annotation_id, _, version in members)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _score_items(
    project_id: int, by_item: Mapping[int, list[tuple[int, int, int]]]
) -> dict[int, tuple[int, float | None]]:
    """Annotation id → (item id, mean pair score or None) for every annotation of the items."""
    if not by_item:
        return {}
    shapes: dict[int, list[agreement.Shape]] = defaultdict(list)
    annotation_ids = [a for members in by_item.values() for a, _, _ in members]
    for chunk in _chunks(annotation_ids, 5000):
        for region in Region.objects.filter(annotation_id__in=chunk).order_by("id").values(*_SHAPE_FIELDS):
            shapes[region["annotation_id"]].append(_shape(region))
    sizes: dict[int, tuple[int, int] | None] = {}
    for chunk in _chunks(list(by_item), 5000):
        for pk, width, height in Item.objects.filter(project_id=project_id, pk__in=chunk).values_list(
            "pk", "width", "height"
        ):
            sizes[pk] = (height, width) if width and height else None
    collected: dict[int, list[float]] = defaultdict(list)
    for item_id, members in by_item.items():
        for (a, user_a, _), (b, user_b, _) in itertools.combinations(members, 2):
            raters = [agreement.Rater(user_a, shapes.get(a, [])), agreement.Rater(user_b, shapes.get(b, []))]
            score = pair_score(agreement.item_agreement(raters, image_size=sizes.get(item_id)))
            if score is not None:
                collected[a].append(score)
                collected[b].append(score)
    return {
        a: (item_id, sum(collected[a]) / len(collected[a]) if collected[a] else None)
        for item_id, members in by_item.items()
        for a, _, _ in members
    }


_SHAPE_FIELDS = (
    "annotation_id",
    "kind",
    "label_class_id",
    "x",
    "y",
    "width",
    "height",
    "points",
    "holes",
    "rle",
    "mask_height",
    "mask_width",
    "start",
    "end",
)


def _shape(region: Mapping[str, Any]) -> agreement.Shape:
    has_box = region["x"] is not None
    return agreement.Shape(
        kind=region["kind"],
        label_class=region["label_class_id"],
        box=(region["x"], region["y"], region["width"], region["height"]) if has_box else None,
        points=region["points"],
        holes=region["holes"] or (),
        rle_counts=region["rle"] or None,
        size=(region["mask_height"], region["mask_width"]) if region["mask_height"] else None,
        start=region["start"],
        end=region["end"],
    )


def _chunks(values: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def refreshed_at(project_id: int) -> datetime | None:
    return AnalyticsState.objects.filter(project_id=project_id).values_list("refreshed_at", flat=True).first()
