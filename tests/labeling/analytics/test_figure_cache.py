"""Figures are cached per facts version: a refresh, a new rate or a new item shows at once."""

from __future__ import annotations

import pytest

from labeling.analytics.models import AnnotationTimeFact
from labeling.analytics.services import refresh_project
from tests.labeling.analytics.conftest import analytics_url, item, work

pytestmark = pytest.mark.django_db


def test_a_figure_shows_the_work_of_a_later_refresh(manager_api, studio, ann):
    work(studio, ann, item(studio, "a"), active_ms=10_000)
    refresh_project(studio.pk)
    assert manager_api.get(analytics_url(studio, "summary")).json()["n"] == 1

    work(studio, ann, item(studio, "b"), active_ms=30_000)
    refresh_project(studio.pk)
    body = manager_api.get(analytics_url(studio, "summary")).json()

    assert (body["n"], body["active_s"]) == (2, 40.0)


def test_a_figure_is_served_from_the_cache_until_the_next_refresh(manager_api, studio, ann):
    work(studio, ann, item(studio, "a"), active_ms=10_000)
    refresh_project(studio.pk)
    first = manager_api.get(analytics_url(studio, "summary")).json()
    # Facts changed behind the refresh's back: the cached figure does not read them.
    AnnotationTimeFact.objects.filter(project=studio).update(active_ms=99_000)

    assert manager_api.get(analytics_url(studio, "summary")).json() == first


def test_filters_and_viewers_get_their_own_cached_figures(manager_api, client_for, studio, ann, bob):
    work(studio, ann, item(studio, "a"), active_ms=10_000)
    work(studio, bob, item(studio, "b"), active_ms=30_000)
    refresh_project(studio.pk)
    assert manager_api.get(analytics_url(studio, "summary")).json()["n"] == 2

    assert manager_api.get(analytics_url(studio, "summary") + f"?annotator={bob.pk}").json()["active_s"] == 30.0
    assert client_for(ann).get(analytics_url(studio, "summary")).json()["active_s"] == 10.0


def test_cost_follows_a_new_hourly_rate_without_a_refresh(manager_api, studio, ann):
    work(studio, ann, item(studio, "a"), active_ms=3_600_000)
    refresh_project(studio.pk)
    assert manager_api.get(analytics_url(studio, "cost")).json()["total"] == 36.0

    studio.hourly_rate = "50.00"
    studio.save(update_fields=["hourly_rate"])

    assert manager_api.get(analytics_url(studio, "cost")).json()["total"] == 50.0


def test_cost_forecast_counts_items_uploaded_after_the_refresh(manager_api, studio, ann):
    work(studio, ann, item(studio, "a"), active_ms=10_000)
    refresh_project(studio.pk)
    before = manager_api.get(analytics_url(studio, "cost")).json()["remaining_annotations"]

    item(studio, "new")

    assert (
        manager_api.get(analytics_url(studio, "cost")).json()["remaining_annotations"]
        == before + studio.annotators_per_item
    )


def test_each_outlier_page_is_cached_apart(manager_api, studio, ann):
    for name in "abc":
        work(studio, ann, item(studio, name), active_ms=100)  # below the minimum time: all three are flagged
    refresh_project(studio.pk)
    url = analytics_url(studio, "outliers")

    first = manager_api.get(url + "?page_size=2").json()
    second = manager_api.get(url + "?page_size=2&page=2").json()

    assert (first["count"], len(first["results"]), len(second["results"])) == (3, 2, 1)
    assert manager_api.get(url + "?page_size=2").json() == first
