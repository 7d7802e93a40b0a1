"""Who sees whose figures, and when the facts are rebuilt."""

from __future__ import annotations

import pytest

from labeling.analytics import services
from labeling.analytics.models import AnnotationTimeFact
from labeling.analytics.services import refresh_project
from projects.models import Role
from tests.factories import UserFactory, add_member
from tests.labeling.analytics.conftest import analytics_url, item, work
from tests.labeling.conftest import hand

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_annotators_work(studio, ann, bob):
    work(studio, ann, item(studio, "a"), active_ms=10_000)
    work(studio, bob, item(studio, "b"), active_ms=90_000)
    refresh_project(studio.pk)


def usernames(response):
    return [row["username"] for row in response.json()["annotators"]]


def test_manager_sees_every_annotator(manager_api, studio, two_annotators_work):
    assert usernames(manager_api.get(analytics_url(studio, "annotators"))) == ["ann", "bob"]


def test_annotator_sees_only_their_own_figures(client_for, studio, ann, two_annotators_work):
    api = client_for(ann)

    assert usernames(api.get(analytics_url(studio, "annotators"))) == ["ann"]
    assert api.get(analytics_url(studio, "summary")).json()["time_per_item"]["median_s"] == 10.0


def test_annotator_cannot_ask_for_another_annotators_figures(client_for, studio, ann, bob, two_annotators_work):
    response = client_for(ann).get(analytics_url(studio, "annotators"), {"annotator": bob.pk})

    assert response.status_code == 403


def test_annotators_csv_holds_only_their_own_records(client_for, studio, ann, two_annotators_work):
    response = client_for(ann).get(analytics_url(studio, "records"))
    body = b"".join(response.streaming_content).decode()

    assert "ann" in body and "bob" not in body


def test_reviewer_without_submissions_sees_empty_figures(client_for, studio, two_annotators_work):
    reviewer = add_member(studio, Role.REVIEWER, user=UserFactory(username="rita"))

    assert client_for(reviewer).get(analytics_url(studio, "summary")).json()["n"] == 0


@pytest.mark.parametrize("role", [Role.ANNOTATOR, Role.REVIEWER, Role.VIEWER])
def test_cost_is_for_managers_only(client_for, studio, role):
    member = add_member(studio, role)

    assert client_for(member).get(analytics_url(studio, "cost")).status_code == 403


def test_outsider_gets_404(client_for, studio):
    assert client_for(UserFactory()).get(analytics_url(studio, "summary")).status_code == 404


def test_annotator_cannot_trigger_a_refresh(client_for, studio, ann):
    assert client_for(ann).post(analytics_url(studio, "refresh")).status_code == 403


def test_manager_refresh_rebuilds_after_commit(
    monkeypatch, manager_api, studio, ann, django_capture_on_commit_callbacks
):
    from labeling.analytics import celery_tasks

    task = celery_tasks.refresh_project_analytics
    monkeypatch.setattr(task, "apply_async", lambda args, countdown: task.run(*args))  # as a worker would
    work(studio, ann, item(studio, "a"), active_ms=1000)

    with django_capture_on_commit_callbacks(execute=True):
        response = manager_api.post(analytics_url(studio, "refresh"))

    assert response.status_code == 202
    assert AnnotationTimeFact.objects.filter(project=studio).count() == 1


def test_bad_filter_is_a_400_naming_the_field(manager_api, studio):
    response = manager_api.get(analytics_url(studio, "summary"), {"date_from": "2026-03-05", "date_to": "2026-03-01"})

    assert response.status_code == 400
    assert "date_to" in response.json()["errors"]


def test_submissions_within_the_window_schedule_one_refresh(monkeypatch, studio, django_capture_on_commit_callbacks):
    from labeling.analytics import celery_tasks

    scheduled = []
    monkeypatch.setattr(
        celery_tasks.refresh_project_analytics,
        "apply_async",
        lambda args, countdown: scheduled.append((args, countdown)),
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.schedule_refresh(studio.pk)
        services.schedule_refresh(studio.pk)

    assert scheduled == [((studio.pk,), services.REFRESH_DEBOUNCE_S)]


def test_a_refresh_reopens_the_window_for_later_submissions(monkeypatch, studio, django_capture_on_commit_callbacks):
    from labeling.analytics import celery_tasks

    scheduled = []
    monkeypatch.setattr(
        celery_tasks.refresh_project_analytics, "apply_async", lambda args, countdown: scheduled.append(args)
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.schedule_refresh(studio.pk)
    refresh_project(studio.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.schedule_refresh(studio.pk)

    assert len(scheduled) == 2


def test_submitting_through_the_api_schedules_a_refresh(
    monkeypatch, client_for, studio, ann, django_capture_on_commit_callbacks
):
    from labeling.analytics import celery_tasks

    scheduled = []
    monkeypatch.setattr(
        celery_tasks.refresh_project_analytics, "apply_async", lambda args, countdown: scheduled.append(args)
    )
    target = item(studio, "a")
    hand(target, ann)
    cat = studio.classes.get(name="cat")
    body = {
        "regions": [{"kind": "bbox", "label_class": cat.pk, "x": 1, "y": 1, "width": 5, "height": 5}],
        "submit": True,
    }

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(ann).post(
            f"/api/v1/projects/{studio.pk}/items/{target.pk}/annotations/", body, format="json"
        )

    assert response.status_code == 201, response.json()
    assert scheduled == [(studio.pk,)]
