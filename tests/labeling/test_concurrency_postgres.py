"""Concurrent editors and queue clients on PostgreSQL: real row locks, SKIP LOCKED, real commits.

Each thread has its own database connection (Django's are per thread) and closes it when done.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection
from rest_framework.test import APIClient

from labeling.models import Annotation
from projects.models import Role
from tests.factories import UserFactory, add_member, make_image_item, make_project
from tests.labeling.conftest import annotation_url, annotations_url, box, requires_postgres

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    requires_postgres()


def run_together(workers):
    """Start every worker at the same moment; re-raise the first failure."""
    barrier = threading.Barrier(len(workers))
    failures = []

    def wrap(work):
        try:
            barrier.wait()
            work()
        except BaseException as error:
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=wrap, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    if failures:
        raise failures[0]


def client(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_concurrent_editors_lose_no_update():
    manager = UserFactory()
    project = make_project(manager=manager)
    item = make_image_item(project, width=640, height=480)
    cat = project.classes.get(name="cat")
    annotation = client(manager).post(annotations_url(item), {"regions": []}, format="json").data
    url = annotation_url(annotation["id"], project.pk)
    editors = [manager] + [add_member(project, Role.MANAGER) for _ in range(5)]
    saves_each = 6
    conflicts = Counter()

    def editor(user, number):
        api = client(user)
        current = api.get(url)
        for save in range(saves_each):
            while True:
                regions = [*current.data["regions"], box(cat, x=float(number), y=float(save), key=f"e{number}-{save}")]
                response = api.put(url, {"regions": regions}, format="json", HTTP_IF_MATCH=current["ETag"])
                if response.status_code == 200:
                    current = response
                    break
                assert response.status_code == 412, response.data
                conflicts[number] += 1
                current = api.get(url)

    run_together([lambda u=user, n=n: editor(u, n) for n, user in enumerate(editors)])
    final = Annotation.objects.get(pk=annotation["id"])
    keys = set(final.regions.values_list("key", flat=True))
    assert keys == {f"e{n}-{s}" for n in range(len(editors)) for s in range(saves_each)}
    assert final.version == 1 + len(editors) * saves_each
    assert sum(conflicts.values()) > 0, "the editors never collided, so the test proved nothing"


def test_concurrent_creates_with_one_idempotency_key_make_one_annotation():
    manager = UserFactory()
    project = make_project(manager=manager)
    item = make_image_item(project)
    cat = project.classes.get(name="cat")
    answers = []

    def retry():
        response = client(manager).post(
            annotations_url(item), {"regions": [box(cat)]}, format="json", HTTP_IDEMPOTENCY_KEY="same-key"
        )
        answers.append((response.status_code, response.data["id"]))

    run_together([retry for _ in range(6)])
    assert Annotation.objects.filter(item=item).count() == 1
    assert {status for status, _ in answers} == {201}
    assert len({annotation_id for _, annotation_id in answers}) == 1


@pytest.mark.parametrize(("overlap", "annotators", "item_count"), [(1, 8, 30), (2, 6, 15)])
def test_concurrent_queue_clients_never_exceed_the_overlap(overlap, annotators, item_count):
    manager = UserFactory()
    project = make_project(manager=manager, annotators_per_item=overlap)
    items = [make_image_item(project, color=(i, i, 0)) for i in range(item_count)]
    users = [add_member(project, Role.ANNOTATOR) for _ in range(annotators)]
    handed: list[tuple[int, int]] = []
    lock = threading.Lock()

    def annotate_until_done(user):
        api = client(user)
        while True:
            response = api.post(f"/api/v1/projects/{project.pk}/queue/next/", format="json")
            if response.status_code == 204:
                return
            assert response.status_code == 200, response.data
            item_id = response.data["item"]["id"]
            with lock:
                handed.append((item_id, user.pk))
            item = next(i for i in items if i.pk == item_id)
            created = api.post(annotations_url(item), {"regions": [], "submit": True}, format="json")
            assert created.status_code == 201, created.data

    run_together([lambda u=user: annotate_until_done(u) for user in users])
    per_item = Counter(item_id for item_id, _ in handed)
    assert len(handed) == len(set(handed)), "an annotator got the same item twice"
    assert set(per_item.values()) == {overlap}
    assert len(per_item) == item_count
    counts = Counter(Annotation.objects.filter(item__project=project).values_list("item_id", flat=True))
    assert set(counts.values()) == {overlap}
