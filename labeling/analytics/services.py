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

Aggregation by SQL where the database can do it (session sums, reads of the plain columns, and on
PostgreSQL the events' JSON); the agreement geometry (items with two or more annotators only) is
handled in Python. The rebuild deletes and inserts the project's rows in one transaction (COPY on
PostgreSQL), under the row lock of its AnalyticsState; the new `refreshed_at` is the facts' version,
which retires every cached figure (selectors.cached_figure).
"""

from __future__ import annotations

import csv
import io
import itertools
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import numpy as np
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Model, Sum
from django.utils import timezone

from labeling import agreement
from labeling.analytics import figures
from labeling.analytics.models import AnalyticsState, AnnotationTimeFact, RegionTimeFact
from labeling.models import Annotation, Region, Review, WorkSession
from projects.models import Item, VersionItem

# Submissions within this many seconds share one refresh: the first schedules it this far ahead.
REFRESH_DEBOUNCE_S = 30
_PRIMARY_SCORES = ("f1", "exact_f1", "agreement")


def debounce_key(project_id: int) -> str:
    return f"analytics-refresh:{project_id}"


def schedule_refresh(project_id: int, *, debounce: bool = True) -> bool:
    """Refresh the project's facts after the current transaction commits. With `debounce`, only the
    first call in REFRESH_DEBOUNCE_S schedules a run, that far ahead, and the run (which clears the
    key before it reads) covers every submission made before it starts. Returns whether it scheduled."""
    from labeling.analytics.celery_tasks import refresh_project_analytics

    if debounce and not cache.add(debounce_key(project_id), 1, timeout=REFRESH_DEBOUNCE_S):
        return False
    countdown = REFRESH_DEBOUNCE_S if debounce else 0
    transaction.on_commit(lambda: refresh_project_analytics.apply_async((project_id,), countdown=countdown))
    return True


def refresh_project(project_id: int) -> int:
    """Rebuild the project's facts; returns how many annotations they cover. Safe to run twice."""
    cache.delete(debounce_key(project_id))
    started = time.monotonic()
    AnalyticsState.objects.get_or_create(project_id=project_id)
    with transaction.atomic():
        state = AnalyticsState.objects.select_for_update().get(project_id=project_id)
        fact_rows, region_rows = build_rows(project_id)
        # Plain DELETEs: the ORM's delete() would first collect every row to cascade to the region facts.
        # The table names come from the models, never from input.
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {RegionTimeFact._meta.db_table} WHERE project_id = %s", [project_id])  # noqa: S608
            cursor.execute(f"DELETE FROM {AnnotationTimeFact._meta.db_table} WHERE project_id = %s", [project_id])  # noqa: S608
        _insert(AnnotationTimeFact, FACT_COLUMNS, fact_rows)
        _insert(RegionTimeFact, REGION_COLUMNS, region_rows)
        state.refreshed_at = timezone.now()
        state.refresh_ms = int((time.monotonic() - started) * 1000)
        state.annotations = len(fact_rows)
        state.save(update_fields=["refreshed_at", "refresh_ms", "annotations"])
    return len(fact_rows)


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
)
REGION_COLUMNS = ("fact_id", "project_id", "annotator_id", "kind", "label_class_id", "tool", "duration_ms")


def build_rows(project_id: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The fact and region-fact rows of the project, in FACT_COLUMNS and REGION_COLUMNS order."""
    annotations = list(
        Annotation.objects.filter(project_id=project_id, is_prediction=False, submitted_at__isnull=False)
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
    scores = _agreement_scores(project_id, [(a[0], a[1], a[2]) for a in annotations])

    active = np.array([times.get((a[1], a[2]), (0, 0))[0] for a in annotations], dtype=np.float64)
    annotators = np.array([a[2] for a in annotations], dtype=np.int64)
    region_counts = np.array([len(regions_by_annotation.get(a[0], ())) for a in annotations], dtype=np.int64)
    medians = figures.group_medians(annotators, active)
    own_median = np.array([medians[int(user)][0] for user in annotators])
    own_count = np.array([medians[int(user)][1] for user in annotators])
    reasons = figures.fast_submission_reasons(active, region_counts, own_median, own_count)

    fact_rows: list[tuple[Any, ...]] = []
    region_rows: list[tuple[Any, ...]] = []
    adapt = connection.ops.adapt_datetimefield_value
    nth = 0
    previous_user = None
    for index, (annotation_id, item_id, user_id, status, submitted_at) in enumerate(annotations):
        nth = nth + 1 if user_id == previous_user else 1
        previous_user = user_id
        active_ms, wall_ms = times.get((item_id, user_id), (0, 0))
        fact_rows.append(
            (
                annotation_id,
                project_id,
                item_id,
                user_id,
                splits.get(item_id, ""),
                status,
                adapt(submitted_at),
                active_ms,
                wall_ms,
                int(region_counts[index]),
                nth,
                decisions.get(annotation_id, ""),
                scores.get(annotation_id),
                reasons[index],
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
    event's that names one (events in the order of their sessions and of their reports)."""
    if connection.vendor == "postgresql":
        return _region_times_in_sql(project_id)
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


# The same as the Python loop of _region_times, in PostgreSQL: reading every session's events into
# Python was most of a refresh's time. Durations and tools are validated as integers and strings when
# reported (labeling.validation), so the casts cannot fail.
_REGION_TIMES_SQL = """
SELECT s.item_id, s.user_id, e.value ->> 'region_key',
       SUM(GREATEST(0, COALESCE((e.value ->> 'duration_ms')::bigint, 0)))::bigint,
       COALESCE(
           (ARRAY_AGG(e.value ->> 'tool' ORDER BY s.id DESC, e.position DESC)
               FILTER (WHERE e.value ->> 'type' = 'created' AND COALESCE(e.value ->> 'tool', '') <> ''))[1],
           (ARRAY_AGG(e.value ->> 'tool' ORDER BY s.id, e.position)
               FILTER (WHERE COALESCE(e.value ->> 'tool', '') <> ''))[1],
           ''
       )
FROM {sessions} AS s
CROSS JOIN LATERAL jsonb_array_elements(s.events) WITH ORDINALITY AS e(value, position)
WHERE s.project_id = %s AND s.reports > 0 AND e.value ->> 'region_key' IS NOT NULL
GROUP BY s.item_id, s.user_id, e.value ->> 'region_key'
"""


def _region_times_in_sql(project_id: int) -> dict[tuple[int, int], dict[str, tuple[int, str]]]:
    result: dict[tuple[int, int], dict[str, tuple[int, str]]] = defaultdict(dict)
    with connection.cursor() as cursor:
        cursor.execute(_REGION_TIMES_SQL.format(sessions=WorkSession._meta.db_table), [project_id])
        for item_id, user_id, key, duration, tool in cursor.fetchall():
            result[(item_id, user_id)][key] = (duration, tool)
    return result


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


def _agreement_scores(project_id: int, annotations: Iterable[tuple[int, int, int]]) -> dict[int, float]:
    """Annotation id → mean pair score with the item's other annotators, for items with two or more."""
    by_item: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for annotation_id, item_id, user_id in annotations:
        by_item[item_id].append((annotation_id, user_id))
    shared = {item_id: pairs for item_id, pairs in by_item.items() if len(pairs) >= 2}
    if not shared:
        return {}
    annotation_ids = [a for pairs in shared.values() for a, _ in pairs]
    shapes: dict[int, list[agreement.Shape]] = defaultdict(list)
    for chunk in _chunks(annotation_ids, 5000):
        for region in (
            Region.objects.filter(annotation_id__in=chunk)
            .order_by("id")
            .values(
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
        ):
            shapes[region["annotation_id"]].append(_shape(region))
    sizes = {
        pk: (height, width) if width and height else None
        for pk, width, height in Item.objects.filter(project_id=project_id, pk__in=list(shared)).values_list(
            "pk", "width", "height"
        )
    }
    collected: dict[int, list[float]] = defaultdict(list)
    for item_id, pairs in shared.items():
        for (a, user_a), (b, user_b) in itertools.combinations(pairs, 2):
            raters = [agreement.Rater(user_a, shapes.get(a, [])), agreement.Rater(user_b, shapes.get(b, []))]
            score = pair_score(agreement.item_agreement(raters, image_size=sizes.get(item_id)))
            if score is not None:
                collected[a].append(score)
                collected[b].append(score)
    return {annotation_id: sum(values) / len(values) for annotation_id, values in collected.items()}


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


def _insert(model: type[Model], columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """Insert many rows in few statements: Django's bulk_create builds a model instance per row, which
    costs seconds for a project's hundreds of thousands of regions."""
    if not rows:
        return
    table = model._meta.db_table
    column_list = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: one stream the server parses in bulk, several times faster than multi-row INSERTs
            # (whose parameters psycopg2 quotes one by one in Python). The csv module quotes every
            # non-number, None included, so FORCE_NULL turns a nullable number column's "" back into NULL.
            buffer = io.StringIO()
            csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n").writerows(rows)
            buffer.seek(0)
            nullable = [
                connection.ops.quote_name(column)
                for column in columns
                if model._meta.get_field(column.removesuffix("_id")).null
            ]
            options = f", FORCE_NULL ({', '.join(nullable)})" if nullable else ""
            # The table and column names come from the model, never from input.
            statement = f"COPY {table} ({column_list}) FROM STDIN WITH (FORMAT csv{options})"
            cursor.cursor.copy_expert(statement, buffer)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({column_list}) VALUES ({placeholders})", rows)  # noqa: S608


def refreshed_at(project_id: int) -> datetime | None:
    return AnalyticsState.objects.filter(project_id=project_id).values_list("refreshed_at", flat=True).first()
