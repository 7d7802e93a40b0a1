"""The time figures, read from the fact tables, filtered and scoped to what the member may see.

Who sees what: time records are personal (as in labeling.selectors). Managers see every annotator's
figures; every other member (annotator, reviewer, viewer) sees figures computed from their own
submissions only — for someone who annotated nothing, empty figures. Cost is for managers only.

Filters narrow the submissions a figure is based on: by date range (the submission's date), annotator,
split, and by class, kind or tool — an annotation counts when at least one of its regions matches,
and region figures count the matching regions only. Every figure states `n`, the number of annotations
(or regions, where it says so) it is based on.

Counts and sums are aggregated by the database; medians and percentiles by numpy over the columns,
read through a plain cursor (no model instances) so 100,000 rows take milliseconds. The API serves each
figure from Django's cache (Redis in production) until the next refresh: see cached_figure.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.db.models import Avg, Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from labeling.analytics import figures
from labeling.analytics.models import AnalyticsState, AnnotationTimeFact, RegionTimeFact
from labeling.models import ReviewDecision
from projects.access import Ability, role_can
from projects.models import Item, LabelClass, Membership, Project

TOP_ITEMS = 20
# Cached figures are keyed by the facts' version (the refresh time), so a refresh replaces them at once;
# this bound only limits how long a renamed class, item or user keeps its old name in a cached figure.
FIGURE_CACHE_S = 300


@dataclass(frozen=True)
class Filters:
    date_from: date | None = None
    date_to: date | None = None
    annotator: int | None = None
    label_class: int | None = None
    kind: str | None = None
    tool: str | None = None
    split: str | None = None

    @property
    def narrows_regions(self) -> bool:
        return self.label_class is not None or bool(self.kind) or bool(self.tool)


@dataclass(frozen=True)
class Scope:
    """A project, the filters, and the annotator the member is restricted to (None: everyone)."""

    project: Project
    filters: Filters
    only_annotator: int | None

    @property
    def annotator(self) -> int | None:
        return self.only_annotator if self.only_annotator is not None else self.filters.annotator


def sees_everyone(membership: Membership) -> bool:
    return role_can(membership.role, Ability.MANAGE)


def scope_for(membership: Membership, filters: Filters) -> Scope:
    return Scope(membership.project, filters, None if sees_everyone(membership) else membership.user_id)


# --- querysets ---------------------------------------------------------------------------------------


def _region_conditions(filters: Filters, prefix: str = "") -> Q:
    condition = Q()
    if filters.label_class is not None:
        condition &= Q(**{f"{prefix}label_class_id": filters.label_class})
    if filters.kind:
        condition &= Q(**{f"{prefix}kind": filters.kind})
    if filters.tool:
        condition &= Q(**{f"{prefix}tool": filters.tool})
    return condition


def _fact_conditions(scope: Scope, prefix: str = "") -> Q:
    filters = scope.filters
    condition = Q(**{f"{prefix}project_id": scope.project.pk})
    if filters.date_from:
        condition &= Q(**{f"{prefix}submitted_at__date__gte": filters.date_from})
    if filters.date_to:
        condition &= Q(**{f"{prefix}submitted_at__date__lte": filters.date_to})
    if scope.annotator is not None:
        condition &= Q(**{f"{prefix}annotator_id": scope.annotator})
    if filters.split is not None:
        condition &= Q(**{f"{prefix}split": filters.split})
    return condition


def facts(scope: Scope) -> QuerySet[AnnotationTimeFact]:
    queryset = AnnotationTimeFact.objects.filter(_fact_conditions(scope))
    if scope.filters.narrows_regions:
        matching = RegionTimeFact.objects.filter(_region_conditions(scope.filters), fact_id=OuterRef("pk"))
        queryset = queryset.filter(Exists(matching))
    return queryset.order_by()


def region_facts(scope: Scope) -> QuerySet[RegionTimeFact]:
    queryset = RegionTimeFact.objects.filter(_region_conditions(scope.filters), project_id=scope.project.pk)
    if scope.annotator is not None:
        queryset = queryset.filter(annotator_id=scope.annotator)
    filters = scope.filters
    if filters.date_from or filters.date_to or filters.split is not None:
        fact_scope = Scope(scope.project, Filters(filters.date_from, filters.date_to, split=filters.split), None)
        queryset = queryset.filter(_fact_conditions(fact_scope, prefix="fact__"))
    return queryset.order_by()


def columns(queryset: QuerySet[Any], *fields: str) -> list[np.ndarray]:
    """The fields as float64 arrays (None → NaN), read with a plain cursor: no model or tuple per row."""
    sql, params = queryset.values_list(*fields).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return [np.empty(0) for _ in fields]
    table = np.array(rows, dtype=np.float64)
    return [table[:, index] for index in range(len(fields))]


# --- figures -----------------------------------------------------------------------------------------


def state(project: Project) -> Mapping[str, Any]:
    row = AnalyticsState.objects.filter(project=project).values("refreshed_at", "refresh_ms", "annotations").first()
    return row or {"refreshed_at": None, "refresh_ms": None, "annotations": 0}


def cached_figure(scope: Scope, name: str, build: Callable[[Scope], Any]) -> tuple[Any, Mapping[str, Any]]:
    """`build(scope)` and the facts' state, from the cache when the facts have not been rebuilt since.

    The key holds everything a figure reads besides the facts: the scope (project, filters, whose figures),
    the project's rate and annotators per item, and for the cost its number of items (uploads change the
    forecast without a refresh). Before the first refresh there is nothing worth caching.
    """
    current = state(scope.project)
    if current["refreshed_at"] is None:
        return build(scope), current
    project = scope.project
    extra = Item.objects.filter(project=project).count() if name == "cost" else ""
    # Hashed: the filters' text holds spaces and would make a key memcached rejects.
    parts = ":".join(
        str(part)
        for part in (
            "analytics-figure",
            project.pk,
            current["refreshed_at"].isoformat(),
            name,
            repr(scope.filters),
            scope.only_annotator,
            project.hourly_rate,
            project.annotators_per_item,
            extra,
        )
    )
    key = f"analytics-figure:{project.pk}:{hashlib.sha256(parts.encode()).hexdigest()}"
    hit = cache.get(key)
    if hit is None:
        hit = (build(scope), current)
        cache.set(key, hit, timeout=FIGURE_CACHE_S)
    return hit


def summary(scope: Scope) -> dict[str, Any]:
    """The whole selection: counts, totals, time per item and per region, and their distribution."""
    active, wall, regions = columns(facts(scope), "active_ms", "wall_ms", "regions")
    region_durations = _present(columns(region_facts(scope), "duration_ms")[0])
    items = facts(scope).values("item_id").distinct().count()
    return {
        "n": int(active.size),
        "items": items,
        "regions": int(regions.sum()),
        "active_s": figures.seconds(float(active.sum())),
        "wall_s": figures.seconds(float(wall.sum())),
        "idle_ratio": figures.idle_ratio(float(active.sum()), float(wall.sum())),
        "items_per_hour": figures.per_hour(active.size, float(active.sum())),
        "regions_per_hour": figures.per_hour(float(regions.sum()), float(active.sum())),
        "time_per_item": figures.time_summary(active),
        "time_per_region": figures.time_summary(region_durations),
        "time_per_item_histogram": figures.histogram(active),
        "refresh": state(scope.project),
    }


def annotators(scope: Scope) -> list[dict[str, Any]]:
    """One row per annotator: work done, speed, idle ratio, time per item and region, quality."""
    queryset = facts(scope)
    totals = (
        queryset.values("annotator_id", "annotator__username")
        .annotate(
            n=Count("pk"),
            items=Count("item_id", distinct=True),
            regions=Sum("regions"),
            active=Sum("active_ms"),
            wall=Sum("wall_ms"),
            reviewed=Count("pk", filter=~Q(review_decision="")),
            accepted=Count("pk", filter=Q(review_decision=ReviewDecision.ACCEPT)),
            mean_agreement=Avg("agreement"),
            compared=Count("agreement"),
            fast=Count("pk", filter=~Q(fast_reason="")),
        )
        .order_by("annotator_id")
    )
    users, active = columns(queryset, "annotator_id", "active_ms")
    item_times = _grouped(users, active)
    region_users, durations = columns(region_facts(scope), "annotator_id", "duration_ms")
    region_times = _grouped(region_users, durations)
    rows = []
    for row in totals:
        user = row["annotator_id"]
        rows.append(
            {
                "annotator": user,
                "username": row["annotator__username"],
                "n": row["n"],
                "items": row["items"],
                "regions": row["regions"] or 0,
                "active_s": figures.seconds(row["active"]),
                "wall_s": figures.seconds(row["wall"]),
                "items_per_hour": figures.per_hour(row["n"], row["active"] or 0),
                "regions_per_hour": figures.per_hour(row["regions"] or 0, row["active"] or 0),
                "idle_ratio": figures.idle_ratio(row["active"] or 0, row["wall"] or 0),
                "time_per_item": figures.time_summary(item_times.get(user, np.empty(0))),
                "time_per_region": figures.time_summary(region_times.get(user, np.empty(0))),
                "reviewed": row["reviewed"],
                "acceptance_rate": figures.rounded(row["accepted"] / row["reviewed"], 3) if row["reviewed"] else None,
                "agreement": figures.rounded(row["mean_agreement"], 3),
                "agreement_n": row["compared"],
                "fast_submissions": row["fast"],
            }
        )
    return rows


def classes(scope: Scope) -> dict[str, Any]:
    """Time per region by kind and by class (regions with recorded events), how much each kind costs
    against a box, and how an item's time grows with its number of regions."""
    region_queryset = region_facts(scope)
    kinds = list(region_queryset.values_list("kind", flat=True).distinct().order_by("kind"))
    by_kind = []
    for kind in kinds:
        durations = _present(columns(region_queryset.filter(kind=kind), "duration_ms")[0])
        by_kind.append({"kind": kind, "regions": region_queryset.filter(kind=kind).count(), **_durations(durations)})
    box_median = next((row["median_s"] for row in by_kind if row["kind"] == "bbox"), None)
    for row in by_kind:
        ratio = row["median_s"] / box_median if box_median and row["median_s"] is not None else None
        row["median_vs_bbox"] = figures.rounded(ratio, 2)

    class_ids, durations = columns(region_queryset, "label_class_id", "duration_ms")
    names = dict(LabelClass.objects.filter(project=scope.project).values_list("pk", "name"))
    counts = dict(region_queryset.values("label_class_id").annotate(c=Count("pk")).values_list("label_class_id", "c"))
    grouped = _grouped(class_ids, durations)
    by_class = [
        {"label_class": class_id, "name": names.get(class_id, ""), "regions": counts[class_id], **_durations(values)}
        for class_id, values in sorted(grouped.items())
    ]
    fitted = growth(scope)
    return {
        "n": fitted["n"],
        "by_kind": by_kind,
        "by_class": by_class,
        "growth": fitted,
        "box_plots": _box_plots(grouped, names),
    }


def growth(scope: Scope) -> dict[str, Any]:
    """Item time against its number of regions: one line over all regions, and the marginal cost of
    one more region of each kind (least squares over every annotation, other kinds held fixed)."""
    fact_ids, active, regions = columns(facts(scope), "pk", "active_ms", "regions")
    fit = figures.fit_line(regions, active / 1000)
    per_kind = (
        RegionTimeFact.objects.filter(fact_id__in=facts(scope).values("pk"))
        .values("fact_id", "kind")
        .annotate(c=Count("pk"))
        .order_by()
        .values_list("fact_id", "kind", "c")
    )
    kinds: list[str] = []
    cells: list[tuple[int, int, int]] = []
    position = {int(pk): index for index, pk in enumerate(fact_ids)}
    for fact_id, kind, count in per_kind:
        if kind not in kinds:
            kinds.append(kind)
        cells.append((position[fact_id], kinds.index(kind), count))
    kinds_sorted = sorted(kinds)
    matrix = np.zeros((fact_ids.size, len(kinds)))
    for row, column, count in cells:
        matrix[row, column] = count
    matrix = matrix[:, [kinds.index(k) for k in kinds_sorted]] if kinds else matrix
    marginal = figures.marginal_costs(matrix, active / 1000) if kinds else None
    return {
        "n": int(active.size),
        "line": None
        if fit is None
        else {
            "slope_s_per_region": figures.rounded(fit.slope, 1),
            "intercept_s": figures.rounded(fit.intercept, 1),
            "r2": figures.rounded(fit.r2, 3),
        },
        "per_kind": None
        if marginal is None
        else {
            "base_s": figures.rounded(marginal[1], 1),
            "seconds_per_region": {k: figures.rounded(c, 1) for k, c in zip(kinds_sorted, marginal[0], strict=False)},
        },
        "points": _growth_points(regions, active),
    }


def items(scope: Scope) -> dict[str, Any]:
    """Time per item summed over its annotators; the slowest items and those with most disagreement."""
    per_item = (
        facts(scope)
        .values("item_id")
        .annotate(annotators=Count("pk"), active=Sum("active_ms"), mean_agreement=Avg("agreement"))
    )
    totals = np.array(per_item.values_list("active", flat=True), dtype=np.float64)
    names = Item.objects.filter(project=scope.project)

    def rows(queryset: QuerySet[Any]) -> list[dict[str, Any]]:
        found = list(queryset[:TOP_ITEMS])
        item_names = dict(names.filter(pk__in=[r["item_id"] for r in found]).values_list("pk", "original_name"))
        return [
            {
                "item": r["item_id"],
                "name": item_names.get(r["item_id"], ""),
                "annotators": r["annotators"],
                "active_s": figures.seconds(r["active"]),
                "agreement": figures.rounded(r["mean_agreement"], 3),
            }
            for r in found
        ]

    return {
        "n": int(facts(scope).count()),
        "items": int(totals.size),
        "time_per_item": figures.time_summary(totals),
        "slowest": rows(per_item.order_by("-active", "item_id")),
        "most_disagreement": rows(per_item.filter(mean_agreement__isnull=False).order_by("mean_agreement", "item_id")),
    }


def learning_curves(scope: Scope) -> dict[str, Any]:
    users, nth, active = columns(facts(scope), "annotator_id", "nth_item", "active_ms")
    names = _usernames(users)
    curves = []
    for user in sorted({int(u) for u in users}):
        mask = users == user
        curves.append(
            {
                "annotator": user,
                "username": names.get(user, ""),
                "n": int(mask.sum()),
                "points": figures.learning_curve(nth[mask].astype(np.int64), active[mask]),
            }
        )
    return {"n": int(users.size), "curves": curves}


def throughput(scope: Scope) -> dict[str, Any]:
    """Items per active hour per day (the submission's date), for the team and per annotator."""
    per_day = (
        facts(scope)
        .annotate(day=TruncDate("submitted_at"))
        .values("day", "annotator_id")
        .annotate(n=Count("pk"), active=Sum("active_ms"))
        .order_by("day", "annotator_id")
    )
    team: dict[date, list[float]] = defaultdict(lambda: [0, 0.0])
    people: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in per_day:
        team[row["day"]][0] += row["n"]
        team[row["day"]][1] += row["active"] or 0
        people[row["annotator_id"]].append(
            {"day": row["day"], "n": row["n"], "items_per_hour": figures.per_hour(row["n"], row["active"] or 0)}
        )
    names = _usernames(np.array(list(people), dtype=np.float64))
    return {
        "n": int(sum(n for n, _ in team.values())),
        "team": [
            {"day": day, "n": int(n), "items_per_hour": figures.per_hour(n, active)}
            for day, (n, active) in sorted(team.items())
        ],
        "annotators": [
            {"annotator": user, "username": names.get(user, ""), "days": days} for user, days in sorted(people.items())
        ],
    }


def outliers(scope: Scope) -> QuerySet[AnnotationTimeFact]:
    """Implausibly fast submissions, newest first (see figures.fast_submission_reasons)."""
    return facts(scope).exclude(fast_reason="").select_related("annotator", "item").order_by("-submitted_at", "-pk")


def annotator_medians(scope: Scope, users: list[int]) -> dict[int, float | None]:
    """Each annotator's median time per item over the whole project (the pace the outlier rule used)."""
    current = state(scope.project)["refreshed_at"]
    key = f"analytics-medians:{scope.project.pk}:{current.isoformat() if current else ''}"
    # Every annotator's median at once, cached until the next refresh: a page of outliers names most of them.
    medians = cache.get(key) if current else None
    if medians is None:
        user_ids, active = columns(
            AnnotationTimeFact.objects.filter(project=scope.project), "annotator_id", "active_ms"
        )
        medians = {
            user: figures.seconds(float(np.median(values))) for user, values in _grouped(user_ids, active).items()
        }
        if current:
            cache.set(key, medians, timeout=FIGURE_CACHE_S)
    return {user: medians[user] for user in users if user in medians}


def cost(scope: Scope) -> dict[str, Any]:
    """The project's rate turned into cost per annotation, item, region, kind and class, and a forecast
    for the annotations still to do (items x annotators per item, minus those submitted)."""
    rate = scope.project.hourly_rate
    per_ms = float(rate) / 3_600_000 if rate is not None else None
    items_data = items(scope)
    _, active = columns(facts(scope), "pk", "active_ms")
    region_queryset = region_facts(scope)
    result: dict[str, Any] = {
        "hourly_rate": None if rate is None else str(Decimal(rate)),
        "n": int(active.size),
        "remaining_annotations": remaining_annotations(scope.project),
    }
    if per_ms is None:
        return {**result, "per_annotation": None, "per_item": None, "per_region": None, "by_kind": [],
                "by_class": [], "forecast": None}  # fmt: skip
    per_region = _present(columns(region_queryset, "duration_ms")[0])
    kinds = [
        {
            "kind": row["kind"],
            "regions": row["regions"],
            "total": _money(row["spent"], per_ms),
            "per_region": _money(row["spent"] / row["timed"], per_ms) if row["timed"] else None,
        }
        for row in region_queryset.values("kind")
        .annotate(regions=Count("pk"), timed=Count("duration_ms"), spent=Sum("duration_ms"))
        .order_by("kind")
    ]
    names = dict(LabelClass.objects.filter(project=scope.project).values_list("pk", "name"))
    by_class = [
        {
            "label_class": row["label_class_id"],
            "name": names.get(row["label_class_id"], ""),
            "regions": row["regions"],
            "total": _money(row["spent"], per_ms),
            "per_region": _money(row["spent"] / row["timed"], per_ms) if row["timed"] else None,
        }
        for row in region_queryset.values("label_class_id")
        .annotate(regions=Count("pk"), timed=Count("duration_ms"), spent=Sum("duration_ms"))
        .order_by("label_class_id")
    ]
    item_median = items_data["time_per_item"]["median_s"]
    costs = active * per_ms
    return {
        **result,
        "total": _money(float(active.sum()), per_ms),
        "per_annotation": {
            "n": int(active.size),
            "mean": figures.rounded(float(costs.mean()), 2) if costs.size else None,
            "median": figures.rounded(figures.median(costs), 2),
        },
        "per_item": {
            "n": items_data["items"],
            "median": None if item_median is None else figures.rounded(item_median * 1000 * per_ms, 2),
        },
        "per_region": {
            "n": int(per_region.size),
            "mean": _money(float(per_region.mean()), per_ms) if per_region.size else None,
        },
        "by_kind": kinds,
        "by_class": by_class,
        "forecast": figures.forecast_cost(costs, result["remaining_annotations"]),
    }


def remaining_annotations(project: Project) -> int:
    per_item = project.annotators_per_item
    done = (
        AnnotationTimeFact.objects.filter(project=project)
        .values("item_id")
        .annotate(c=Count("pk"))
        .order_by()
        .values_list("c", flat=True)
    )
    submitted = int(np.minimum(np.array(list(done), dtype=np.int64), per_item).sum()) if per_item else 0
    return max(0, Item.objects.filter(project=project).count() * per_item - submitted)


def records(scope: Scope) -> Iterator[Mapping[str, Any]]:
    """The raw per-annotation time records, oldest first, for the CSV download."""
    return (
        facts(scope)
        .annotate(username=F("annotator__username"))
        .order_by("submitted_at", "pk")
        .values(
            "annotation_id",
            "item_id",
            "annotator_id",
            "username",
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
        .iterator(chunk_size=2000)
    )


# --- helpers -----------------------------------------------------------------------------------------


def _present(values: np.ndarray) -> np.ndarray:
    return values[~np.isnan(values)]


def _grouped(keys: np.ndarray, values: np.ndarray) -> dict[int, np.ndarray]:
    """Values per integer key, leaving out NaN values."""
    keep = ~np.isnan(values)
    keys, values = keys[keep].astype(np.int64), values[keep]
    if keys.size == 0:
        return {}
    order = np.argsort(keys, kind="stable")
    keys, values = keys[order], values[order]
    cuts = np.flatnonzero(np.diff(keys)) + 1
    return {int(chunk[0]): part for chunk, part in zip(np.split(keys, cuts), np.split(values, cuts), strict=False)}


def _durations(values: np.ndarray) -> dict[str, Any]:
    summary = figures.time_summary(values)
    return {"timed": summary.pop("n"), **summary}


def _box_plots(grouped: dict[int, np.ndarray], names: dict[int, str]) -> list[dict[str, Any]]:
    """Five numbers per class (seconds per region): minimum, quartiles, maximum, for box plots."""
    plots = []
    for class_id, values in sorted(grouped.items()):
        low, q1, mid, q3, high = (figures.seconds(float(v)) for v in np.percentile(values, [0, 25, 50, 75, 100]))
        plots.append(
            {"label_class": class_id, "name": names.get(class_id, ""), "n": int(values.size),
             "min": low, "q1": q1, "median": mid, "q3": q3, "max": high}
        )  # fmt: skip
    return plots


def _growth_points(regions: np.ndarray, active: np.ndarray) -> list[dict[str, Any]]:
    """Median item time per number of regions, for the scatter behind the fitted line."""
    return [
        {"regions": count, "n": size, "median_s": figures.seconds(value)}
        for count, (value, size) in sorted(figures.group_medians(regions.astype(np.int64), active).items())
    ]


def _usernames(users: np.ndarray) -> dict[int, str]:
    ids = sorted({int(u) for u in users})
    return dict(get_user_model().objects.filter(pk__in=ids).values_list("pk", "username"))


def _money(ms: float | None, per_ms: float) -> float | None:
    return None if ms is None else figures.rounded(ms * per_ms, 2)
