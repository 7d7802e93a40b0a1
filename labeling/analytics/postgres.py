"""A project's time facts computed by PostgreSQL, and only the rows that changed written.

The same rows as services.build_rows (the Python path SQLite uses), computed on the server: the
annotator's session sums, region counts, latest review, split, n-th item (a window), the annotator's
median time (percentile_cont, the same linear interpolation as numpy's median) and the fast-submission
rule of figures.fast_submission_reasons, and each region's time from the sessions' JSON events. Only the
agreement scores and their bases come from Python (services.agreement_scores), through a temporary
table.

Deleting and inserting every row (through the tables' indexes) was about half of a rebuild's time, and
left as many dead rows behind each time, while a refresh after a few submissions changes a few rows.
So the new rows go to temporary tables first, and the project's facts are brought to them with the
least writing: facts that differ are updated, new ones inserted, gone ones deleted; an annotation's
region facts (an ordered list without a key of their own) are replaced when the list differs at all.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from django.db import connection
from django.db.backends.utils import CursorWrapper

from labeling.analytics import figures
from labeling.analytics.models import AnnotationTimeFact, RegionTimeFact
from labeling.models import Annotation, Region, Review, WorkSession
from projects.models import Dataset, DatasetVersion, VersionItem

WORK_MEM = "64MB"
# Temporary tables, dropped at the end of the refresh (and at commit or rollback if it fails first).
_NEW_FACTS = "analytics_new_facts"
_NEW_REGIONS = "analytics_new_region_facts"
_CHANGED = "analytics_changed_region_lists"
_SCORES = "analytics_agreement_scores"

# The columns a fact or region fact is compared on: all but its key (and the region fact's fact).
_FACT_VALUES = tuple(str(f.column) for f in AnnotationTimeFact._meta.concrete_fields if not f.primary_key)
_REGION_VALUES = tuple(
    str(f.column) for f in RegionTimeFact._meta.concrete_fields if not f.primary_key and f.name != "fact"
)

# The sessions' sums are those of the annotator on the item, whichever annotation they were for; a
# session never reported (no wall time) counts for nothing. SUM over bigint is numeric: cast back.
_NEW_FACTS_SQL = """
CREATE TEMPORARY TABLE {new_facts} ON COMMIT DROP AS
WITH annotations AS (
    SELECT id, item_id, annotator_id, status, submitted_at
    FROM {annotation}
    WHERE project_id = %(project)s AND NOT is_prediction AND submitted_at IS NOT NULL
), times AS (
    SELECT item_id, user_id, COALESCE(SUM(trusted_active_ms), 0)::bigint AS active_ms,
           COALESCE(SUM(wall_ms), 0)::bigint AS wall_ms
    FROM {session}
    WHERE project_id = %(project)s AND wall_ms IS NOT NULL
    GROUP BY item_id, user_id
), region_counts AS (
    SELECT r.annotation_id, COUNT(*) AS regions
    FROM {region} AS r JOIN annotations AS a ON a.id = r.annotation_id
    GROUP BY r.annotation_id
), decisions AS (
    SELECT DISTINCT ON (v.annotation_id) v.annotation_id, v.decision
    FROM {review} AS v JOIN annotations AS a ON a.id = v.annotation_id
    ORDER BY v.annotation_id, v.id DESC
), splits AS (
    SELECT DISTINCT ON (vi.item_id) vi.item_id, vi.split
    FROM {version_item} AS vi
    JOIN {dataset_version} AS dv ON dv.id = vi.version_id AND dv.is_working
    JOIN {dataset} AS d ON d.id = dv.dataset_id AND d.project_id = %(project)s
    ORDER BY vi.item_id, vi.id DESC
), timed AS (
    SELECT a.*, COALESCE(t.active_ms, 0) AS active_ms, COALESCE(t.wall_ms, 0) AS wall_ms,
           COALESCE(c.regions, 0) AS regions
    FROM annotations AS a
    LEFT JOIN times AS t ON t.item_id = a.item_id AND t.user_id = a.annotator_id
    LEFT JOIN region_counts AS c ON c.annotation_id = a.id
), paces AS (
    SELECT annotator_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY active_ms) AS median_ms,
           COUNT(*) AS submissions
    FROM timed
    GROUP BY annotator_id
)
SELECT t.id AS annotation_id, %(project)s::bigint AS project_id, t.item_id, t.annotator_id,
       COALESCE(s.split, '') AS split, t.status, t.submitted_at, t.active_ms, t.wall_ms, t.regions,
       ROW_NUMBER() OVER (PARTITION BY t.annotator_id ORDER BY t.submitted_at, t.id) AS nth_item,
       COALESCE(d.decision, '') AS review_decision, g.agreement,
       CASE
           WHEN t.active_ms < %(ms_per_region)s * GREATEST(t.regions, 1) THEN 'below_minimum'
           WHEN p.submissions >= %(min_own)s AND t.active_ms < %(share)s::float8 * p.median_ms
               THEN 'below_own_median'
           ELSE ''
       END AS fast_reason,
       COALESCE(g.agreement_basis, '') AS agreement_basis
FROM timed AS t
JOIN paces AS p ON p.annotator_id = t.annotator_id
LEFT JOIN splits AS s ON s.item_id = t.item_id
LEFT JOIN decisions AS d ON d.annotation_id = t.id
LEFT JOIN {scores} AS g ON g.annotation_id = t.id
"""

# (item, user, region key) → summed event duration and tool: services._region_times in SQL. Reading
# every session's events into Python was most of a refresh's time. Durations and tools are validated as
# integers and strings when reported (labeling.validation), so the casts cannot fail.
REGION_TIMES_SQL = """
SELECT s.item_id, s.user_id, e.value ->> 'region_key' AS region_key,
       SUM(GREATEST(0, COALESCE((e.value ->> 'duration_ms')::bigint, 0)))::bigint AS duration_ms,
       COALESCE(
           (ARRAY_AGG(e.value ->> 'tool' ORDER BY s.id DESC, e.position DESC)
               FILTER (WHERE e.value ->> 'type' = 'created' AND COALESCE(e.value ->> 'tool', '') <> ''))[1],
           (ARRAY_AGG(e.value ->> 'tool' ORDER BY s.id, e.position)
               FILTER (WHERE COALESCE(e.value ->> 'tool', '') <> ''))[1],
           ''
       ) AS tool
FROM {session} AS s
CROSS JOIN LATERAL jsonb_array_elements(s.events) WITH ORDINALITY AS e(value, position)
WHERE s.project_id = %(project)s AND s.reports > 0 AND e.value ->> 'region_key' IS NOT NULL
GROUP BY s.item_id, s.user_id, e.value ->> 'region_key'
"""

# One row per region of a fact's annotation, numbered in the order of the regions' ids.
_NEW_REGIONS_SQL = """
CREATE TEMPORARY TABLE {new_regions} ON COMMIT DROP AS
WITH region_times AS ({region_times})
SELECT r.annotation_id AS fact_id, %(project)s::bigint AS project_id, f.annotator_id, r.kind,
       r.label_class_id, COALESCE(rt.tool, '') AS tool, rt.duration_ms,
       ROW_NUMBER() OVER (PARTITION BY r.annotation_id ORDER BY r.id) AS position
FROM {region} AS r
JOIN {new_facts} AS f ON f.annotation_id = r.annotation_id
LEFT JOIN region_times AS rt
    ON rt.item_id = f.item_id AND rt.user_id = f.annotator_id AND rt.region_key = r.key
"""

# The facts whose list of region facts is not the new one, position by position (a side without the
# position has only NULLs, and a region fact's kind is never NULL).
_CHANGED_SQL = """
CREATE TEMPORARY TABLE {changed} ON COMMIT DROP AS
SELECT DISTINCT COALESCE(o.fact_id, n.fact_id) AS fact_id
FROM (
    SELECT fact_id, {region_values}, ROW_NUMBER() OVER (PARTITION BY fact_id ORDER BY id) AS position
    FROM {region_fact}
    WHERE project_id = %(project)s
) AS o
FULL JOIN {new_regions} AS n ON n.fact_id = o.fact_id AND n.position = o.position
WHERE ({old_region_values}) IS DISTINCT FROM ({new_region_values})
"""

_APPLY_SQL = (
    "DELETE FROM {region_fact} WHERE project_id = %(project)s AND fact_id IN (SELECT fact_id FROM {changed})",
    "DELETE FROM {fact} AS f WHERE f.project_id = %(project)s"
    " AND NOT EXISTS (SELECT 1 FROM {new_facts} AS n WHERE n.annotation_id = f.annotation_id)",
    "UPDATE {fact} AS f SET ({fact_values}) = ({new_fact_values}) FROM {new_facts} AS n"
    " WHERE f.annotation_id = n.annotation_id AND ({old_fact_values}) IS DISTINCT FROM ({new_fact_values})",
    "INSERT INTO {fact} (annotation_id, {fact_values}) SELECT n.annotation_id, {new_fact_values}"
    " FROM {new_facts} AS n WHERE NOT EXISTS (SELECT 1 FROM {fact} AS f WHERE f.annotation_id = n.annotation_id)"
    " ORDER BY n.annotator_id, n.nth_item",
    "INSERT INTO {region_fact} (fact_id, {region_values}) SELECT n.fact_id, {new_region_values}"
    " FROM {new_regions} AS n JOIN {changed} AS c ON c.fact_id = n.fact_id ORDER BY n.fact_id, n.position",
)


def write_facts(project_id: int, scores: Mapping[int, tuple[float | None, str]]) -> int:
    """Bring the project's facts to what its annotations, sessions and reviews say now, given the
    agreement scores; returns how many annotations they cover. Call inside the refresh's transaction."""
    names = _names()
    params = {
        "project": project_id,
        "ms_per_region": figures.FAST_MS_PER_REGION,
        "min_own": figures.FAST_MIN_OWN_SUBMISSIONS,
        "share": figures.FAST_SHARE_OF_OWN_MEDIAN,
    }
    temporary = (_NEW_FACTS, _NEW_REGIONS, _CHANGED, _SCORES)
    # Statements are built from the models' table and column names and this module's constants only.
    with connection.cursor() as cursor:
        # The sorts and hashes of a 100,000-annotation project need tens of megabytes; with the default
        # 4 MB they spill to disk and take twice as long. For this transaction only.
        cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
        # A refresh inside an outer transaction (a test's) leaves its tables until that one ends.
        cursor.execute(f"DROP TABLE IF EXISTS {', '.join(temporary)}")
        _load_scores(cursor, scores)
        cursor.execute(_NEW_FACTS_SQL.format(**names), params)
        covered = cursor.rowcount
        cursor.execute(f"ANALYZE {_NEW_FACTS}")
        cursor.execute(_NEW_REGIONS_SQL.format(**names), params)
        cursor.execute(f"ANALYZE {_NEW_REGIONS}")
        cursor.execute(_CHANGED_SQL.format(**names), params)
        for statement in _APPLY_SQL:
            cursor.execute(statement.format(**names), params)
        cursor.execute(f"DROP TABLE {', '.join(temporary)}")
    return covered


def _load_scores(cursor: CursorWrapper, scores: Mapping[int, tuple[float | None, str]]) -> None:
    cursor.execute(
        f"CREATE TEMPORARY TABLE {_SCORES} (annotation_id bigint PRIMARY KEY, agreement float8,"
        " agreement_basis text NOT NULL) ON COMMIT DROP"
    )
    if not scores:
        return
    # COPY: floats are written by repr, so they come back exactly; None as an empty field, NULL.
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows((a, score, basis) for a, (score, basis) in scores.items())
    buffer.seek(0)
    statement = f"COPY {_SCORES} (annotation_id, agreement, agreement_basis) FROM STDIN WITH (FORMAT csv)"
    cursor.cursor.copy_expert(statement, buffer)
    cursor.execute(f"ANALYZE {_SCORES}")


def _names() -> dict[str, Any]:
    tables = {
        "annotation": Annotation,
        "session": WorkSession,
        "region": Region,
        "review": Review,
        "version_item": VersionItem,
        "dataset_version": DatasetVersion,
        "dataset": Dataset,
        "fact": AnnotationTimeFact,
        "region_fact": RegionTimeFact,
    }
    names: dict[str, Any] = {name: model._meta.db_table for name, model in tables.items()}
    names.update(new_facts=_NEW_FACTS, new_regions=_NEW_REGIONS, changed=_CHANGED, scores=_SCORES)
    names["region_times"] = REGION_TIMES_SQL.format(**names)
    names["fact_values"] = ", ".join(_FACT_VALUES)
    names["old_fact_values"] = ", ".join(f"f.{column}" for column in _FACT_VALUES)
    names["new_fact_values"] = ", ".join(f"n.{column}" for column in _FACT_VALUES)
    names["region_values"] = ", ".join(_REGION_VALUES)
    names["old_region_values"] = ", ".join(f"o.{column}" for column in _REGION_VALUES)
    names["new_region_values"] = ", ".join(f"n.{column}" for column in _REGION_VALUES)
    return names
