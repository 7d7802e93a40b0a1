"""Time analytics benchmark: 100,000 submitted annotations with time records across 20 annotators.

    .venv/bin/python bench/analytics.py [--annotations 100000] [--annotators 20] [--calls 20] [--batch 200]
                                        [--sqlite]

It creates a fresh PostgreSQL database (tandem_bench_analytics_<pid>) on the server named by
BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432), migrates it, and seeds one project:
items with 1 annotator (90%) or 2 (10%, so agreement has work to do), each annotation with 0-6 boxes
and polygons of 3 classes, one work session with a "created" event per region, and reviews on a fifth.
With --sqlite it uses a temporary SQLite file instead. The database is dropped at the end.

Then it times `refresh_project` (the Celery task's body). Every refresh recomputes every fact of the
project; on PostgreSQL it writes only the rows that differ, and it keeps the agreement of items whose
annotations did not change, so it is timed in each case that costs differently:
- refresh_first_s: the first refresh, from no facts (every row written, every item scored);
- refresh_unchanged_s: again, nothing changed since (nothing written, nothing scored);
- refresh_rescore_s: a manager's refresh (`rescore=True`): every item scored again;
- refresh_after_submissions_s: after a debounce window's worth of work (`--batch` new submissions,
  half as many revisions of existing annotations, a tenth of them on shared items, and as many reviews);
- refresh_s: the slowest of these.
And the dashboard's API calls (summary, annotators, classes, items, learning-curves, throughput,
outliers, cost), each `--calls` times as the manager through Django's test client (in process: the
view, middleware, serialisation and queries, without a network hop), after the first three refreshes;
p50 and p95 over all calls, which after the first call per figure are answered from the figure cache;
the first call is reported apart.

The last line printed is JSON: {"annotations": 100000, "refresh_s": ..., "api_p95_ms": ..., ...}
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ("summary", "annotators", "classes", "items", "learning-curves", "throughput", "outliers", "cost")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--annotations", type=int, default=100_000)
    parser.add_argument("--annotators", type=int, default=20)
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--batch", type=int, default=200, help="new submissions before the last refresh")
    parser.add_argument("--sqlite", action="store_true")
    args = parser.parse_args()

    database, drop = _database(args.sqlite)
    os.environ["DATABASE_URL"] = database
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "*")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECURE_COOKIES", "0")
    sys.path.insert(0, str(ROOT))
    try:
        result = run(args)
    finally:
        drop()
    print(json.dumps(result))


def _database(sqlite: bool) -> tuple[str, object]:
    if sqlite:
        folder = tempfile.TemporaryDirectory()
        return f"sqlite:///{folder.name}/bench.sqlite3", folder.cleanup
    import psycopg2

    server = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
    parts = urlsplit(server)
    name = f"tandem_bench_analytics_{os.getpid()}"
    admin = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    admin.autocommit = True
    admin.cursor().execute(f"CREATE DATABASE {name}")

    def drop() -> None:
        from django.db import connections

        connections.close_all()
        admin.cursor().execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()

    return urlunsplit(parts._replace(path=f"/{name}")), drop


def run(args: argparse.Namespace) -> dict[str, object]:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    started = time.monotonic()
    project, manager = seed(args.annotations, args.annotators)
    seed_s = time.monotonic() - started
    print(f"seeded {args.annotations} annotations in {seed_s:.1f} s", file=sys.stderr)

    from labeling.analytics.services import refresh_project

    def timed_refresh(**options: bool) -> tuple[float, int]:
        started = time.monotonic()
        covered = refresh_project(project.pk, **options)
        return time.monotonic() - started, covered

    refresh: dict[str, float] = {}
    refresh["first"], covered = timed_refresh()
    refresh["unchanged"], _ = timed_refresh()
    refresh["rescore"], _ = timed_refresh(rescore=True)
    print(f"refresh: {refresh}", file=sys.stderr)

    from django.test import Client

    client = Client()
    client.force_login(manager)
    timings: dict[str, list[float]] = {figure: [] for figure in FIGURES}
    cold: dict[str, float] = {}
    for figure in FIGURES:  # one warm-up call each: connection set-up, imports; the figure's cache miss
        started = time.perf_counter()
        assert client.get(f"/api/v1/projects/{project.pk}/analytics/{figure}/").status_code == 200
        cold[figure] = round((time.perf_counter() - started) * 1000, 1)
    for _ in range(args.calls):
        for figure in FIGURES:
            started = time.perf_counter()
            response = client.get(f"/api/v1/projects/{project.pk}/analytics/{figure}/")
            timings[figure].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.content[:300]
    every = sorted(t for values in timings.values() for t in values)
    per_figure = {figure: round(_percentile(sorted(values), 95), 1) for figure, values in timings.items()}
    print(f"p95 per figure (ms): {per_figure}", file=sys.stderr)

    submit_batch(project, args.batch)
    refresh["after_submissions"], covered_after = timed_refresh()
    print(f"refresh after {args.batch} submissions: {refresh['after_submissions']:.2f} s", file=sys.stderr)
    return {
        "annotations": covered,
        "refresh_s": round(max(refresh.values()), 2),
        "refresh_first_s": round(refresh["first"], 2),
        "refresh_unchanged_s": round(refresh["unchanged"], 2),
        "refresh_rescore_s": round(refresh["rescore"], 2),
        "refresh_after_submissions_s": round(refresh["after_submissions"], 2),
        "annotations_after_submissions": covered_after,
        "api_p95_ms": round(_percentile(every, 95), 1),
        "api_p50_ms": round(_percentile(every, 50), 1),
        "api_p95_ms_per_figure": per_figure,
        # The first call after a refresh computes the figure (figures are cached until the next refresh).
        "api_first_call_ms_per_figure": cold,
        "database": "sqlite" if args.sqlite else "postgresql",
        "seed_s": round(seed_s, 1),
    }


def _percentile(values: list[float], q: float) -> float:
    index = (len(values) - 1) * q / 100
    low = int(index)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (index - low)


def seed(total: int, annotator_count: int):  # type: ignore[no-untyped-def]
    """One project with `total` submitted annotations and their sessions, regions and reviews."""
    import random
    from datetime import UTC, datetime

    from django.contrib.auth import get_user_model
    from django.db import transaction

    from projects import services
    from projects.models import Item, ItemKind, Membership, Role, VersionItem
    from projects.selectors import default_dataset, working_version

    rng = random.Random(7)
    users = get_user_model()
    manager = users.objects.create_user("bench-manager", password=None)
    project = services.create_project(
        user=manager,
        name="bench",
        kinds=["bbox", "polygon"],
        classes=[{"name": n, "color": "#336699", "hotkey": ""} for n in ("car", "person", "tree")],
        hourly_rate="25.00",
        annotators_per_item=1,
    )
    people = [users.objects.create_user(f"annotator-{i:02d}", password=None) for i in range(annotator_count)]
    Membership.objects.bulk_create(Membership(project=project, user=u, role=Role.ANNOTATOR) for u in people)
    # Each annotator has their own pace; a few rush now and then.
    pace = {u.pk: rng.uniform(0.6, 1.6) for u in people}
    dataset = default_dataset(project)
    version = working_version(dataset)

    shared = total // 20  # items with two annotators: 10% of the annotations
    item_count = total - shared
    start = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    with transaction.atomic():
        items = Item.objects.bulk_create(
            (
                Item(
                    project=project,
                    dataset=dataset,
                    kind=ItemKind.IMAGE,
                    original_name=f"img-{n:06d}.jpg",
                    sha256=f"{n:064x}",
                    width=640,
                    height=480,
                    status="submitted",
                )
                for n in range(item_count + 5000)  # 5,000 not yet labelled, for the forecast
            ),
            batch_size=5000,
        )
        splits = ("train", "train", "train", "val", "test")
        VersionItem.objects.bulk_create(
            (VersionItem(version=version, item=it, split=splits[n % 5]) for n, it in enumerate(items)), batch_size=5000
        )
        work = [(items[n], people[n % annotator_count]) for n in range(item_count)]
        work += [(items[n], people[(n + 1) % annotator_count]) for n in range(shared)]
        record_work(rng, project, work, start, pace)
    return project, manager


def record_work(rng, project, work, start, pace):  # type: ignore[no-untyped-def]
    """Submitted annotations of (item, annotator) pairs, one every 15 s from `start`, with their
    regions, one session each with a "created" event per region, and reviews on a fifth."""
    from datetime import timedelta

    from labeling.models import Annotation, Region, Review, SessionOutcome, WorkSession

    classes = list(project.classes.order_by("pk"))
    annotations = []
    plans = []
    for index, (target, person) in enumerate(work):
        at = start + timedelta(minutes=index * 0.25)
        boxes, polygons = rng.randint(0, 4), rng.randint(0, 2)
        region_ms = [("bbox", int(rng.gauss(4000, 1000) * pace[person.pk])) for _ in range(boxes)]
        region_ms += [("polygon", int(rng.gauss(15000, 4000) * pace[person.pk])) for _ in range(polygons)]
        active = int(5000 * pace[person.pk] + sum(max(ms, 300) for _, ms in region_ms))
        if rng.random() < 0.01:
            active = rng.randint(200, 1500)  # a careless submission
        plans.append((at, region_ms, active))
        annotations.append(
            Annotation(project=project, item=target, annotator=person, status="submitted", submitted_at=at, version=2)
        )
    Annotation.objects.bulk_create(annotations, batch_size=5000)
    regions, sessions, reviews = [], [], []
    for annotation, (at, region_ms, active) in zip(annotations, plans, strict=True):
        regions += region_rows(rng, annotation, region_ms, classes)
        wall = int(active * rng.uniform(1.0, 1.5))
        sessions.append(
            WorkSession(
                project=project,
                item_id=annotation.item_id,
                user_id=annotation.annotator_id,
                annotation=annotation,
                started_at=at - timedelta(milliseconds=wall),
                ended_at=at,
                outcome=SessionOutcome.SUBMITTED,
                idle_threshold_s=30,
                wall_ms=wall,
                active_ms=active,
                trusted_active_ms=active,
                events=creation_events(region_ms, classes),
                reports=1,
            )
        )
        if rng.random() < 0.2:
            decision = "accept" if rng.random() < 0.85 else "reject"
            reviews.append(Review(annotation=annotation, decision=decision, reviewed_version=2))
    Region.objects.bulk_create(regions, batch_size=5000)
    WorkSession.objects.bulk_create(sessions, batch_size=5000)
    Review.objects.bulk_create(reviews, batch_size=5000)
    return annotations


def region_rows(rng, annotation, region_ms, classes, first_key=0):  # type: ignore[no-untyped-def]
    from labeling.models import Region

    rows = []
    for index, (kind, _) in enumerate(region_ms, start=first_key):
        x, y = rng.uniform(0, 600), rng.uniform(0, 440)
        rows.append(
            Region(
                annotation=annotation,
                label_class=classes[index % 3],
                kind=kind,
                key=f"r{index}",
                x=x,
                y=y,
                width=30.0,
                height=30.0,
                points=[[x, y], [x + 30, y], [x + 30, y + 30], [x, y + 30]] if kind == "polygon" else None,
            )
        )
    return rows


def creation_events(region_ms, classes, first_key=0):  # type: ignore[no-untyped-def]
    return [
        {
            "type": "created",
            "region_key": f"r{index}",
            "tool": kind,
            "label_class": classes[index % 3].pk,
            "started_at_ms": (index - first_key) * 1000,
            "duration_ms": max(ms, 300),
        }
        for index, (kind, ms) in enumerate(region_ms, start=first_key)
    ]


def submit_batch(project, count: int) -> None:  # type: ignore[no-untyped-def]
    """A debounce window's worth of work after the first refreshes: `count` new submissions (on items
    nobody had labelled), count/2 revisions (new regions, a new session, the version raised; a tenth on
    items with two annotators) and count/2 reviews."""
    import random
    from datetime import UTC, datetime, timedelta

    from django.db import transaction
    from django.db.models import Count, F

    from labeling.models import Annotation, Region, Review, SessionOutcome, WorkSession
    from projects.models import Item

    rng = random.Random(11)
    people = list(project.memberships.filter(role="annotator").select_related("user").order_by("pk"))
    pace = {m.user.pk: 1.0 for m in people}
    classes = list(project.classes.order_by("pk"))
    later = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)
    with transaction.atomic():
        fresh = list(Item.objects.filter(project=project, annotations__isnull=True).order_by("pk")[:count])
        record_work(rng, project, [(it, people[n % len(people)].user) for n, it in enumerate(fresh)], later, pace)
        submitted = (
            Annotation.objects.filter(project=project, submitted_at__lt=later)
            .only("pk", "item_id", "annotator_id", "version")
            .order_by("pk")
        )
        shared_items = submitted.values("item_id").annotate(n=Count("pk")).filter(n__gte=2).values("item_id")
        revisions = count // 2
        on_shared = rng.sample(list(submitted.filter(item_id__in=shared_items)), revisions // 10)
        alone = rng.sample(list(submitted.exclude(item_id__in=shared_items)), revisions - len(on_shared))
        regions, sessions = [], []
        for annotation in on_shared + alone:
            region_ms = [("bbox", rng.randint(2000, 6000)) for _ in range(rng.randint(1, 3))]
            regions += region_rows(rng, annotation, region_ms, classes, first_key=10)
            sessions.append(
                WorkSession(
                    project=project,
                    item_id=annotation.item_id,
                    user_id=annotation.annotator_id,
                    annotation=annotation,
                    started_at=later,
                    ended_at=later + timedelta(seconds=20),
                    outcome=SessionOutcome.SUBMITTED,
                    idle_threshold_s=30,
                    wall_ms=20_000,
                    active_ms=15_000,
                    trusted_active_ms=15_000,
                    events=creation_events(region_ms, classes, first_key=10),
                    reports=1,
                )
            )
        revised = [a.pk for a in on_shared + alone]
        Region.objects.filter(annotation_id__in=revised).delete()
        Region.objects.bulk_create(regions)
        WorkSession.objects.bulk_create(sessions)
        Annotation.objects.filter(pk__in=revised).update(version=F("version") + 1)
        reviewed = rng.sample(list(submitted.exclude(pk__in=revised).values_list("pk", "version")), count // 2)
        Review.objects.bulk_create(
            Review(annotation_id=pk, decision="accept", reviewed_version=version) for pk, version in reviewed
        )


if __name__ == "__main__":
    main()
