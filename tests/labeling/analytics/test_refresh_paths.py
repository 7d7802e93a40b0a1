"""Every way a refresh can run gives the same facts as a rebuild from nothing.

On PostgreSQL the refresh computes the facts in SQL and writes only the rows that differ; on SQLite
(and in build_rows, which these tests also run on PostgreSQL) Python computes them. Agreement scores
of unchanged items are kept from the facts. None of that may show in the facts.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.models import F

from labeling import agreement
from labeling.analytics import services
from labeling.analytics.models import AnnotationTimeFact, RegionTimeFact
from labeling.analytics.services import FACT_COLUMNS, REGION_COLUMNS, agreement_scores, build_rows, refresh_project
from labeling.models import Annotation, AnnotationStatus, Region, Review, SessionOutcome, WorkSession
from projects.models import Role, VersionItem
from tests.factories import UserFactory, add_member
from tests.labeling.analytics.conftest import START, item, work

pytestmark = pytest.mark.django_db


@pytest.fixture
def cy(studio):
    return add_member(studio, Role.ANNOTATOR, user=UserFactory(username="cy"))


@pytest.fixture
def varied_work(studio, ann, bob, cy):
    """Work exercising every column: shared items (two and three annotators), boxes and polygons,
    reviews (the latest counts), splits, sessions never reported and a reviewer's, events naming no
    region or a region twice, negative durations, and fast submissions by either rule."""
    cat, dog = studio.classes.get(name="cat"), studio.classes.get(name="dog")
    made: dict[str, Any] = {}
    pair, trio = item(studio, "pair", split="train"), item(studio, "trio", split="val")
    made["ann_pair"] = work(
        studio, ann, pair, active_ms=20_000, regions=[("bbox", cat, 3000, "box"), ("polygon", dog, 9000, "polygon")]
    )
    made["bob_pair"] = work(
        studio,
        bob,
        pair,
        active_ms=25_000,
        wall_ms=40_000,
        regions=[("bbox", cat, 2000, "box", (3.0, 1.0, 10.0, 10.0)), ("polygon", dog, None, "")],
        at=START + timedelta(minutes=1),
        decision="reject",
    )
    Review.objects.create(annotation=made["bob_pair"], decision="accept", reviewed_version=1)
    for user, offset, box in ((ann, 2, (0.0, 0.0, 10.0, 10.0)), (bob, 3, (1.0, 1.0, 10.0, 10.0)), (cy, 4, None)):
        regions = [("bbox", cat, 1500, "box", box)] if box else [("bbox", dog, 1500, "box")]
        made[f"{user.username}_trio"] = work(
            studio, user, trio, active_ms=30_000 + offset, regions=regions, at=START + timedelta(minutes=offset)
        )
    # ann's pace: a median of 40 s over eleven submissions, so 8 s is fast for ann (10.5 s is not).
    for index, active in enumerate((40_000, 40_000, 40_000, 44_000, 48_000, 52_000, 8_000, 10_500, 500)):
        made[f"ann_{index}"] = work(
            studio,
            ann,
            item(studio, f"ann-{index}", split="test" if index % 2 else ""),
            active_ms=active,
            regions=[("bbox", cat, 700, "box")],
            at=START + timedelta(hours=1, minutes=index),
        )
    made["cy_empty"] = work(studio, cy, item(studio, "empty"), active_ms=900, at=START + timedelta(hours=2))
    # Sessions that must not count: never reported, and a reviewer's.
    reviewer = add_member(studio, Role.REVIEWER, user=UserFactory(username="rita"))
    for user, wall, reports in ((ann, None, 0), (reviewer, 5000, 1)):
        WorkSession.objects.create(
            project=studio, item=pair, user=user, started_at=START, ended_at=START, outcome=SessionOutcome.SUBMITTED,
            idle_threshold_s=30, wall_ms=wall, active_ms=5000, trusted_active_ms=5000, reports=reports,
            events=[{"type": "edited", "region_key": "r0", "tool": "move", "duration_ms": 5000}],
        )  # fmt: skip
    # A later report by ann on the pair: an edit of r0, a negative duration, r1 created again with
    # another tool (the latest creation's tool counts), a key no region has.
    WorkSession.objects.create(
        project=studio, item=pair, user=ann, started_at=START, ended_at=START, outcome=SessionOutcome.SUBMITTED,
        idle_threshold_s=30, wall_ms=4000, active_ms=4000, trusted_active_ms=3000, reports=2,
        events=[{"type": "edited", "region_key": "r0", "tool": "resize", "duration_ms": 400},
                {"type": "edited", "region_key": "r1", "tool": "move", "duration_ms": -200},
                {"type": "created", "region_key": "r1", "tool": "lasso", "duration_ms": 100},
                {"type": "created", "region_key": "gone", "tool": "box", "duration_ms": 100}],
    )  # fmt: skip
    # Neither a prediction nor a draft is a fact.
    Annotation.objects.create(project=studio, item=pair, annotator=cy, is_prediction=True, submitted_at=START)
    Annotation.objects.create(project=studio, item=item(studio, "draft"), annotator=bob, status=AnnotationStatus.DRAFT)
    return made


def stored_facts(project) -> tuple[list[tuple[Any, ...]], dict[int, list[tuple[Any, ...]]]]:
    """The facts by annotation and each fact's region facts in their order, without the region facts' ids."""
    facts = list(
        AnnotationTimeFact.objects.filter(project=project).order_by("annotation_id").values_list(*FACT_COLUMNS)
    )
    regions: dict[int, list[tuple[Any, ...]]] = {}
    for row in RegionTimeFact.objects.filter(project=project).order_by("fact_id", "id").values_list(*REGION_COLUMNS):
        regions.setdefault(row[0], []).append(row)
    return facts, regions


def rebuilt_from_nothing(project) -> tuple[list[tuple[Any, ...]], dict[int, list[tuple[Any, ...]]]]:
    RegionTimeFact.objects.filter(project=project).delete()
    AnnotationTimeFact.objects.filter(project=project).delete()
    refresh_project(project.pk, rescore=True)
    return stored_facts(project)


def test_the_refresh_writes_the_rows_build_rows_computes(studio, varied_work):
    refresh_project(studio.pk)

    fact_rows, region_rows = build_rows(studio.pk, agreement_scores(studio.pk, reuse=False))
    regions: dict[int, list[tuple[Any, ...]]] = {}
    for row in region_rows:
        regions.setdefault(row[0], []).append(row)

    assert stored_facts(studio) == (sorted(fact_rows), regions)


def test_the_facts_hold_what_the_work_says(studio, ann, bob, varied_work):
    refresh_project(studio.pk)
    facts = {row[0]: dict(zip(FACT_COLUMNS, row, strict=True)) for row in stored_facts(studio)[0]}
    regions = stored_facts(studio)[1]

    def fact(name):
        return facts[varied_work[name].pk]

    assert len(facts) == 15
    # The pair: ann's two sessions summed (the unreported one left out); bob's latest review.
    assert (fact("ann_pair")["active_ms"], fact("ann_pair")["wall_ms"], fact("ann_pair")["split"]) == (
        23_000,
        24_000,
        "train",
    )
    assert (fact("bob_pair")["review_decision"], fact("ann_pair")["review_decision"]) == ("accept", "")
    assert [r[5:] for r in regions[varied_work["ann_pair"].pk]] == [("box", 3400), ("lasso", 9100)]
    assert [r[5:] for r in regions[varied_work["bob_pair"].pk]] == [("box", 2000), ("", None)]
    # ann's pace: 8 s is below a quarter of the 40 s median, 10.5 s is not; 0.5 s is below the minimum.
    assert [fact(f"ann_{i}")["fast_reason"] for i in range(9)] == [
        "", "", "", "", "", "", "below_own_median", "", "below_minimum",
    ]  # fmt: skip
    assert fact("cy_empty")["fast_reason"] == "below_minimum"  # no region: one region's worth at least
    assert [fact(f"ann_{i}")["nth_item"] for i in range(9)] == list(range(3, 12))
    assert fact("cy_trio")["agreement"] == 0.0 and fact("ann_trio")["agreement"] is not None
    assert fact("ann_0")["agreement"] is None


def test_a_refresh_after_changes_gives_the_facts_of_a_rebuild_from_nothing(studio, ann, bob, cy, varied_work):
    refresh_project(studio.pk)
    cat = studio.classes.get(name="cat")
    # A second annotator on an item ann had alone; a revision of bob's regions (raising the version,
    # as every change does); a withdrawn submission and a deleted annotation; a review; a new split;
    # another report of ann's time; a fast submission that moves ann's median.
    work(studio, cy, varied_work["ann_0"].item, active_ms=35_000, regions=[("bbox", cat, 800, "box")])
    Region.objects.filter(annotation=varied_work["bob_pair"]).delete()
    Region.objects.create(annotation=varied_work["bob_pair"], label_class=cat, kind="bbox", key="r5", x=0, y=0,
                          width=10, height=10)  # fmt: skip
    Annotation.objects.filter(pk=varied_work["bob_pair"].pk).update(version=F("version") + 1)
    Annotation.objects.filter(pk=varied_work["ann_1"].pk).update(submitted_at=None, status=AnnotationStatus.DRAFT)
    varied_work["cy_trio"].delete()
    Review.objects.create(annotation=varied_work["ann_2"], decision="accept", reviewed_version=1)
    VersionItem.objects.filter(item=varied_work["ann_3"].item).update(split="val")
    session = varied_work["ann_4"].sessions.get()
    WorkSession.objects.filter(pk=session.pk).update(wall_ms=F("wall_ms") + 60_000, trusted_active_ms=60_000)
    work(studio, ann, item(studio, "rushed"), active_ms=300, at=START + timedelta(hours=3))

    refresh_project(studio.pk)
    after_changes = stored_facts(studio)

    assert after_changes == rebuilt_from_nothing(studio)
    assert len(after_changes[0]) == 15  # one new by cy, one new by ann; one withdrawn, one deleted


def test_facts_changed_behind_the_refresh_are_put_right(studio, varied_work):
    refresh_project(studio.pk)
    expected = stored_facts(studio)
    AnnotationTimeFact.objects.filter(pk=varied_work["ann_0"].pk).update(active_ms=1, fast_reason="x")
    RegionTimeFact.objects.filter(fact_id=varied_work["ann_pair"].pk).earliest("id").delete()
    AnnotationTimeFact.objects.filter(pk=varied_work["ann_5"].pk).delete()  # and its region facts, cascaded

    refresh_project(studio.pk)

    assert stored_facts(studio) == expected


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's refresh rewrites every row")
def test_a_refresh_rewrites_only_the_facts_that_changed(studio, varied_work):
    refresh_project(studio.pk)
    region_ids = dict(RegionTimeFact.objects.filter(project=studio).values_list("id", "fact_id"))
    changed = varied_work["ann_pair"]
    Region.objects.filter(annotation=changed, key="r1").update(label_class=studio.classes.get(name="cat"))

    refresh_project(studio.pk)
    kept = dict(RegionTimeFact.objects.filter(project=studio, id__in=list(region_ids)).values_list("id", "fact_id"))

    assert kept == {id_: fact for id_, fact in region_ids.items() if fact != changed.pk}
    assert RegionTimeFact.objects.filter(fact_id=changed.pk).count() == 2


@pytest.fixture
def scored_pairs(monkeypatch):
    """The raters of every pair agreement scores, as sets of annotator ids."""
    scored: list[frozenset[int]] = []
    original = agreement.item_agreement

    def counting(raters, **kwargs):
        scored.append(frozenset(r.user for r in raters))
        return original(raters, **kwargs)

    monkeypatch.setattr(agreement, "item_agreement", counting)
    return scored


def test_items_whose_annotations_kept_their_versions_are_not_scored_again(studio, ann, bob, varied_work, scored_pairs):
    refresh_project(studio.pk)
    assert len(scored_pairs) == 4  # the pair, and the trio's three pairs
    first = stored_facts(studio)
    scored_pairs.clear()

    refresh_project(studio.pk)
    assert scored_pairs == []
    assert stored_facts(studio) == first

    Annotation.objects.filter(pk=varied_work["bob_pair"].pk).update(version=F("version") + 1)
    refresh_project(studio.pk)
    assert scored_pairs == [frozenset({ann.pk, bob.pk})]


def test_a_rescore_scores_every_item_again(studio, varied_work, scored_pairs):
    refresh_project(studio.pk)
    scored_pairs.clear()

    refresh_project(studio.pk, rescore=True)

    assert len(scored_pairs) == 4


def test_a_new_annotator_on_an_item_scores_it_again(studio, cy, varied_work):
    refresh_project(studio.pk)
    alone = varied_work["ann_0"]
    assert AnnotationTimeFact.objects.get(pk=alone.pk).agreement is None

    work(studio, cy, alone.item, active_ms=30_000, regions=[("bbox", studio.classes.get(name="cat"), 800, "box")])
    refresh_project(studio.pk)

    assert AnnotationTimeFact.objects.get(pk=alone.pk).agreement == 1.0


def test_a_managers_refresh_scores_agreement_afresh(monkeypatch, studio, django_capture_on_commit_callbacks):
    from labeling.analytics import celery_tasks

    scheduled = []
    monkeypatch.setattr(
        celery_tasks.refresh_project_analytics, "apply_async", lambda args, countdown: scheduled.append(args)
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.schedule_refresh(studio.pk, debounce=False)

    assert scheduled == [(studio.pk, True)]
