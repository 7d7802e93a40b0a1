"""Refreshed facts answer the figures endpoints with exact numbers on constructed work."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from labeling.analytics.models import AnnotationTimeFact
from labeling.analytics.services import refresh_project
from projects.models import Role
from tests.factories import UserFactory, add_member
from tests.labeling.analytics.conftest import START, analytics_url, item, work

pytestmark = pytest.mark.django_db


@pytest.fixture
def cat(studio):
    return studio.classes.get(name="cat")


@pytest.fixture
def dog(studio):
    return studio.classes.get(name="dog")


def annotator_row(response, username):
    return next(row for row in response.json()["annotators"] if row["username"] == username)


def test_annotator_row_counts_work_speed_and_idle_ratio(manager_api, studio, ann, cat):
    work(studio, ann, item(studio, "a"), active_ms=10_000, wall_ms=20_000, regions=[("bbox", cat, 4000, "box")] * 2)
    work(studio, ann, item(studio, "b"), active_ms=20_000, wall_ms=20_000, regions=[("bbox", cat, 6000, "box")])
    work(studio, ann, item(studio, "c"), active_ms=60_000, wall_ms=80_000, regions=[("bbox", cat, 8000, "box")])
    refresh_project(studio.pk)

    row = annotator_row(manager_api.get(analytics_url(studio, "annotators")), "ann")

    assert (row["n"], row["items"], row["regions"]) == (3, 3, 4)
    assert (row["active_s"], row["wall_s"]) == (90.0, 120.0)
    assert row["idle_ratio"] == 0.25
    assert row["items_per_hour"] == 120.0  # 3 items in 90 s
    assert row["regions_per_hour"] == 160.0
    assert row["time_per_item"] == {"n": 3, "median_s": 20.0, "p90_s": 52.0, "mean_s": 30.0}
    assert row["time_per_region"]["median_s"] == 5.0  # 4, 4, 6, 8


def test_acceptance_rate_counts_reviewed_annotations_only(manager_api, studio, ann):
    for name, decision in [("a", "accept"), ("b", "accept"), ("c", "reject"), ("d", None)]:
        work(studio, ann, item(studio, name), active_ms=10_000, decision=decision)
    refresh_project(studio.pk)

    row = annotator_row(manager_api.get(analytics_url(studio, "annotators")), "ann")

    assert (row["reviewed"], row["acceptance_rate"]) == (3, 0.667)


def test_agreement_with_others_compares_annotators_on_the_same_item(manager_api, studio, ann, bob, cat):
    shared = item(studio, "shared")
    work(studio, ann, shared, active_ms=5000, regions=[("bbox", cat, 1000, "box", (0, 0, 10, 10))])
    work(studio, bob, shared, active_ms=5000, regions=[("bbox", cat, 1000, "box", (50, 50, 10, 10))])
    agreed = item(studio, "agreed")
    work(studio, ann, agreed, active_ms=5000, regions=[("bbox", cat, 1000, "box", (0, 0, 10, 10))])
    work(studio, bob, agreed, active_ms=5000, regions=[("bbox", cat, 1000, "box", (0, 0, 10, 10))])
    refresh_project(studio.pk)

    response = manager_api.get(analytics_url(studio, "annotators"))
    items = manager_api.get(analytics_url(studio, "items")).json()

    assert annotator_row(response, "ann")["agreement"] == 0.5
    assert annotator_row(response, "ann")["agreement_n"] == 2
    assert [row["name"] for row in items["most_disagreement"]] == ["shared", "agreed"]


def test_polygon_cost_against_a_box_and_marginal_seconds_per_region(manager_api, studio, ann, cat):
    # Item time = 4 s + 2 s per box + 8 s per polygon; events say 2 s per box and 8 s per polygon.
    layouts = [(1, 0), (2, 0), (0, 1), (0, 2), (1, 1), (3, 2)]
    for index, (boxes, polygons) in enumerate(layouts):
        regions = [("bbox", cat, 2000, "box")] * boxes + [("polygon", cat, 8000, "polygon")] * polygons
        work(studio, ann, item(studio, f"i{index}"), active_ms=4000 + 2000 * boxes + 8000 * polygons, regions=regions)
    refresh_project(studio.pk)

    body = manager_api.get(analytics_url(studio, "classes")).json()

    by_kind = {row["kind"]: row for row in body["by_kind"]}
    assert by_kind["bbox"]["median_s"] == 2.0
    assert by_kind["polygon"]["median_s"] == 8.0
    assert by_kind["polygon"]["median_vs_bbox"] == 4.0
    assert body["growth"]["per_kind"] == {"base_s": 4.0, "seconds_per_region": {"bbox": 2.0, "polygon": 8.0}}
    assert body["growth"]["n"] == 6


def test_time_grows_linearly_with_regions_fit_slope(manager_api, studio, ann, cat):
    for count in range(1, 5):
        regions = [("bbox", cat, 3000, "box")] * count
        work(studio, ann, item(studio, f"n{count}"), active_ms=5000 + 3000 * count, regions=regions)
    refresh_project(studio.pk)

    line = manager_api.get(analytics_url(studio, "classes")).json()["growth"]["line"]

    assert line == {"slope_s_per_region": 3.0, "intercept_s": 5.0, "r2": 1.0}


def test_learning_curve_orders_each_annotators_items_by_submission(manager_api, studio, ann):
    for n, seconds in enumerate([30, 20, 10], start=1):
        work(studio, ann, item(studio, f"l{n}"), active_ms=seconds * 1000, at=START + timedelta(hours=n))
    refresh_project(studio.pk)

    curve = manager_api.get(analytics_url(studio, "learning-curves")).json()["curves"][0]

    assert [(p["from_n"], p["median_s"]) for p in curve["points"]] == [(1, 30.0), (2, 20.0), (3, 10.0)]


def test_fast_submission_is_listed_with_its_rule_and_item(manager_api, studio, ann, cat):
    for n in range(5):
        work(studio, ann, item(studio, f"ok{n}"), active_ms=20_000, regions=[("bbox", cat, 5000, "box")])
    quick = item(studio, "quick")
    work(studio, ann, quick, active_ms=4000, regions=[("bbox", cat, 1000, "box")])
    careless = item(studio, "careless")
    work(studio, ann, careless, active_ms=1500, regions=[("bbox", cat, 500, "box")] * 2)
    refresh_project(studio.pk)

    body = manager_api.get(analytics_url(studio, "outliers")).json()

    reasons = {row["item_name"]: row["reason"] for row in body["results"]}
    assert reasons == {"quick": "below_own_median", "careless": "below_minimum"}
    assert body["results"][0]["annotator_median_s"] == 20.0


def test_cost_per_item_and_forecast_for_the_remaining_items(manager_api, studio, ann):
    # 36 per hour = 0.01 per second; 2 of 4 items done at 100 s and 300 s.
    work(studio, ann, item(studio, "a"), active_ms=100_000)
    work(studio, ann, item(studio, "b"), active_ms=300_000)
    item(studio, "c")
    item(studio, "d")
    refresh_project(studio.pk)

    body = manager_api.get(analytics_url(studio, "cost")).json()

    assert body["total"] == 4.0
    assert body["per_annotation"]["mean"] == 2.0
    assert body["per_item"]["median"] == 2.0
    assert body["remaining_annotations"] == 2
    # 2 x 2.0 ± 1.6449 x s(=√2) x √(2 + 4/2)
    assert body["forecast"]["total"] == 4.0
    assert body["forecast"]["high"] == pytest.approx(round(4 + 1.6448536269514722 * 2**0.5 * 2, 2))


def test_cost_per_class_uses_the_regions_recorded_time(manager_api, studio, ann, cat, dog):
    regions = [("bbox", cat, 10_000, "box"), ("bbox", dog, 50_000, "box")]
    work(studio, ann, item(studio, "a"), active_ms=60_000, regions=regions)
    refresh_project(studio.pk)

    by_class = {row["name"]: row for row in manager_api.get(analytics_url(studio, "cost")).json()["by_class"]}

    assert (by_class["cat"]["per_region"], by_class["dog"]["per_region"]) == (0.1, 0.5)


def test_filters_by_kind_and_date_narrow_the_annotations(manager_api, studio, ann, cat):
    work(studio, ann, item(studio, "box"), active_ms=10_000, regions=[("bbox", cat, 1000, "box")])
    work(studio, ann, item(studio, "poly"), active_ms=50_000, regions=[("polygon", cat, 1000, "polygon")],
         at=START + timedelta(days=3))  # fmt: skip
    refresh_project(studio.pk)

    by_kind = manager_api.get(analytics_url(studio, "summary"), {"kind": "polygon"}).json()
    by_date = manager_api.get(analytics_url(studio, "summary"), {"date_to": START.date().isoformat()}).json()

    assert (by_kind["n"], by_kind["time_per_item"]["median_s"]) == (1, 50.0)
    assert (by_date["n"], by_date["time_per_item"]["median_s"]) == (1, 10.0)


def test_every_figure_states_its_rounding_and_refresh(manager_api, studio, ann):
    work(studio, ann, item(studio, "a"), active_ms=1000)
    refresh_project(studio.pk)

    for figure in ("summary", "annotators", "classes", "items", "learning-curves", "throughput", "cost"):
        body = manager_api.get(analytics_url(studio, figure)).json()
        assert body["rounding"]["seconds"] == "1 decimal", figure
        assert body["refresh"]["annotations"] == 1, figure
        assert "n" in body, figure


def test_csv_has_one_raw_record_per_annotation(manager_api, studio, ann):
    work(studio, ann, item(studio, "a"), active_ms=1234, wall_ms=2000)
    refresh_project(studio.pk)

    response = manager_api.get(analytics_url(studio, "records"))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))

    assert response["Content-Type"].startswith("text/csv")
    assert [(r["username"], r["active_ms"], r["wall_ms"]) for r in rows] == [("ann", "1234", "2000")]


def test_refresh_twice_gives_the_same_facts(studio, ann):
    work(studio, ann, item(studio, "a"), active_ms=1000)
    refresh_project(studio.pk)
    refresh_project(studio.pk)

    assert AnnotationTimeFact.objects.filter(project=studio).count() == 1


def test_reviewer_sessions_do_not_count_as_the_annotators_time(manager_api, studio, ann):
    target = item(studio, "a")
    annotation = work(studio, ann, target, active_ms=10_000)
    reviewer = add_member(studio, Role.REVIEWER, user=UserFactory(username="rita"))
    work_session = annotation.sessions.get()
    work_session.pk = None
    work_session.user = reviewer
    work_session.save()
    refresh_project(studio.pk)

    assert annotator_row(manager_api.get(analytics_url(studio, "annotators")), "ann")["active_s"] == 10.0
