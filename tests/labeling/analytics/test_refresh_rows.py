"""A refresh writes the same facts whichever way it reads and writes them (PostgreSQL: SQL and COPY)."""

from __future__ import annotations

import pytest

from labeling.analytics.models import AnnotationTimeFact, RegionTimeFact
from labeling.analytics.services import refresh_project
from labeling.models import Region
from tests.labeling.analytics.conftest import START, item, work

pytestmark = pytest.mark.django_db


def test_refresh_writes_facts_with_nulls_empty_strings_and_exact_floats(studio, ann, bob):
    cat = studio.classes.get(name="cat")
    shared = item(studio, "shared")
    work(studio, ann, shared, active_ms=10_000, regions=[("bbox", cat, None, ""), ("bbox", cat, 2000, 'say "hi"')])
    work(studio, bob, shared, active_ms=10_000, regions=[("bbox", cat, 1000, "box", (0.0, 0.0, 10.0, 10.0))])
    refresh_project(studio.pk)

    fact = AnnotationTimeFact.objects.get(annotator=ann)
    regions = list(RegionTimeFact.objects.filter(fact=fact).order_by("id").values_list("tool", "duration_ms"))

    assert (fact.split, fact.review_decision) == ("", "")
    assert fact.agreement == pytest.approx(2 / 3)  # one of ann's two boxes matches bob's one: F1 = 2/3
    assert regions == [("", None), ('say "hi"', 2000)]


def test_deleting_an_item_removes_its_facts_and_region_facts(studio, ann):
    cat = studio.classes.get(name="cat")
    kept, dropped = item(studio, "kept"), item(studio, "dropped")
    work(studio, ann, kept, active_ms=10_000, regions=[("bbox", cat, 1000, "box")])
    work(studio, ann, dropped, active_ms=10_000, regions=[("bbox", cat, 1000, "box")])
    refresh_project(studio.pk)

    dropped.delete()

    assert list(AnnotationTimeFact.objects.values_list("item_id", flat=True)) == [kept.pk]
    assert RegionTimeFact.objects.count() == 1


def test_region_time_sums_events_across_sessions_and_prefers_the_creating_tool(studio, ann):
    from labeling.models import SessionOutcome, WorkSession

    cat = studio.classes.get(name="cat")
    target = item(studio, "a")
    annotation = work(studio, ann, target, active_ms=10_000)
    for key in ("created-late", "never-created", "no-events"):
        Region.objects.create(annotation=annotation, label_class=cat, kind="bbox", key=key, x=0, y=0, width=5, height=5)

    def event(kind, key, tool, duration):
        return {"type": kind, "region_key": key, "tool": tool, "label_class": cat.pk, "started_at_ms": 0,
                "duration_ms": duration}  # fmt: skip

    reports = [
        [event("edited", "created-late", "move", 1000), event("edited", "never-created", None, 500)],
        [event("created", "created-late", "box", 2000), event("edited", "never-created", "resize", -300),
         event("edited", "never-created", "move", 700), event("created", "created-late", None, 400),
         {**event("edited", "created-late", "x", 50), "region_key": None}],
    ]  # fmt: skip
    for events in reports:
        WorkSession.objects.create(
            project=studio, item=target, user=ann, annotation=annotation, started_at=START, ended_at=START,
            outcome=SessionOutcome.SUBMITTED, idle_threshold_s=30, wall_ms=0, active_ms=0, trusted_active_ms=0,
            events=events, reports=1,
        )  # fmt: skip
    refresh_project(studio.pk)

    regions = RegionTimeFact.objects.filter(fact_id=annotation.pk).order_by("id").values_list("tool", "duration_ms")

    # created-late: its creating event's tool wins over an earlier edit's, and a creating event without
    # a tool does not erase it; never-created: the first tool named; a negative duration counts as 0.
    assert list(regions) == [("box", 3400), ("resize", 1200), ("", None)]


def test_deleting_a_class_removes_its_region_facts(studio, ann):
    cat, dog = studio.classes.get(name="cat"), studio.classes.get(name="dog")
    work(
        studio,
        ann,
        item(studio, "a"),
        active_ms=10_000,
        regions=[("bbox", cat, 1000, "box"), ("bbox", dog, 500, "box")],
    )
    refresh_project(studio.pk)
    # Regions protect their class; a correction removed the cat, the facts still hold it until a refresh.
    Region.objects.filter(label_class=cat).delete()

    cat.delete()

    assert list(RegionTimeFact.objects.values_list("label_class_id", flat=True)) == [dog.pk]
